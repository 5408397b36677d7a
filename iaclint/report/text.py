"""Compiler-style text: `path:line:col: level [RULE] message`, one per line."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TextIO

from iaclint.findings.finding import Finding
from iaclint.load.document import Diagnostic

# C0 and C1 control characters (and DEL): a template must not be able to drive the
# user's terminal through a logical id, a message or a file name.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def finding_line(finding: Finding) -> str:
    return clean(
        f"{finding.file}:{finding.start_line}:{finding.start_column}: "
        f"{finding.level} [{finding.rule_id}] {finding.message}"
    )


def diagnostic_line(diagnostic: Diagnostic) -> str:
    return clean(
        f"{diagnostic.path}:{diagnostic.line}:{diagnostic.column}: "
        f"{diagnostic.level} [{diagnostic.code}] {diagnostic.message}"
    )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary_line(findings: list[Finding], templates: int, unreadable: int) -> str:
    counts = {level: 0 for level in ("error", "warning", "note")}
    for finding in findings:
        counts[finding.level] += 1
    parts = [_plural(counts[level], level) for level in counts]
    text = f"{', '.join(parts)} in {_plural(templates, 'template')}"
    if unreadable:
        text += f"; {_plural(unreadable, 'file')} could not be read"
    return text


def write_text(
    out: TextIO,
    findings: Iterable[Finding],
    diagnostics: Iterable[Diagnostic],
    templates: int,
    unreadable: int,
) -> None:
    findings = list(findings)
    rows: list[tuple[tuple[str, int, int, str], str]] = [
        ((f.file, f.start_line, f.start_column, f.rule_id), finding_line(f)) for f in findings
    ]
    rows += [((d.path, d.line, d.column, d.code), diagnostic_line(d)) for d in diagnostics]
    rows.sort(key=lambda row: row[0])
    for _, line in rows:
        out.write(line + "\n")
    out.write(summary_line(findings, templates, unreadable) + "\n")
