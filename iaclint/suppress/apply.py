"""Apply a template's directives to its findings, and report directives that do no good.

A finding is suppressed by the first directive that names its rule (or a former id of it)
and covers it: a comment on its line or on the line above, its resource's Metadata, or the
template's Metadata. Like ruff's RUF100, a directive that names no known rule or suppresses
nothing is itself a finding (rule TPL100), so stale suppressions do not pile up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from iaclint.findings.finding import Finding, Suppression, format_property_path
from iaclint.findings.fingerprint import source_path
from iaclint.model.template import Template
from iaclint.policy.rule import Rule
from iaclint.suppress.directives import Directive, collect
from iaclint.suppress.policy import SuppressionPolicy

META_RULE = "TPL100"


@dataclass(frozen=True, slots=True, eq=False)
class Known:
    """Rule ids for resolving directives: every id or alias known (selected or not) mapped
    to its rule's id, and the ids of the rules that ran on this file."""

    ids: Mapping[str, str]
    ran: frozenset[str]


def apply(
    template: Template,
    findings: list[Finding],
    known: Known,
    policy: SuppressionPolicy,
    meta_rule: Rule | None,
) -> list[Finding]:
    """The findings with `suppression` set where a directive applies, plus TPL100 findings
    (when `meta_rule` is given, i.e. TPL100 is selected)."""
    directives = collect(template)
    if not directives:
        return findings
    usable = [d for d in directives if _usable(d, known, policy)]
    used: set[int] = set()
    result = []
    for finding in findings:
        if finding.rule_id == META_RULE:
            result.append(finding)
            continue
        anchors = _anchor_lines(template, finding)
        for index, directive in enumerate(usable):
            if known.ids.get(directive.rule_id) == finding.rule_id and _covers(
                directive, finding, anchors
            ):
                used.add(index)
                suppression = Suppression(directive.source, directive.reason, directive.line)
                finding = replace(finding, suppression=suppression)
                break
        result.append(finding)
    if meta_rule is not None:
        unused = [d for i, d in enumerate(usable) if i not in used]
        result += _meta_findings(template, directives, unused, known, policy, meta_rule)
    return result


def _usable(directive: Directive, known: Known, policy: SuppressionPolicy) -> bool:
    return (
        not directive.error
        and policy.allow_in_template
        and directive.rule_id in known.ids
        and (bool(directive.reason) or not policy.require_reason)
    )


def _anchor_lines(template: Template, finding: Finding) -> set[int]:
    """The finding's first line, and the line of the key it belongs to: a comment on
    `Bucket:` covers a finding that points at that resource's body."""
    lines = {finding.start_line}
    found, _ = template.spans.nearest(source_path(finding))
    key = template.spans.key_span(found)
    if key is not None:
        lines.add(key[0])
    return lines


def _covers(directive: Directive, finding: Finding, anchors: set[int]) -> bool:
    if directive.source == "comment":
        return directive.target_line in anchors
    if directive.source == "template-metadata":
        return True
    if finding.logical_id is not None:
        return finding.logical_id == directive.logical_id
    return finding.property_path.startswith(f"Resources.{directive.logical_id}")


def _meta_findings(
    template: Template,
    directives: list[Directive],
    unused: list[Directive],
    known: Known,
    policy: SuppressionPolicy,
    rule: Rule,
) -> list[Finding]:
    stale = set(map(id, unused))
    found = []
    for directive in directives:
        problem = _problem(directive, known, policy, id(directive) in stale)
        if problem:
            message = rule.message.format_map({"directive": directive.shown, "problem": problem})
            found.append(_finding(template, directive, rule, message))
    return found


def _problem(directive: Directive, known: Known, policy: SuppressionPolicy, stale: bool) -> str:
    if directive.error:
        return f"cannot be used: it {directive.error}"
    if not policy.allow_in_template:
        return f"is not applied: {policy.source} turns in-template suppressions off"
    canonical = known.ids.get(directive.rule_id)
    if canonical is None:
        return f"names `{directive.rule_id}`, which is not an iaclint rule"
    if not directive.reason and policy.require_reason:
        return f"is not applied: it gives no reason, and {policy.source} requires one"
    if stale and canonical in known.ran:
        return f"suppresses nothing: no {canonical} finding {_scope(directive)}"
    return ""


def _scope(directive: Directive) -> str:
    if directive.source == "comment":
        return f"on line {directive.target_line}"
    if directive.source == "resource-metadata":
        return f"in resource `{directive.logical_id}`"
    return "in this template"


def _finding(template: Template, directive: Directive, rule: Rule, message: str) -> Finding:
    path = directive.path
    logical_id = directive.logical_id
    if logical_id is not None:
        path = path[2:]
    return Finding(
        rule_id=rule.id,
        level=rule.level,
        message=message,
        file=template.source,
        start_line=directive.line,
        start_column=directive.column,
        end_line=directive.end_line,
        end_column=directive.end_column,
        logical_id=logical_id,
        property_path=format_property_path(path),
        # Comments have no path: the directive as written tells them apart.
        value_key=directive.shown,
    )
