"""GitHub Actions workflow commands: `::error file=...,line=...::message` per finding.

A job step that runs `iaclint check --format github` annotates the pull request without a
SARIF upload. Escaping follows the runner's rules (actions/toolkit `command.ts`): in the
message `%`, CR and LF are percent-encoded; in property values also `:` and `,`. Column
properties are only sent for one-line spans, since annotations spanning several lines take
no columns.
"""

from __future__ import annotations

from typing import TextIO

from iaclint.report.base import Report, Style
from iaclint.report.text import clean, summary_line

COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(text: str) -> str:
    # Workflow commands escape %, CR and LF; any other control character (an ANSI escape
    # from a logical id, say) is shown as \xNN so a template cannot drive the log viewer.
    escaped = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return clean(escaped)


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(
    level: str,
    file: str,
    line: int,
    column: int,
    end_line: int,
    end_column: int,
    title: str,
    message: str,
) -> str:
    props = [("file", file), ("line", str(line))]
    if end_line != line:
        props.append(("endLine", str(end_line)))
    else:
        props.append(("col", str(column)))
        if end_column > column:
            # Ours is exclusive (SARIF's convention); the annotation's is the last column.
            props.append(("endColumn", str(end_column - 1)))
    props.append(("title", title))
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in props)
    return f"::{COMMANDS[level]} {rendered}::{escape_data(message)}"


def write_report(report: Report, out: TextIO, style: Style) -> None:
    for f in report.active:
        out.write(
            command(
                f.level,
                report.relative(f.file),
                f.start_line,
                f.start_column,
                f.end_line,
                f.end_column,
                f"iaclint {f.rule_id}",
                f.message,
            )
            + "\n"
        )
    for d in report.diagnostics:
        out.write(
            command(
                d.level,
                report.relative(d.path),
                d.line,
                d.column,
                d.line,
                d.column,
                f"iaclint {d.code}",
                d.message,
            )
            + "\n"
        )
    suppressed = len(report.findings) - len(report.active)
    out.write(
        summary_line(
            report.active, len(report.templates), report.unreadable, suppressed, report.baselined
        )
        + "\n"
    )
