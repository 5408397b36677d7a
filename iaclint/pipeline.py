"""One file through every stage: load -> model -> resolve/graph/rules -> findings -> suppress."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from iaclint.findings.finding import Finding, Level
from iaclint.load.discover import Candidate
from iaclint.load.document import Diagnostic, LoadError
from iaclint.model.template import Template
from iaclint.policy.engine import AnalysisOptions, analyse
from iaclint.policy.rule import Rule
from iaclint.policy.ruleset import RuleSet
from iaclint.suppress.policy import SuppressionPolicy

# Any file that mentions neither is not a template; skipping it avoids parsing it.
_MARKERS = ("Resources", "AWSTemplateFormatVersion")


@dataclass(frozen=True, slots=True, eq=False)
class StageSettings:
    """What the stages after the engine need: level overrides from the configuration,
    the suppression policy, every known rule id or alias (to resolve directives; defaults to
    the rules that run), and the project root that fingerprints are relative to."""

    levels: Mapping[str, Level] = field(default_factory=dict)
    suppressions: SuppressionPolicy = field(default_factory=SuppressionPolicy)
    known_ids: Mapping[str, str] | None = None
    root: str = ""


@dataclass(frozen=True, slots=True, eq=False)
class FileResult:
    """What checking one file produced."""

    path: str
    findings: tuple[Finding, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    checked: bool = False  # False: skipped as not a template, or could not be read


def lint_file(
    candidate: Candidate,
    rules: Iterable[Rule],
    options: AnalysisOptions,
    stdin_text: str | None = None,
    settings: StageSettings | None = None,
) -> FileResult:
    path = candidate.path
    try:
        rule_set = RuleSet.of(rules)
        return _lint(candidate, rule_set, options, stdin_text, settings or StageSettings())
    except Exception as exc:  # one broken file must never stop the others
        import traceback  # only on failure: its import costs start-up

        where = traceback.extract_tb(exc.__traceback__)[-1]
        message = (
            f"internal error while checking this file: {type(exc).__name__}: {exc} "
            f"({where.filename.rsplit('/', 1)[-1]}:{where.lineno}); please report it"
        )
        return FileResult(path, diagnostics=(Diagnostic(path, 1, 1, message, "internal-error"),))


def _lint(
    candidate: Candidate,
    rules: RuleSet,
    options: AnalysisOptions,
    stdin_text: str | None,
    settings: StageSettings,
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
    if template.is_sam:  # the SAM stage (and the translator) only for templates that need it
        from iaclint.sam import analyse_sam

        findings, diagnostics = analyse_sam(template, rules, options)
    else:
        findings, diagnostics = analyse(template, rules, options)
    findings = _after_rules(template, findings, rules, settings)
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


def _after_rules(
    template: Template, findings: list[Finding], rules: RuleSet, settings: StageSettings
) -> list[Finding]:
    """Level overrides, then suppressions (which may add TPL100 findings), then fingerprints."""
    from iaclint.findings.fingerprint import with_fingerprints
    from iaclint.suppress.apply import META_RULE, Known, apply

    known = settings.known_ids
    if known is None:
        known = rules.derived("aliases", _aliases)
    meta = rules.by_id.get(META_RULE)
    if meta is not None and meta.id in settings.levels:
        meta = replace(meta, level=settings.levels[meta.id])
    # An override sets the level of every finding of the rule, also of those a check
    # raised or lowered itself (a quota rule warns near the quota): the team decided.
    findings = [
        replace(f, level=settings.levels[f.rule_id]) if f.rule_id in settings.levels else f
        for f in findings
    ]
    findings = apply(
        template, findings, Known(known, rules.derived("ids", _ids)), settings.suppressions, meta
    )
    root = settings.root or os.getcwd()
    findings = with_fingerprints(findings, template.data, root)
    findings.sort(key=lambda f: f.sort_key)
    return findings


def _aliases(rules: RuleSet) -> dict[str, str]:
    return {alias: rule.id for rule in rules for alias in (rule.id, *rule.aliases)}


def _ids(rules: RuleSet) -> frozenset[str]:
    return frozenset(rules.by_id)
