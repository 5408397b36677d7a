"""`iaclint check`: lint templates and report findings in one or more formats."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

from iaclint.commands.setup import Flags, Setup, UsageError, build_setup, parameters_for
from iaclint.exit_codes import FINDINGS, OK, UNREADABLE, USAGE
from iaclint.findings.finding import LEVELS, Finding
from iaclint.load.document import Diagnostic

if TYPE_CHECKING:
    from iaclint.report.base import Report
    from iaclint.suppress.baseline import Baseline


@dataclass(frozen=True, slots=True, eq=False)
class CheckOptions:
    """The `check` command's flags and arguments, as given."""

    paths: tuple[str, ...]
    parameters: dict[str, str] = field(default_factory=dict)
    region: str | None = None
    fail_level: str | None = None
    rules_dirs: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()  # FORMAT or FORMAT=FILE; empty: the configuration's
    output: str | None = None
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    config: str | None = None
    baseline: str | None = None
    quiet: bool = False
    skip_non_templates: bool = False
    jobs: int = 0  # 0: automatic (several processes only for many files)
    use_cache: bool = True

    def flags(self) -> Flags:
        return Flags(
            config=self.config,
            select=self.select,
            ignore=self.ignore,
            fail_level=self.fail_level,
            region=self.region,
            parameters=self.parameters,
            rules_dirs=self.rules_dirs,
            formats=self.formats or None,
            baseline=self.baseline,
        )


@dataclass(frozen=True, slots=True, eq=False)
class Outcome:
    """A finished run, before formatting."""

    setup: Setup
    findings: list[Finding]
    diagnostics: list[Diagnostic]
    templates: list[str]
    baselined: int


def run_check(options: CheckOptions) -> int:
    try:
        setup = build_setup(options.flags())
        targets = _targets(setup.formats or ("text",), options.output)
        outcome = lint(setup, options)
    except UsageError as exc:
        sys.stderr.write(f"iaclint: {exc}\n")
        return USAGE
    report = build_report(outcome)
    return _write(report, targets, options.quiet)


def lint(setup: Setup, options: CheckOptions) -> Outcome:
    """Every stage up to the report, for `check` and `baseline write`."""
    from iaclint.commands.progress import Progress
    from iaclint.config.globs import FileFilter
    from iaclint.load.discover import discover
    from iaclint.pipeline import StageSettings
    from iaclint.policy.engine import AnalysisOptions
    from iaclint.policy.ruleset import RuleSet
    from iaclint.runner.parallel import Job, automatic_jobs, run_jobs

    baseline = _read_baseline(setup) if setup.baseline else None
    config = setup.config
    accept = FileFilter(config.root, config.include, config.exclude).accept
    candidates, diagnostics = discover(
        list(options.paths), accept, explicit=not options.skip_non_templates
    )
    stdin_text = sys.stdin.read() if any(c.path == "-" for c in candidates) else None
    settings = StageSettings(
        levels=setup.levels,
        suppressions=setup.suppressions,
        known_ids=setup.known_ids,
        root=config.root,
    )
    rules = list(setup.rules)
    jobs = [
        Job(
            candidate,
            AnalysisOptions(region=setup.region, parameters=parameters_for(setup, candidate.path)),
        )
        for candidate in candidates
    ]
    cache = None
    if options.use_cache:
        from iaclint.runner.result_cache import ResultCache, code_signature, context_key

        # The rules are what their files say (rules_key), but for the selection and levels.
        selected = [(rule.id, rule.level) for rule in rules]
        cache = ResultCache(context_key(code_signature(), setup.rules_key, selected, settings))
    workers = options.jobs or automatic_jobs(len(jobs))
    findings: list[Finding] = []
    templates: list[str] = []
    progress = Progress(sys.stderr, len(candidates), enabled=not options.quiet)
    try:
        results = run_jobs(
            jobs, RuleSet(rules), settings, workers, cache, stdin_text, progress.advance
        )
    finally:
        progress.close()
    if cache is not None:
        cache.prune()
    for result in results:
        findings.extend(result.findings)
        diagnostics.extend(result.diagnostics)
        if result.checked:
            templates.append(result.path)
    baselined = 0
    if baseline is not None:
        findings, baselined = baseline.filter(findings, setup.all_rules, config.root)
    findings.sort(key=lambda f: f.sort_key)
    return Outcome(setup, findings, diagnostics, templates, baselined)


def _read_baseline(setup: Setup) -> Baseline:
    from iaclint.suppress.baseline import BaselineError, read_baseline

    assert setup.baseline is not None
    try:
        return read_baseline(setup.baseline)
    except BaselineError as exc:
        raise UsageError(str(exc)) from exc


def exit_code(outcome: Outcome) -> int:
    if any(d.level == "error" for d in outcome.diagnostics):
        return UNREADABLE
    threshold = LEVELS[outcome.setup.fail_level]
    failing = any(LEVELS[f.level] <= threshold for f in outcome.findings if f.suppression is None)
    return FINDINGS if failing else OK


def build_report(outcome: Outcome) -> Report:
    from iaclint.report.base import Report

    return Report(
        findings=tuple(outcome.findings),
        diagnostics=tuple(sorted(outcome.diagnostics, key=lambda d: (d.path, d.line, d.column))),
        rules=outcome.setup.rules,
        docs=outcome.setup.docs,
        templates=tuple(outcome.templates),
        unreadable=sum(1 for d in outcome.diagnostics if d.level == "error"),
        root=outcome.setup.config.root,
        fail_level=outcome.setup.fail_level,
        exit_code=exit_code(outcome),
        baselined=outcome.baselined,
        baseline_used=outcome.setup.baseline is not None,
    )


def _targets(formats: tuple[str, ...], output: str | None) -> list[tuple[str, str | None]]:
    """(format, file or None for standard output); at most one format may use stdout."""
    from iaclint.report.base import FORMATS

    targets: list[tuple[str, str | None]] = []
    for item in formats:
        name, sep, path = item.partition("=")
        if name not in FORMATS:
            raise UsageError(
                f"--format: unknown format `{name}` (expected one of {', '.join(FORMATS)})"
            )
        if sep and not path:
            raise UsageError(f"--format: `{item}` names no file after `=`")
        targets.append((name, path if sep else output))
    unnamed = [name for name, path in targets if path is None]
    if len(unnamed) > 1:
        raise UsageError(
            f"--format: {' and '.join(unnamed)} would both go to standard output; "
            "give all but one a file (FORMAT=FILE)"
        )
    if output is not None and not any(path == output for _, path in targets):
        raise UsageError("--output: every format already names its own file")
    return targets


def _write(report: Report, targets: list[tuple[str, str | None]], quiet: bool) -> int:
    from iaclint.report.base import Style, get_reporter
    from iaclint.report.text import use_color

    for name, path in targets:
        reporter = get_reporter(name)
        if path is None:
            style = Style(color=name == "text" and use_color(sys.stdout), quiet=quiet)
            reporter(report, sys.stdout, style)
            continue
        try:
            with _open(path) as out:
                reporter(report, out, Style(quiet=quiet))
        except OSError as exc:
            sys.stderr.write(f"iaclint: cannot write {path}: {exc.strerror or exc}\n")
            return USAGE
    return int(report.exit_code)


def _open(path: str) -> TextIO:
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    return open(path, "w", encoding="utf-8", newline="\n")
