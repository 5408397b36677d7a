"""Run rules over a template, scenario by scenario, and turn violations into findings."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from iaclint.findings.finding import Finding, format_property_path
from iaclint.graph.build import build_index, collect_references
from iaclint.load.document import Diagnostic, Path
from iaclint.model.template import Resource, Template
from iaclint.policy.context import CheckContext, EarlierScenarios, Violation
from iaclint.policy.language import CompiledCheck, Evaluator, Focus, Hit, Tri, iter_hits
from iaclint.policy.rule import Rule
from iaclint.policy.ruleset import RuleSet
from iaclint.resolve.resolver import Resolver
from iaclint.resolve.scenarios import DEFAULT_SCENARIO_CAP, Scenario, enumerate_scenarios
from iaclint.resolve.values import ABSENT, Unknown


@dataclass(frozen=True, slots=True, eq=False)
class AnalysisOptions:
    """What a template is checked with: region, parameter values and the scenario cap."""

    region: str = "us-east-1"
    parameters: dict[str, str] = field(default_factory=dict)
    scenario_cap: int = DEFAULT_SCENARIO_CAP


@dataclass(slots=True, eq=False)
class _Hit:
    """A violation and the scenarios it occurs in, while they are being merged."""

    rule: Rule
    violation: Violation
    message: str
    scenarios: list[Scenario]


def analyse(
    template: Template, rules: Iterable[Rule], options: AnalysisOptions, *, reuse: bool = True
) -> tuple[list[Finding], list[Diagnostic]]:
    """Findings of `rules` on `template` in every condition scenario. With `reuse` (off only
    to show that it changes nothing), a rule's result on a resource is computed again in a
    scenario only if it read an enumerated parameter whose value differs."""
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
    index_cache: list[Any] = []

    def index() -> Any:
        # Built at most once per template, whatever the scenarios.
        if not index_cache:
            index_cache.append(build_index(template, references))
        return index_cache[0]

    hits: dict[tuple[str, Path, str], _Hit] = {}
    failed: set[str] = set()
    checks: dict[str, Any] = {}
    rule_set = RuleSet.of(rules)
    targets = rule_set.targets(template.resources.values())
    # A resource rule with nothing of its types in the template has nothing to check.
    selected = rule_set.applicable(targets)
    for rule in selected:
        if "python" not in rule.check:
            checks[rule.id] = rule_set.compiled(rule)
        else:
            check, problem = rule_set.check(rule)
            if problem is None:
                checks[rule.id] = check
                continue
            failed.add(rule.id)
            diagnostics.append(
                Diagnostic(
                    template.source, 1, 1,
                    f"rule {rule.id} names check `{rule.check['python']}`, which iaclint "
                    f"cannot load ({problem})",
                    "analysis-error",
                )
            )  # fmt: skip
    shared: dict[str, Any] = {}
    scenarios = scenario_set.scenarios
    earlier = EarlierScenarios() if reuse and len(scenarios) > 1 else None
    # What each scenario visits: a rule, its check and its units (its resources, or None).
    plan: list[tuple[Rule, Any, Sequence[Resource | None]]] = [
        (
            rule,
            checks.get(rule.id),
            (None,) if rule.scope == "template" else targets.get(rule.id, []),
        )
        for rule in selected
        if rule.id not in failed
    ]
    # Hits found by a unit that read no enumerated parameter: the same in every scenario the
    # rule completes, so later scenarios do not visit that unit again.
    everywhere: set[tuple[str, Path, str]] = set()
    completed: dict[str, int] = {}  # rule id -> scenarios it completed before it failed

    for position, scenario in enumerate(scenarios):
        if not plan:
            break  # every unit was settled in the first scenario
        resolver = Resolver(template, scenario, options.region, options.parameters)
        ctx = CheckContext(template, scenario, resolver, references, index, shared, earlier)
        settling = earlier is not None and position == 0
        unsettled: list[tuple[Rule, Any, Sequence[Resource | None]]] = []
        for rule, check, units in plan:
            if rule.id in failed:
                continue
            settled: set[int] | None = None  # ids of the violations of settled units
            try:
                if earlier is None:  # one scenario (or reuse off): nothing to trace
                    violations = [
                        violation
                        for unit in units
                        for violation in _run(rule, check, template, ctx, unit)
                    ]
                else:
                    violations = []
                    remaining: list[Resource | None] = []
                    for unit in units:
                        found, reads = _run_unit(rule, check, template, ctx, unit)
                        violations += found
                        if settling and not reads and _same_everywhere(template, found, unit):
                            if settled is None:
                                settled = set()
                            settled.update(map(id, found))
                        else:
                            remaining.append(unit)
                    if remaining:
                        unsettled.append((rule, check, remaining))
            except Exception as exc:  # a broken rule must not stop the other rules or files
                failed.add(rule.id)
                completed[rule.id] = position
                import traceback  # only on failure: its import costs start-up

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
                resource = template.resources.get(violation.logical_id or "")
                if resource is not None and not ctx.is_certain(resource):
                    # The resource exists only if a condition we cannot decide holds.
                    message += f" (if condition `{resource.condition}` holds)"
                key = (rule.id, violation.path, message)
                hit = hits.get(key)
                if hit is None:
                    hits[key] = _Hit(rule, violation, message, [scenario])
                elif hit.scenarios[-1] is not scenario:
                    hit.scenarios.append(scenario)
                if settled is not None and id(violation) in settled:
                    everywhere.add(key)
        if settling:
            plan = unsettled
    for key in everywhere:
        hit = hits[key]
        hit.scenarios = list(scenarios[: completed.get(hit.rule.id, len(scenarios))])
    findings = [_finding(template, hit, scenario_set.scenarios) for hit in hits.values()]
    findings.sort(key=lambda f: f.sort_key)
    return findings, diagnostics


def _run_unit(
    rule: Rule, check: Any, template: Template, ctx: CheckContext, resource: Resource | None
) -> tuple[list[Violation], frozenset[str]]:
    """The rule's violations on one resource (or the template, for None), and the enumerated
    parameters they depend on."""
    key = ("rule", rule.id, resource.logical_id if resource is not None else None)
    found: tuple[list[Violation], frozenset[str]] = ctx.reuse_traced(
        key, lambda: list(_run(rule, check, template, ctx, resource))
    )
    return found


def _same_everywhere(
    template: Template, violations: list[Violation], unit: Resource | None
) -> bool:
    """Whether violations that read no enumerated parameter also read the same in every
    scenario: a message says "if condition ... holds" by the condition of the resource it
    names, which the unit read (through `is_active`) only for its own resource."""
    for violation in violations:
        resource = template.resources.get(violation.logical_id or "")
        if resource is not None and resource.condition is not None and resource is not unit:
            return False
    return True


def _run(
    rule: Rule, check: Any, template: Template, ctx: CheckContext, resource: Resource | None
) -> Iterable[Violation]:
    """The rule's violations on one resource (or the template, for None); `check` is the
    rule's Python check function or its compiled declarative check."""
    declarative = type(check) is CompiledCheck
    if resource is None:
        if not declarative:
            yield from check(ctx)
            return
        focus = Focus(template.data, ())
        for hit in iter_hits(check.match(Evaluator(ctx), focus)):
            yield Violation(hit.path, _message_args(None, hit), at_key=bool(hit.path))
        return
    if not ctx.is_active(resource):
        return
    if not declarative:
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
        return
    evaluator = Evaluator(ctx)
    focus = ctx.resolved_focus(resource)
    # An exemption that might apply (TRUE or UNKNOWN) means no finding.
    if check.unless is not None and check.unless(evaluator, focus).truth is not Tri.FALSE:
        return
    for hit in iter_hits(check.match(evaluator, focus)):
        yield Violation(
            hit.path, _message_args(resource, hit), resource.logical_id, at_key=hit.at_key
        )


def _message_args(resource: Resource | None, hit: Hit) -> dict[str, Any]:
    path = hit.path
    if resource is not None and path[: len(resource.path)] == resource.path:
        path = path[len(resource.path) :]
    return {
        "resource": resource.logical_id if resource else "",
        "type": resource.type if resource else "",
        "value": show_value(hit.value),
        "property": format_property_path(path),
    }


def show_value(value: Any) -> str:
    """A short, readable form of a value for messages."""
    if value is ABSENT:
        return "not set"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Unknown):
        return "unknown"
    if isinstance(value, dict | list):
        # sorted keys: a message must not depend on the order of keys in the template
        text = json.dumps(value, default=str, separators=(",", ":"), sort_keys=True)
        return text if len(text) <= 60 else text[:57] + "..."
    return str(value)


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
