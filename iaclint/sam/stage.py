"""The SAM stage: check a template with the SAM transform on what it deploys.

Views of one template, each analysed by the ordinary engine:

- expanded: the translator's output, every generated path looking up the span of the SAM
  source it came from (SourceMap + MappedSpanIndex); rules on plain types run here;
- serverless: the template as written with Globals merged into the `AWS::Serverless::*`
  resources; SAM rules (SAM001...) run here, and so do rules written for both plain and
  serverless types, restricted to the serverless ones (their own SAM logic judges the SAM
  resource; their findings on what it generates are dropped from the expanded view);
- as written: template-scoped validity and general rules, and template checks that read SAM
  themselves (the translator resolves some parameters away, and Globals are reported once).

When the translator cannot expand the template, one note says why and every resource rule
runs on the serverless view instead. Findings on generated resources are then moved to their
SAM source: logical id and property path of the serverless resource (so its `Metadata`
suppressions apply and fingerprints follow the source), with the generated resource named in
the message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from iaclint.findings.finding import Finding, format_property_path
from iaclint.findings.fingerprint import source_path
from iaclint.load.document import Diagnostic, Document, Path
from iaclint.model.build import build_template
from iaclint.model.template import Template
from iaclint.policy.engine import AnalysisOptions, analyse
from iaclint.policy.rule import Rule
from iaclint.policy.ruleset import RuleSet
from iaclint.sam.merge import MergedResources, merge_globals
from iaclint.sam.sourcemap import MappedSpanIndex, SourceMap
from iaclint.sam.translate import MARKER, TranslationFailed, translate

_REASON_LIMIT = 300


@dataclass(frozen=True, slots=True, eq=False)
class Expansion:
    """What the SAM stage hands to analysis: the views and how to read findings back."""

    template: Template  # as written
    serverless: Template  # Globals merged into the serverless resources
    merged: MergedResources
    expanded: Template | None  # None: the translator could not expand it
    sources: SourceMap | None
    note: Diagnostic | None  # why it was not expanded


def expand(template: Template, options: AnalysisOptions) -> Expansion:
    merged = merge_globals(template.data)
    serverless = _view(template, merged.data, merged.origin)
    try:
        data = translate(template.data, options.parameters, options.region)
        sources = SourceMap(data, merged)
    except (TranslationFailed, ImportError) as exc:
        reason = str(exc) if isinstance(exc, TranslationFailed) else f"cannot import it: {exc}"
        return _fallback(template, serverless, merged, reason)
    except Exception as exc:  # an output shape the source map does not know: never crash
        reason = f"iaclint could not map its output to the source: {type(exc).__name__}: {exc}"
        return _fallback(template, serverless, merged, reason)
    _strip_markers(data)
    expanded = _view(template, data, sources.origin)
    return Expansion(template, serverless, merged, expanded, sources, None)


def _fallback(
    template: Template, serverless: Template, merged: MergedResources, reason: str
) -> Expansion:
    if len(reason) > _REASON_LIMIT:
        reason = reason[: _REASON_LIMIT - 3] + "..."
    line, column = template.spans.nearest(("Transform",))[1][:2]
    message = (
        f"the SAM translator could not expand this template ({reason}); checked the "
        "AWS::Serverless::* resources as written, with Globals merged"
    )
    note = Diagnostic(template.source, line, column, message, "sam-not-expanded", "note")
    return Expansion(template, serverless, merged, None, None, note)


def analyse_sam(
    template: Template, rules: Iterable[Rule], options: AnalysisOptions
) -> tuple[list[Finding], list[Diagnostic]]:
    """`analyse` for a template with the SAM transform (see the module doc)."""
    expansion = expand(template, options)
    findings: list[Finding] = []
    diagnostics: list[Diagnostic] = [expansion.note] if expansion.note else []
    groups = RuleSet.of(rules).derived("sam-views", _groups)
    views: list[tuple[Template, RuleSet, Callable[[Path], Path] | None, dict[str, Any]]]
    merged = expansion.merged.origin
    views = [(template, groups.written, None, {})]
    if expansion.expanded is None or expansion.sources is None:
        # Every rule on the serverless resources as written, Globals merged.
        views.append((expansion.serverless, groups.unexpanded, merged, {}))
    else:
        sources = expansion.sources
        views += [
            (expansion.serverless, groups.serverless, merged, {}),
            (expansion.expanded, groups.expanded, sources.origin, sources.origins),
        ]
    for view, subset, origin, generated in views:
        if not subset:
            continue
        found, diags = analyse(view, subset, options)
        if origin is not None:
            found = _moved(
                _not_judged_natively(found, generated, groups.mixed_types, template),
                origin,
                generated,
            )
        findings += found
        diagnostics += diags
    findings.sort(key=lambda f: f.sort_key)
    return findings, list(dict.fromkeys(diagnostics))


@dataclass(frozen=True, slots=True, eq=False)
class _Groups:
    """The rules of each view, grouped once per rule set:

    - serverless rules (every type is AWS::Serverless::*) run on the merged view;
    - written: template-scoped validity, general and SAM-aware rules run as written;
    - mixed: resource rules for plain and serverless types; the SAM resources are judged by
      their own SAM logic on the merged view, the rest on the expanded template;
    - plain: everything else, on the expanded template."""

    written: RuleSet
    serverless: RuleSet  # serverless rules, and mixed ones restricted to serverless types
    expanded: RuleSet  # mixed and plain
    unexpanded: RuleSet  # serverless, mixed and plain: when the translator failed
    mixed_types: dict[str, tuple[str, ...]]  # a mixed rule's id -> its resource types


def _groups(rules: RuleSet) -> _Groups:
    serverless: list[Rule] = []
    written: list[Rule] = []
    mixed: list[Rule] = []
    plain: list[Rule] = []
    for rule in rules:
        sam_types = [t for t in rule.resource_types if t.startswith("AWS::Serverless::")]
        if rule.scope == "resource" and sam_types and len(sam_types) == len(rule.resource_types):
            serverless.append(rule)
        elif rule.scope == "template" and (sam_types or rule.category in ("validity", "other")):
            written.append(rule)  # incl. template checks that read SAM (and Globals) itself
        elif rule.scope == "resource" and sam_types:
            mixed.append(rule)
        else:
            plain.append(rule)
    native = [_only_serverless_types(rule) for rule in mixed]
    return _Groups(
        written=RuleSet(written),
        serverless=RuleSet(serverless + native),
        expanded=RuleSet(mixed + plain),
        unexpanded=RuleSet(serverless + mixed + plain),
        mixed_types={rule.id: rule.resource_types for rule in mixed},
    )


def _only_serverless_types(rule: Rule) -> Rule:
    types = tuple(t for t in rule.resource_types if t.startswith("AWS::Serverless::"))
    return replace(rule, resource_types=types)


def _not_judged_natively(
    findings: list[Finding],
    generated: dict[str, Any],
    mixed_types: dict[str, tuple[str, ...]],
    template: Template,
) -> list[Finding]:
    """Drop a mixed rule's findings on resources generated from a SAM resource of a type the
    rule checks itself (LIM009 judges `AWS::Serverless::Function`, Globals included, on the
    template as written; it must not judge the generated `AWS::Lambda::Function` again)."""
    kept = []
    for finding in findings:
        item = generated.get(finding.logical_id or "")
        source = template.resources.get(item.source or "") if item is not None else None
        if source is not None and source.type in mixed_types.get(finding.rule_id, ()):
            continue
        kept.append(finding)
    return kept


def _moved(
    findings: list[Finding], origin: Callable[[Path], Path], generated: dict[str, Any]
) -> list[Finding]:
    """Findings with the logical id and property path of their source as written."""
    moved = []
    for finding in findings:
        logical_id = finding.logical_id
        if logical_id is None:
            moved.append(finding)
            continue
        path = source_path(finding)
        written = origin(path)
        source = logical_id
        message = finding.message
        item = generated.get(logical_id)
        if item is not None:
            source = item.source
            message += _named(logical_id, source, message)
        if source is not None and written[:2] == ("Resources", source):
            property_path = format_property_path(written[2:])
        else:
            property_path = format_property_path(written)
        moved.append(
            replace(finding, logical_id=source, property_path=property_path, message=message)
        )
    return moved


def _named(generated: str, source: str | None, message: str) -> str:
    if source is None:
        return f" (in `{generated}`, generated by the SAM transform)"
    if generated == source:
        return f" (generated by SAM from `{source}`)"
    where = "" if f"`{generated}`" in message else f"in `{generated}`, "
    return f" ({where}generated by SAM from `{source}`)"


def _view(template: Template, data: dict[str, Any], origin: Callable[[Path], Path]) -> Template:
    spans = MappedSpanIndex(template.spans.values, template.spans.keys, origin)
    doc = Document(
        template.source, template.format, data, spans, template.size, (), template.directives
    )  # type: ignore[arg-type]
    return replace(build_template(doc), opaque=template.opaque)


def _strip_markers(data: dict[str, Any]) -> None:
    for body in data.get("Resources", {}).values():
        metadata = body.get("Metadata") if isinstance(body, dict) else None
        if isinstance(metadata, dict) and MARKER in metadata:
            rest = {k: v for k, v in metadata.items() if k != MARKER}
            if rest:
                body["Metadata"] = rest
            else:
                del body["Metadata"]
