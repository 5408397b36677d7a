"""What every reporter receives, the one interface they share, and the registry of formats.

A reporter formats a finished Report; it never evaluates a rule or reads a template. Like
pre-commit's `all_languages.py`, the registry is a literal dict of "module:function"
strings, imported on first use, so a run imports only the formats it writes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Protocol, TextIO
from urllib.parse import quote

from iaclint.findings.finding import LEVELS, Finding
from iaclint.findings.fingerprint import file_key
from iaclint.load.document import Diagnostic
from iaclint.policy.rule import Rule, RuleDocs

FORMATS: dict[str, str] = {
    "text": "iaclint.report.text:write_report",
    "sarif": "iaclint.report.sarif:write_report",
    "json": "iaclint.report.json:write_report",
    "github": "iaclint.report.github:write_report",
    "junit": "iaclint.report.junit:write_report",
}


@dataclass(frozen=True, slots=True, eq=False)
class Style:
    """Presentation choices for terminal output (only the text reporter uses them)."""

    color: bool = False
    quiet: bool = False


@dataclass(frozen=True, slots=True, eq=False)
class Report:
    """Everything a reporter writes, and nothing it has to compute."""

    findings: tuple[Finding, ...]  # sorted; suppressed ones included, baselined ones not
    diagnostics: tuple[Diagnostic, ...]
    rules: tuple[Rule, ...]  # the rules that ran, with their effective levels
    templates: tuple[str, ...]  # the files checked as templates
    unreadable: int
    root: str  # absolute project root: SARIF URIs and fingerprints are relative to it
    fail_level: str = "warning"
    exit_code: int = 0
    baselined: int = 0  # findings left out because the baseline has them
    baseline_used: bool = False
    docs: Mapping[str, RuleDocs] = field(default_factory=dict)  # the rules' documentation

    @property
    def active(self) -> tuple[Finding, ...]:
        """The findings that are reported as problems (not suppressed)."""
        return tuple(f for f in self.findings if f.suppression is None)

    def fails(self, finding: Finding) -> bool:
        return LEVELS[finding.level] <= LEVELS[self.fail_level]

    def relative(self, path: str) -> str:
        """A project-relative POSIX path (absolute when the file is outside the project)."""
        return file_key(path, self.root)

    def uri(self, path: str) -> tuple[str, bool]:
        """(URI reference, relative?) for SARIF: percent-encoded, relative to the root."""
        key = self.relative(path)
        if os.path.isabs(key):
            return Path(key).as_uri(), False
        return quote(key, safe="/"), True


class Reporter(Protocol):
    def __call__(self, report: Report, out: TextIO, style: Style) -> None: ...


def get_reporter(name: str) -> Reporter:
    module, _, function = FORMATS[name].partition(":")
    return getattr(import_module(module), function)  # type: ignore[no-any-return]
