"""What the commands share: configuration and command-line flags merged into one set of
effective settings, and the rules they select. Command-line flags override the file."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import cast

from iaclint.config.load import Config, ConfigError, load_config
from iaclint.findings.finding import Level
from iaclint.policy.rule import Rule, RuleDocs
from iaclint.policy.selection import SelectionError, Selector, level_overrides, select_rules
from iaclint.suppress.policy import SuppressionPolicy

DEFAULT_FAIL_LEVEL = "warning"
DEFAULT_REGION = "us-east-1"


class UsageError(Exception):
    """A user error: bad flag, configuration or rule file. One line, exit code 2."""


@dataclass(frozen=True, slots=True, eq=False)
class Flags:
    """The command-line flags that can also come from the configuration (None: not given)."""

    config: str | None = None
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    fail_level: str | None = None
    region: str | None = None
    parameters: dict[str, str] = field(default_factory=dict)
    rules_dirs: tuple[str, ...] = ()
    formats: tuple[str, ...] | None = None
    baseline: str | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Setup:
    """The configuration and flags of a run, merged: what every command starts from."""

    config: Config
    all_rules: tuple[Rule, ...]  # every rule known, for explain and for resolving directives
    rules_key: str  # changes whenever the rule files read change (loader.load_rule_files_keyed)
    docs: Mapping[str, RuleDocs]  # every rule's documentation, read when first asked for
    rules: tuple[Rule, ...]  # the selected rules, with level overrides applied
    levels: dict[str, Level]
    fail_level: str
    region: str
    parameters: dict[str, str]  # the configuration's, then the flags'
    cli_parameters: dict[str, str]
    formats: tuple[str, ...]
    baseline: str | None
    rules_dirs: tuple[str, ...]
    suppressions: SuppressionPolicy

    @property
    def known_ids(self) -> dict[str, str]:
        return {alias: r.id for r in self.all_rules for alias in (r.id, *r.aliases)}


def _split(values: tuple[str, ...], origin: str) -> tuple[Selector, ...]:
    # `--select ENC,IAM` and `--select ENC --select IAM` mean the same, as in ruff.
    return tuple(
        Selector(part.strip(), origin)
        for value in values
        for part in value.split(",")
        if part.strip()
    )


def build_setup(flags: Flags) -> Setup:
    from iaclint.policy.loader import (
        RuleDocumentation,
        RuleFileError,
        builtin_rules_dir,
        load_rule_files_keyed,
    )

    try:
        config = load_config(flags.config)
    except ConfigError as exc:
        raise UsageError(str(exc)) from exc
    rules_dirs = (*config.rules_dirs, *flags.rules_dirs)
    try:
        directories = [builtin_rules_dir(), *map(Path, rules_dirs)]
        all_rules, rules_key = load_rule_files_keyed(directories)
    except RuleFileError as exc:
        raise UsageError(str(exc)) from exc
    select = (_split(flags.select, "--select") if flags.select is not None else config.select) or (
        Selector("ALL", "the default selection"),
    )
    ignore = _split(flags.ignore, "--ignore") if flags.ignore is not None else config.ignore
    try:
        chosen = select_rules(all_rules, select, ignore)
        # The configuration schema allows only error, warning and note as levels.
        levels = cast(dict[str, Level], level_overrides(all_rules, config.severity))
    except SelectionError as exc:
        raise UsageError(str(exc)) from exc
    rules = tuple(replace(r, level=levels[r.id]) if r.id in levels else r for r in chosen)
    parameters = {**config.parameters, **flags.parameters}
    baseline = flags.baseline if flags.baseline is not None else config.baseline
    return Setup(
        config=config,
        all_rules=tuple(all_rules),
        rules_key=rules_key,
        docs=RuleDocumentation(directories),
        rules=rules,
        levels=levels,
        fail_level=flags.fail_level or config.fail_level or DEFAULT_FAIL_LEVEL,
        region=flags.region or config.region or DEFAULT_REGION,
        parameters=parameters,
        cli_parameters=dict(flags.parameters),
        formats=flags.formats if flags.formats is not None else config.formats,
        baseline=baseline,
        rules_dirs=rules_dirs,
        suppressions=SuppressionPolicy(
            allow_in_template=config.allow_in_template,
            require_reason=config.require_reason,
            source=config.name,
        ),
    )


def parameters_for(setup: Setup, path: str) -> dict[str, str]:
    """Global parameters, then `per-file-parameters` whose glob matches, then the flags'."""
    from iaclint.config.globs import matches

    if not setup.config.per_file_parameters or path == "-":
        return setup.parameters
    relative = os.path.relpath(os.path.abspath(path), setup.config.root).replace(os.sep, "/")
    merged = dict(setup.config.parameters)
    for glob, values in setup.config.per_file_parameters:
        if matches(glob, relative):
            merged.update(values)
    merged.update(setup.cli_parameters)
    return merged
