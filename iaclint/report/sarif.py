"""SARIF 2.1.0 for GitHub code scanning.

Follows GitHub's "SARIF support for code scanning" page (docs.github.com, code-security/
code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning) and passes
Microsoft's SARIF Multitool (`validate --rule-kind "Gh;Sarif"`) with no error or warning; the
test suite runs that validator (tests/test_sarif_validator.py).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, TextIO

from iaclint import __version__
from iaclint.findings.finding import Finding
from iaclint.findings.fingerprint import VERSION as FINGERPRINT_KEY
from iaclint.load.document import Diagnostic
from iaclint.policy.rule import Rule, RuleDocs
from iaclint.report.base import Report, Style

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
INFORMATION_URI = "https://github.com/iaclint/iaclint"
DOCS_URI = "https://github.com/iaclint/iaclint/blob/main/docs/rules"
# GitHub reads security-severity as a CVSS-like score: over 9.0 is critical, 7.0-8.9 high,
# 4.0-6.9 medium, 0.1-3.9 low. Only security rules carry it (it makes results security alerts).
SECURITY_SEVERITY = {"error": "8.0", "warning": "5.0", "note": "2.0"}
# GitHub's `problem.severity` for the other rules: error, warning or recommendation.
PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "note": "recommendation"}
DESCRIPTION_LIMIT = 1024  # GitHub truncates short and full descriptions past this
# Diagnostics are tool notifications, not results; their codes are described here once.
NOTIFICATIONS = {
    "parse-error": "The file is not valid YAML or JSON, or not a valid template document.",
    "read-error": "The file could not be read.",
    "empty-file": "The file is empty.",
    "not-a-template": "The file is not a CloudFormation template and was not checked.",
    "unsupported-tag": "Part of the template uses tags iaclint cannot expand.",
    "scenario-cap": "Only some parameter combinations were checked.",
    "sam-not-expanded": "The SAM translator could not expand the template; its serverless "
    "resources were checked as written.",
    "analysis-error": "A rule failed on this template; the other rules ran.",
    "internal-error": "iaclint failed on this file; the other files were checked.",
}


def write_report(report: Report, out: TextIO, style: Style) -> None:
    # One compact line: only `json.dumps` without indentation runs the C encoder. Indented,
    # the log of a corpus-sized run (2,000 results) took 0.24 s to write instead of 0.05 s,
    # all of it after the last file was checked; code scanning reads it either way.
    out.write(json.dumps(build_log(report), ensure_ascii=False, separators=(",", ":")))
    out.write("\n")


def build_log(report: Report) -> dict[str, Any]:
    index = {rule.id: i for i, rule in enumerate(report.rules)}
    codes = sorted({d.code for d in report.diagnostics})
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "iaclint",
                "fullName": "iaclint: AWS CloudFormation and SAM template linter",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_rule(rule, report.docs[rule.id]) for rule in report.rules],
                "notifications": [_notification_descriptor(code) for code in codes],
            }
        },
        "invocations": [_invocation(report, {code: i for i, code in enumerate(codes)})],
        "columnKind": "unicodeCodePoints",  # libyaml counts columns in characters
        "results": _results(report, index),
    }
    files = [f.file for f in report.findings] + [d.path for d in report.diagnostics]
    if any(not report.uri(file)[1] for file in files):
        # GitHub needs the checkout root to make sense of absolute file URIs (rule GH1006).
        run["invocations"][0]["workingDirectory"] = {"uri": _dir_uri(report.root)}
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def _rule(rule: Rule, docs: RuleDocs) -> dict[str, Any]:
    help_uri = f"{DOCS_URI}/{rule.id}.md"
    tags = [rule.category, *(["security"] if rule.security else []), *rule.tags]
    properties: dict[str, Any] = {"tags": list(dict.fromkeys(tags))}
    if rule.security:
        properties["security-severity"] = SECURITY_SEVERITY[rule.level]
    else:
        properties["problem.severity"] = PROBLEM_SEVERITY[rule.level]
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": _limit(rule.title)},
        "fullDescription": {"text": _limit(" ".join(docs.rationale["text"].split()))},
        "help": {
            "text": f"{' '.join(docs.remediation['text'].split())} See {help_uri}",
            "markdown": _markdown(rule, docs, help_uri),
        },
        "helpUri": help_uri,
        "defaultConfiguration": {"level": rule.level},
        "properties": properties,
    }


def _markdown(rule: Rule, docs: RuleDocs, help_uri: str) -> str:
    lines = [
        f"**{rule.title}**",
        "",
        " ".join(docs.rationale["text"].split()),
        "",
        f"**Remediation:** {' '.join(docs.remediation['text'].split())}",
    ]
    if docs.examples:
        lines += ["", "Example:", "", "```yaml", docs.examples["bad"].rstrip(), "```"]
        lines += ["", "Use instead:", "", "```yaml", docs.examples["good"].rstrip(), "```"]
    lines += ["", f"[{rule.id}: {rule.name}]({help_uri})"]
    return "\n".join(lines)


def _limit(text: str) -> str:
    return text if len(text) <= DESCRIPTION_LIMIT else text[: DESCRIPTION_LIMIT - 3] + "..."


def _results(report: Report, index: dict[str, int]) -> list[dict[str, Any]]:
    results = []
    seen: Counter[tuple[str, str]] = Counter()
    for finding in report.findings:
        seen[(finding.rule_id, finding.fingerprint)] += 1
        results.append(
            _result(report, finding, index, seen[(finding.rule_id, finding.fingerprint)])
        )
    return results


def _result(
    report: Report, finding: Finding, index: dict[str, int], occurrence: int
) -> dict[str, Any]:
    location: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": _artifact(report, finding.file),
            "region": {
                "startLine": finding.start_line,
                "startColumn": finding.start_column,
                "endLine": finding.end_line,
                "endColumn": finding.end_column,
            },
        }
    }
    if finding.logical_id is not None:
        location["logicalLocations"] = [
            {
                "name": finding.logical_id,
                "fullyQualifiedName": f"Resources.{finding.logical_id}",
                "kind": "resource",
            }
        ]
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "level": finding.level,
        "message": {"text": finding.message},
        "locations": [location],
        # GitHub uses only primaryLocationLineHash to match alerts across runs; ours is the
        # line-independent fingerprint, so an alert survives unrelated lines moving. The
        # occurrence count tells apart findings that share one (GitHub's `hash:N` form).
        "partialFingerprints": {
            FINGERPRINT_KEY: finding.fingerprint,
            "primaryLocationLineHash": f"{finding.fingerprint}:{occurrence}",
        },
    }
    if finding.rule_id in index:
        result["ruleIndex"] = index[finding.rule_id]
    if finding.suppression is not None:
        suppression: dict[str, Any] = {"kind": finding.suppression.kind, "status": "accepted"}
        if finding.suppression.reason:
            suppression["justification"] = finding.suppression.reason
        result["suppressions"] = [suppression]
    if report.baseline_used:
        result["baselineState"] = "new"
    properties = {"propertyPath": finding.property_path}
    if finding.scenario:
        properties["scenario"] = finding.scenario
    result["properties"] = properties
    return result


def _artifact(report: Report, path: str) -> dict[str, Any]:
    uri, relative = report.uri(path)
    return {"uri": uri, "uriBaseId": SRCROOT} if relative else {"uri": uri}


def _dir_uri(root: str) -> str:
    from pathlib import Path

    return Path(root).as_uri().rstrip("/") + "/"


def _notification_descriptor(code: str) -> dict[str, Any]:
    text = NOTIFICATIONS.get(code, "A problem with a file or with iaclint itself.")
    return {
        "id": code,
        "shortDescription": {"text": text},
        "fullDescription": {"text": text},
        "help": {"text": f"{text} The message says what and where; see {INFORMATION_URI}"},
    }


def _invocation(report: Report, codes: dict[str, int]) -> dict[str, Any]:
    return {
        # Findings are the tool's normal output; a file it could not read or analyse, or
        # a rule that crashed, is a failure of the execution (SARIF 3.20.14).
        "executionSuccessful": not any(d.level == "error" for d in report.diagnostics),
        "exitCode": report.exit_code,
        "toolExecutionNotifications": [
            _notification(report, d, codes[d.code]) for d in report.diagnostics
        ],
    }


def _notification(report: Report, diagnostic: Diagnostic, index: int) -> dict[str, Any]:
    return {
        "level": diagnostic.level,
        "message": {"text": diagnostic.message},
        "descriptor": {"id": diagnostic.code, "index": index},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": _artifact(report, diagnostic.path),
                    "region": {
                        "startLine": diagnostic.line,
                        "startColumn": diagnostic.column,
                    },
                }
            }
        ],
    }
