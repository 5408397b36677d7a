"""Find, read and validate the configuration file.

`.iaclint.yaml` (or `.iaclint.yml`) or a pyproject.toml with a `[tool.iaclint]` table, in the
working directory or the nearest parent that has one; a pyproject.toml without the table is
passed over, as ruff does. Errors are one line: file, key path, what was wrong.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iaclint.policy.selection import Selector

CONFIG_NAMES = (".iaclint.yaml", ".iaclint.yml")
PYPROJECT = "pyproject.toml"


class ConfigError(Exception):
    """A configuration that cannot be used; the message is one user-facing line."""


@dataclass(frozen=True, slots=True, eq=False)
class Config:
    """The configuration file's settings, paths resolved against its directory (`root`)."""

    source: str = ""  # the file, or "" when none was found
    root: str = ""  # the project root: the file's directory, else the working directory
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    select: tuple[Selector, ...] = ()
    ignore: tuple[Selector, ...] = ()
    severity: dict[Selector, str] = field(default_factory=dict)
    fail_level: str | None = None
    region: str | None = None
    parameters: dict[str, str] = field(default_factory=dict)
    per_file_parameters: tuple[tuple[str, dict[str, str]], ...] = ()
    formats: tuple[str, ...] = ()
    rules_dirs: tuple[str, ...] = ()
    baseline: str | None = None
    allow_in_template: bool = True
    require_reason: bool = False

    @property
    def name(self) -> str:
        """How messages name the file: relative to the working directory when inside it."""
        if not self.source:
            return "the configuration"
        relative = os.path.relpath(self.source)
        table = " [tool.iaclint]" if self.source.endswith(".toml") else ""
        return (self.source if relative.startswith(os.pardir) else relative) + table


def discover(start: str) -> str | None:
    directory = os.path.abspath(start)
    while True:
        for name in CONFIG_NAMES:
            candidate = os.path.join(directory, name)
            if os.path.isfile(candidate):
                return candidate
        pyproject = os.path.join(directory, PYPROJECT)
        if os.path.isfile(pyproject) and _has_tool_table(pyproject):
            return pyproject
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def load_config(explicit: str | None = None, cwd: str | None = None) -> Config:
    cwd = os.path.abspath(cwd or os.getcwd())
    path = os.path.abspath(explicit) if explicit else discover(cwd)
    if path is None:
        return Config(root=cwd)
    data = _read(path)
    _validate(data, path)
    return _build(data, path)


def _has_tool_table(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            head = handle.read()
    except OSError:
        return False
    return b"[tool.iaclint" in head  # cheap test before parsing TOML


def _read(path: str) -> dict[str, Any]:
    shown = os.path.relpath(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise ConfigError(f"{shown}: cannot read configuration: {exc.strerror or exc}") from exc
    if path.endswith(".toml"):
        import tomllib

        try:
            document = tomllib.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{shown}: invalid TOML: {exc}") from exc
        table: dict[str, Any] | None = document.get("tool", {}).get("iaclint")
        if table is None:
            raise ConfigError(f"{shown}: has no [tool.iaclint] table")
        return table
    from iaclint.pyyaml import yaml

    try:
        data = yaml.load(raw.decode("utf-8"), Loader=yaml.CSafeLoader)
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{shown}: invalid YAML: {' '.join(str(exc).split())}") from exc
    result: dict[str, Any] = {} if data is None else data
    return result


def breadcrumb(path: Any) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def _validate(data: Any, path: str) -> None:
    import jsonschema

    schema = json.loads((Path(__file__).parent / "config.schema.json").read_text(encoding="utf-8"))
    errors = sorted(
        jsonschema.Draft202012Validator(schema).iter_errors(data),
        key=lambda e: list(map(str, e.absolute_path)),
    )
    if errors:
        first = errors[0]
        where = breadcrumb(first.absolute_path) or "(top level)"
        table = " [tool.iaclint]" if path.endswith(".toml") else ""
        raise ConfigError(f"{os.path.relpath(path)}{table}: at key `{where}`: {first.message}")


def _build(data: dict[str, Any], path: str) -> Config:
    root = os.path.dirname(path)
    table = " [tool.iaclint]" if path.endswith(".toml") else ""
    shown = os.path.relpath(path) + table

    def selectors(key: str) -> tuple[Selector, ...]:
        return tuple(
            Selector(text, f"{shown}: at key `{key}[{i}]`")
            for i, text in enumerate(data.get(key, []))
        )

    def resolve(value: str) -> str:
        return os.path.normpath(os.path.join(root, value))

    def formats() -> tuple[str, ...]:
        result = []
        for item in data.get("format", []):
            name, sep, target = item.partition("=")
            result.append(f"{name}={resolve(target)}" if sep else name)
        return tuple(result)

    suppressions = data.get("suppressions", {})
    return Config(
        source=path,
        root=root,
        include=tuple(data.get("include", [])),
        exclude=tuple(data.get("exclude", [])),
        select=selectors("select"),
        ignore=selectors("ignore"),
        severity={
            Selector(key, f"{shown}: at key `severity.{key}`"): level
            for key, level in data.get("severity", {}).items()
        },
        fail_level=data.get("fail-level"),
        region=data.get("region"),
        parameters=_strings(data.get("parameters", {})),
        per_file_parameters=tuple(
            (glob, _strings(values)) for glob, values in data.get("per-file-parameters", {}).items()
        ),
        formats=formats(),
        rules_dirs=tuple(resolve(d) for d in data.get("rules-dirs", [])),
        baseline=resolve(data["baseline"]) if "baseline" in data else None,
        allow_in_template=suppressions.get("allow-in-template", True),
        require_reason=suppressions.get("require-reason", False),
    )


def _strings(values: dict[str, Any]) -> dict[str, str]:
    """Parameter values as CloudFormation passes them: strings (`true`, `8080`)."""
    return {
        name: ("true" if v is True else "false" if v is False else str(v))
        for name, v in values.items()
    }
