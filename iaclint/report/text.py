"""Compiler-style text: `path:line:col: level [RULE] message`, one per line, then a summary.

This is the line editors (docs/editor.md) and CI logs parse. Colour is used only on a
terminal and never when NO_COLOR is set (https://no-color.org); the escape codes wrap whole
fields, so a matcher that strips them sees the same line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import TextIO

from iaclint.findings.finding import Finding
from iaclint.load.document import Diagnostic
from iaclint.report.base import Report, Style

# C0 and C1 control characters (and DEL): a template must not be able to drive the
# user's terminal through a logical id, a message or a file name.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_COLORS = {"error": "31", "warning": "33", "note": "36"}  # red, yellow, cyan


def clean(text: str) -> str:
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def use_color(stream: TextIO) -> bool:
    """Colour only for a terminal, and never when NO_COLOR is set to anything non-empty."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _line(path: str, line: int, column: int, level: str, code: str, message: str) -> str:
    return clean(f"{path}:{line}:{column}: {level} [{code}] {message}")


def _colored(path: str, line: int, column: int, level: str, code: str, message: str) -> str:
    color = _COLORS.get(level, "0")
    return (
        f"\x1b[1m{clean(path)}:{line}:{column}:\x1b[0m "
        f"\x1b[1;{color}m{level}\x1b[0m \x1b[2m[{clean(code)}]\x1b[0m {clean(message)}"
    )


def finding_line(finding: Finding) -> str:
    return _line(
        finding.file,
        finding.start_line,
        finding.start_column,
        finding.level,
        finding.rule_id,
        finding.message,
    )


def diagnostic_line(diagnostic: Diagnostic) -> str:
    return _line(
        diagnostic.path,
        diagnostic.line,
        diagnostic.column,
        diagnostic.level,
        diagnostic.code,
        diagnostic.message,
    )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary_line(
    findings: Iterable[Finding],
    templates: int,
    unreadable: int,
    suppressed: int = 0,
    baselined: int = 0,
) -> str:
    counts = {level: 0 for level in ("error", "warning", "note")}
    for finding in findings:
        counts[finding.level] += 1
    parts = [_plural(counts[level], level) for level in counts]
    text = f"{', '.join(parts)} in {_plural(templates, 'template')}"
    if suppressed:
        text += f"; {suppressed} suppressed"
    if baselined:
        text += f"; {baselined} in the baseline"
    if unreadable:
        text += f"; {_plural(unreadable, 'file')} could not be read"
    return text


def write_report(report: Report, out: TextIO, style: Style) -> None:
    render = _colored if style.color else _line
    rows: list[tuple[tuple[str, int, int, str], str]] = []
    active = report.active
    for f in active:
        key = (f.file, f.start_line, f.start_column, f.rule_id)
        rows.append(
            (key, render(f.file, f.start_line, f.start_column, f.level, f.rule_id, f.message))
        )
    for d in report.diagnostics:
        if style.quiet and d.level == "note":
            continue
        key = (d.path, d.line, d.column, d.code)
        rows.append((key, render(d.path, d.line, d.column, d.level, d.code, d.message)))
    rows.sort(key=lambda row: row[0])
    for _, line in rows:
        out.write(line + "\n")
    if not style.quiet:
        suppressed = len(report.findings) - len(active)
        out.write(
            summary_line(
                active, len(report.templates), report.unreadable, suppressed, report.baselined
            )
            + "\n"
        )
