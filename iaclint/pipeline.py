"""One file through every stage: load -> model -> resolve/graph/rules -> findings."""

from __future__ import annotations

import traceback
from dataclasses import dataclass

from iaclint.findings.finding import Finding
from iaclint.load.discover import Candidate
from iaclint.load.document import Diagnostic, LoadError
from iaclint.policy.engine import AnalysisOptions, analyse
from iaclint.policy.rule import Rule

# Any file that mentions neither is not a template; skipping it avoids parsing it.
_MARKERS = ("Resources", "AWSTemplateFormatVersion")


@dataclass(frozen=True, slots=True)
class FileResult:
    path: str
    findings: tuple[Finding, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    checked: bool = False  # False: skipped as not a template, or could not be read


def lint_file(
    candidate: Candidate, rules: list[Rule], options: AnalysisOptions, stdin_text: str | None = None
) -> FileResult:
    path = candidate.path
    try:
        return _lint(candidate, rules, options, stdin_text)
    except Exception as exc:  # one broken file must never stop the others
        where = traceback.extract_tb(exc.__traceback__)[-1]
        message = (
            f"internal error while checking this file: {type(exc).__name__}: {exc} "
            f"({where.filename.rsplit('/', 1)[-1]}:{where.lineno}); please report it"
        )
        return FileResult(path, diagnostics=(Diagnostic(path, 1, 1, message, "internal-error"),))


def _lint(
    candidate: Candidate, rules: list[Rule], options: AnalysisOptions, stdin_text: str | None
) -> FileResult:
    from iaclint.load.reader import load_bytes, load_path, load_text, read_file
    from iaclint.model.build import NotATemplate, build_template

    path = candidate.path
    try:
        if stdin_text is not None:
            doc = load_text(stdin_text, path)
        elif candidate.explicit:
            doc = load_path(path)
        else:
            raw = read_file(path)
            if not any(marker.encode() in raw for marker in _MARKERS):
                return FileResult(path)
            doc = load_bytes(raw, path)
    except LoadError as exc:
        return FileResult(path, diagnostics=(exc.diagnostic,))
    try:
        template = build_template(doc)
    except NotATemplate as exc:
        if candidate.explicit:
            return FileResult(
                path, diagnostics=(Diagnostic(path, 1, 1, str(exc), "not-a-template", "note"),)
            )
        return FileResult(path)
    findings, diagnostics = analyse(template, rules, options)
    notes = list(doc.notes)
    if template.foreign_resources and not notes:
        first = template.spans.nearest(("Resources", template.foreign_resources[0], "Type"))[1]
        notes.append(
            Diagnostic(
                path,
                first[0],
                first[1],
                f"{len(template.foreign_resources)} resource(s) have a module reference, not a "
                "resource type, as Type (a Rain module source?): they are not checked",
                "unsupported-tag",
                "warning",
            )
        )
    return FileResult(path, tuple(findings), (*notes, *diagnostics), checked=True)
