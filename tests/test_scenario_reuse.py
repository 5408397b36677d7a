"""Reusing results across condition scenarios changes no finding, and does reuse."""

from __future__ import annotations

import pytest
from conftest import CORPUS, ROOT
from hypothesis import HealthCheck, given, settings
from test_properties import templates

from iaclint.load.document import Document, LoadError
from iaclint.load.reader import load_path, load_text
from iaclint.model.build import NotATemplate, build_template
from iaclint.policy.context import CheckContext, EarlierScenarios
from iaclint.policy.engine import AnalysisOptions, analyse
from iaclint.policy.loader import builtin_rules_dir, load_rule_files
from iaclint.resolve.resolver import Resolver
from iaclint.resolve.scenarios import enumerate_scenarios

RULES = load_rule_files([builtin_rules_dir()])
OPTIONS = AnalysisOptions()

TEMPLATE = """
Parameters:
  Env: {Type: String, AllowedValues: [prod, dev]}
  Size: {Type: String, AllowedValues: [small, big]}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsBig: !Equals [!Ref Size, big]  # so that Size is enumerated too
Resources:
  Plain: {Type: AWS::SQS::Queue}
  Sized:
    Type: AWS::SQS::Queue
    Properties: {QueueName: !Ref Size}
  ProdOnly:
    Type: AWS::SQS::Queue
    Condition: IsProd
"""


def _template(doc: Document):
    try:
        return build_template(doc)
    except NotATemplate:
        return None


def _both_ways(template) -> None:
    assert analyse(template, RULES, OPTIONS) == analyse(template, RULES, OPTIONS, reuse=False)


def _multi_scenario(paths):
    for path in paths:
        try:
            template = _template(load_path(str(path)))
        except LoadError:
            continue
        if (
            template is not None
            and not template.is_sam
            and len(enumerate_scenarios(template).scenarios) > 1
        ):
            yield path, template


FIXTURES = sorted(
    p for p in (ROOT / "fixtures").rglob("*") if p.suffix in (".yaml", ".yml", ".json")
)


def test_fixtures_with_several_scenarios_give_the_same_findings():
    checked = 0
    for _, template in _multi_scenario(FIXTURES):
        _both_ways(template)
        checked += 1
    assert checked >= 50  # every rule's condition fixture, among others


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")
def test_corpus_templates_with_several_scenarios_give_the_same_findings():
    files = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".yaml", ".yml", ".json"))
    checked = 0
    for _, template in _multi_scenario(files):
        _both_ways(template)
        checked += 1
    assert checked >= 10


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=templates())
def test_random_templates_give_the_same_findings(data):
    import json

    template = _template(load_text(json.dumps(data), "t.json"))
    if template is not None:
        _both_ways(template)


def test_a_value_is_computed_again_only_when_a_parameter_it_read_differs():
    template = build_template(load_text(TEMPLATE, "t.yaml"))
    scenarios = enumerate_scenarios(template).scenarios
    assert len(scenarios) == 4
    earlier = EarlierScenarios()
    computed: dict[str, int] = {"Plain": 0, "Sized": 0, "ProdOnly": 0}

    for scenario in scenarios:
        resolver = Resolver(template, scenario)
        ctx = CheckContext(template, scenario, resolver, [], lambda: None, {}, earlier)
        for logical_id in computed:
            resource = template.resources[logical_id]

            def compute(resource=resource, ctx=ctx):
                computed[resource.logical_id] += 1
                return ctx.is_active(resource), ctx.resolved_properties(resource)

            ctx.reuse(("test", logical_id), compute)
    # Plain reads nothing, Sized reads Size (2 values), ProdOnly reads Env through IsProd
    assert computed == {"Plain": 1, "Sized": 2, "ProdOnly": 2}


def test_reads_behind_a_cached_value_count_for_its_later_users():
    template = build_template(load_text(TEMPLATE, "t.yaml"))
    scenarios = enumerate_scenarios(template).scenarios
    earlier = EarlierScenarios()
    runs = 0
    for scenario in scenarios:
        resolver = Resolver(template, scenario)
        ctx = CheckContext(template, scenario, resolver, [], lambda: None, {}, earlier)
        ctx.resolved_properties(template.resources["Sized"])  # cached, reading Size

        def user(ctx: CheckContext = ctx) -> object:
            nonlocal runs
            runs += 1
            return ctx.resolved_properties(template.resources["Sized"])  # a cache hit

        ctx.reuse("user", user)
    assert runs == 2  # once per value of Size, although its own read was a cache hit


def _rule_with_check(monkeypatch, check) -> object:
    """A resource rule on SQS queues whose Python check is `check`."""
    import dataclasses
    import sys
    import types

    from iaclint.policy import registry

    module = types.ModuleType("tests_scenario_check")
    module.check = check
    monkeypatch.setitem(sys.modules, "tests_scenario_check", module)
    monkeypatch.setitem(registry.CHECKS, "scenario_check", "tests_scenario_check:check")
    base = next(r for r in RULES if r.scope == "resource" and "python" in r.check)
    return dataclasses.replace(
        base,
        id="TST001",
        resource_types=("AWS::SQS::Queue",),
        check={"python": "scenario_check"},
        message="`{resource}` checked",
    )


def test_a_unit_that_reads_no_parameter_is_visited_once(monkeypatch):
    from iaclint.policy.context import Violation

    visits: dict[str, int] = {}

    def check(resource, ctx):
        visits[resource.logical_id] = visits.get(resource.logical_id, 0) + 1
        if resource.logical_id == "Sized":
            ctx.resolved_properties(resource)  # reads Size
        yield Violation(resource.path, {"resource": resource.logical_id})

    rule = _rule_with_check(monkeypatch, check)
    template = build_template(load_text(TEMPLATE, "t.yaml"))
    findings, _ = analyse(template, [rule], OPTIONS)
    # Plain: settled in the first of the four scenarios; Sized: once per value of Size;
    # ProdOnly: its condition reads Env, and it exists only with Env=prod
    assert visits == {"Plain": 1, "Sized": 2, "ProdOnly": 1}
    messages = sorted(f.message for f in findings)
    assert messages == [
        "`Plain` checked",
        "`ProdOnly` checked (when Env=prod, Size=small or Env=prod, Size=big)",
        "`Sized` checked",
    ]
    visits.clear()
    assert (findings, []) == analyse(template, [rule], OPTIONS, reuse=False)


def test_a_settled_finding_holds_only_in_the_scenarios_before_its_rule_failed(monkeypatch):
    from iaclint.policy.context import Violation

    def check(resource, ctx):
        if (
            resource.logical_id == "Sized"
            and ctx.resolved_properties(resource)["QueueName"] == "big"
        ):
            raise ValueError("boom")
        yield Violation(resource.path, {"resource": resource.logical_id})

    rule = _rule_with_check(monkeypatch, check)
    template = build_template(load_text(TEMPLATE, "t.yaml"))
    findings, diagnostics = analyse(template, [rule], OPTIONS)
    assert (findings, diagnostics) == analyse(template, [rule], OPTIONS, reuse=False)
    # The scenarios run in the order of AllowedValues: (prod, small), then (prod, big), where
    # the rule fails; Plain's finding, settled in the first, holds in that one only.
    assert [d.code for d in diagnostics] == ["analysis-error"]
    assert sorted(f.message for f in findings) == [
        "`Plain` checked (when Env=prod, Size=small)",
        "`ProdOnly` checked (when Env=prod, Size=small)",
        "`Sized` checked (when Env=prod, Size=small)",
    ]
