"""JUnit XML for CI systems that read nothing else: one test case per template and rule.

Each template is a `<testsuite>`; each rule that ran is a `<testcase>` in it, failing with
one `<failure>` per finding at or above the fail level. Findings below it are listed in the
case's `<system-out>` and do not fail it, so the XML agrees with the exit code. A file that
could not be read is a suite with one case in `<error>`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TextIO
from xml.etree import ElementTree as ET

from iaclint.findings.finding import Finding
from iaclint.load.document import Diagnostic
from iaclint.report.base import Report, Style
from iaclint.report.text import clean


def write_report(report: Report, out: TextIO, style: Style) -> None:
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for finding in report.active:
        by_file[finding.file].append(finding)
    problems: dict[str, list[Diagnostic]] = defaultdict(list)
    for diagnostic in report.diagnostics:
        if diagnostic.level == "error":
            problems[diagnostic.path].append(diagnostic)
    root = ET.Element("testsuites", name="iaclint")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for template in report.templates:
        suite = _suite(root, report.relative(template))
        for rule in report.rules:
            case = ET.SubElement(suite, "testcase", name=f"{rule.id} {rule.name}")
            case.set("classname", report.relative(template))
            _fill(case, report, [f for f in by_file[template] if f.rule_id == rule.id])
        for diagnostic in problems.pop(template, []):
            _error_case(suite, report, diagnostic)
        _count(suite, totals)
    for path, diagnostics in sorted(problems.items()):
        suite = _suite(root, report.relative(path))
        for diagnostic in diagnostics:
            _error_case(suite, report, diagnostic)
        _count(suite, totals)
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode") + "\n")


def _suite(root: ET.Element, name: str) -> ET.Element:
    return ET.SubElement(root, "testsuite", name=name)


def _fill(case: ET.Element, report: Report, findings: list[Finding]) -> None:
    failing = [f for f in findings if report.fails(f)]
    passing = [f for f in findings if not report.fails(f)]
    for f in failing:
        failure = ET.SubElement(case, "failure", type=f.level, message=_xml(f.message))
        failure.text = _xml(f"{report.relative(f.file)}:{f.start_line}:{f.start_column}")
    if passing:
        out = ET.SubElement(case, "system-out")
        out.text = "\n".join(
            _xml(
                f"{report.relative(f.file)}:{f.start_line}:{f.start_column}: {f.level} {f.message}"
            )
            for f in passing
        )


def _error_case(suite: ET.Element, report: Report, diagnostic: Diagnostic) -> None:
    case = ET.SubElement(suite, "testcase", name=diagnostic.code)
    case.set("classname", report.relative(diagnostic.path))
    error = ET.SubElement(case, "error", type=diagnostic.code, message=_xml(diagnostic.message))
    error.text = _xml(f"{report.relative(diagnostic.path)}:{diagnostic.line}:{diagnostic.column}")


def _count(suite: ET.Element, totals: dict[str, int]) -> None:
    cases = suite.findall("testcase")
    counts = {
        "tests": len(cases),
        "failures": sum(1 for c in cases if c.find("failure") is not None),
        "errors": sum(1 for c in cases if c.find("error") is not None),
    }
    for key, value in counts.items():
        suite.set(key, str(value))
        totals[key] += value


def _xml(text: str) -> str:
    # XML 1.0 cannot hold most control characters at all, even escaped.
    return clean(text)
