"""iaclint's own JSON report: a stable, versioned schema (docs/json-report.md).

`version` changes only when a field is removed or changes meaning; new fields may appear
within a version. The schema is docs/json-report.schema.json, and a test validates the output
against it.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from iaclint import __version__
from iaclint.findings.finding import Finding
from iaclint.load.document import Diagnostic
from iaclint.report.base import Report, Style

SCHEMA_VERSION = 1


def write_report(report: Report, out: TextIO, style: Style) -> None:
    json.dump(build_document(report), out, indent=2, ensure_ascii=False)
    out.write("\n")


def build_document(report: Report) -> dict[str, Any]:
    active = report.active
    return {
        "version": SCHEMA_VERSION,
        "tool": {"name": "iaclint", "version": __version__},
        "findings": [_finding(report, f) for f in report.findings],
        "diagnostics": [_diagnostic(report, d) for d in report.diagnostics],
        "summary": {
            "templates": len(report.templates),
            "unreadable": report.unreadable,
            "errors": sum(1 for f in active if f.level == "error"),
            "warnings": sum(1 for f in active if f.level == "warning"),
            "notes": sum(1 for f in active if f.level == "note"),
            "suppressed": len(report.findings) - len(active),
            "baselined": report.baselined,
            "exit_code": report.exit_code,
        },
    }


def _finding(report: Report, finding: Finding) -> dict[str, Any]:
    suppression = None
    if finding.suppression is not None:
        suppression = {
            "kind": finding.suppression.kind,
            "source": finding.suppression.source,
            "reason": finding.suppression.reason,
            "line": finding.suppression.line,
        }
    return {
        "rule_id": finding.rule_id,
        "level": finding.level,
        "message": finding.message,
        "file": report.relative(finding.file),
        "start_line": finding.start_line,
        "start_column": finding.start_column,
        "end_line": finding.end_line,
        "end_column": finding.end_column,
        "logical_id": finding.logical_id,
        "property_path": finding.property_path,
        "scenario": finding.scenario,
        "fingerprint": finding.fingerprint,
        "suppression": suppression,
    }


def _diagnostic(report: Report, diagnostic: Diagnostic) -> dict[str, Any]:
    return {
        "code": diagnostic.code,
        "level": diagnostic.level,
        "message": diagnostic.message,
        "file": report.relative(diagnostic.path),
        "line": diagnostic.line,
        "column": diagnostic.column,
    }
