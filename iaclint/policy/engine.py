"""Run rules over a template, scenario by scenario, and turn violations into findings."""

from __future__ import annotations

import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from iaclint.findings.finding import Finding, format_property_path
from iaclint.graph.build import build_graph, collect_references
from iaclint.load.document import Diagnostic, Path
from iaclint.model.template import Template
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.registry import get_check
from iaclint.policy.rule import Rule
from iaclint.resolve.resolver import Resolver
from iaclint.resolve.scenarios import DEFAULT_SCENARIO_CAP, Scenario, enumerate_scenarios


@dataclass(frozen=True, slots=True)
class AnalysisOptions:
    region: str = "us-east-1"
    parameters: dict[str, str] = field(default_factory=dict)
    scenario_cap: int = DEFAULT_SCENARIO_CAP


@dataclass(slots=True)
class _Hit:
    rule: Rule
    violation: Violation
    message: str
    scenarios: list[Scenario]


def _resource_active(template: Template, resolver: Resolver, condition: str | None) -> bool:
    # A resource whose condition cannot be decided may exist, so it is checked.
    return condition is None or resolver.condition(condition) is not False


def analyse(
    template: Template, rules: Iterable[Rule], options: AnalysisOptions
) -> tuple[list[Finding], list[Diagnostic]]:
    rules = list(rules)
    diagnostics: list[Diagnostic] = []
    scenario_set = enumerate_scenarios(template, options.parameters, options.scenario_cap)
    if scenario_set.capped:
        diagnostics.append(
            Diagnostic(
                template.source,
                1,
                1,
                f"conditions allow {scenario_set.total:,} parameter combinations; checked "
                f"{len(scenario_set.scenarios)} (the default and each single change)",
                "scenario-cap",
                "note",
            )
        )
    references = collect_references(template)
    graph_cache: list[Any] = []

    def graph() -> Any:
        if not graph_cache:
            graph_cache.append(build_graph(template, references))
        return graph_cache[0]

    hits: dict[tuple[str, Path, str], _Hit] = {}
    failed: set[str] = set()
    checks = {rule.id: get_check(rule.check["python"]) for rule in rules}
    for scenario in scenario_set.scenarios:
        resolver = Resolver(template, scenario, options.region, options.parameters)
        ctx = CheckContext(template, scenario, resolver, references, graph)
        for rule in rules:
            if rule.id in failed:
                continue
            try:
                violations = list(_run(rule, checks[rule.id], template, resolver, ctx))
            except Exception as exc:  # a broken rule must not stop the other rules or files
                failed.add(rule.id)
                where = traceback.extract_tb(exc.__traceback__)[-1]
                diagnostics.append(
                    Diagnostic(
                        template.source,
                        1,
                        1,
                        f"rule {rule.id} failed on this template: {type(exc).__name__}: {exc} "
                        f"({where.filename.rsplit('/', 1)[-1]}:{where.lineno})",
                        "analysis-error",
                    )
                )
                continue
            for violation in violations:
                message = rule.message.format_map(violation.args)
                key = (rule.id, violation.path, message)
                hit = hits.get(key)
                if hit is None:
                    hits[key] = _Hit(rule, violation, message, [scenario])
                elif hit.scenarios[-1] is not scenario:
                    hit.scenarios.append(scenario)
    findings = [_finding(template, hit, scenario_set.scenarios) for hit in hits.values()]
    findings.sort(key=lambda f: f.sort_key)
    return findings, diagnostics


def _run(
    rule: Rule, check: Any, template: Template, resolver: Resolver, ctx: CheckContext
) -> Iterable[Violation]:
    if rule.scope == "template":
        yield from check(ctx)
        return
    types = set(rule.resource_types)
    for resource in template.resources.values():
        if resource.type in types and _resource_active(template, resolver, resource.condition):
            for violation in check(resource, ctx):
                if violation.logical_id is None:
                    violation = Violation(
                        violation.path,
                        violation.args,
                        resource.logical_id,
                        violation.level,
                        violation.at_key,
                    )
                yield violation


def _finding(template: Template, hit: _Hit, all_scenarios: tuple[Scenario, ...]) -> Finding:
    violation = hit.violation
    spans = template.spans
    span = spans.key_span(violation.path) if violation.at_key else None
    if span is None:
        _, span = spans.nearest(violation.path)
    scenario = ""
    message = hit.message
    if len(hit.scenarios) < len(all_scenarios):
        scenario = " or ".join(s.describe() for s in hit.scenarios)
        message = f"{message} (when {scenario})"
    logical_id = violation.logical_id
    path = violation.path
    if logical_id is not None and path[:2] == ("Resources", logical_id):
        path = path[2:]
    return Finding(
        rule_id=hit.rule.id,
        level=violation.level or hit.rule.level,  # type: ignore[arg-type]
        message=message,
        file=template.source,
        start_line=span[0],
        start_column=span[1],
        end_line=span[2],
        end_column=span[3],
        logical_id=logical_id,
        property_path=format_property_path(path),
        scenario=scenario,
    )
