"""`iaclint check`: lint templates and report findings."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from iaclint.exit_codes import FINDINGS, OK, UNREADABLE, USAGE
from iaclint.findings.finding import LEVELS


@dataclass(frozen=True, slots=True)
class CheckOptions:
    paths: tuple[str, ...]
    parameters: dict[str, str] = field(default_factory=dict)
    region: str = "us-east-1"
    fail_level: str = "warning"
    rules_dirs: tuple[str, ...] = ()


def run_check(options: CheckOptions) -> int:
    from iaclint.load.discover import discover
    from iaclint.pipeline import lint_file
    from iaclint.policy.engine import AnalysisOptions
    from iaclint.policy.loader import RuleFileError, builtin_rules_dir, load_rule_files
    from iaclint.report.text import write_text

    try:
        rules = load_rule_files([builtin_rules_dir(), *map(Path, options.rules_dirs)])
    except RuleFileError as exc:
        sys.stderr.write(f"iaclint: {exc}\n")
        return USAGE
    candidates, diagnostics = discover(list(options.paths))
    analysis = AnalysisOptions(region=options.region, parameters=options.parameters)
    stdin_text = sys.stdin.read() if any(c.path == "-" for c in candidates) else None
    findings = []
    templates = 0
    for candidate in candidates:
        result = lint_file(
            candidate, rules, analysis, stdin_text if candidate.path == "-" else None
        )
        findings.extend(result.findings)
        diagnostics.extend(result.diagnostics)
        templates += result.checked
    findings.sort(key=lambda f: f.sort_key)
    unreadable = sum(1 for d in diagnostics if d.level == "error")
    write_text(sys.stdout, findings, diagnostics, templates, unreadable)
    if unreadable:
        return UNREADABLE
    threshold = LEVELS[options.fail_level]
    return FINDINGS if any(LEVELS[f.level] <= threshold for f in findings) else OK
