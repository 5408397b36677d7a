"""The run's rule set: its indexes pick the same rules and resources as looking through every
rule, and what it loads or derives once is reused."""

from __future__ import annotations

import pickle
from typing import Any

from conftest import ROOT

from iaclint.load.reader import load_path, load_text
from iaclint.model.build import build_template
from iaclint.policy.engine import AnalysisOptions, analyse
from iaclint.policy.loader import builtin_rules_dir, load_rule_files
from iaclint.policy.rule import Rule
from iaclint.policy.ruleset import RuleSet

RULES = load_rule_files([builtin_rules_dir()])

TEMPLATE = """
Resources:
  Topic: {Type: AWS::SNS::Topic}
  Queue: {Type: AWS::SQS::Queue}
  Bucket: {Type: AWS::S3::Bucket}
  Other: {Type: AWS::SQS::Queue}
"""


def _rule(rule_id: str, scope: str, types: tuple[str, ...] = (), **check: Any) -> Rule:
    return Rule(
        id=rule_id,
        name=rule_id.lower(),
        title=rule_id,
        level="warning",
        category="other",
        scope=scope,
        check=check or {"match": {"path": "Properties.X", "exists": True}},
        message="{resource}",
        status="stable",
        since="0.1.0",
        source_file=f"{rule_id}.yaml",
        resource_types=types,
    )


def _template(text: str = TEMPLATE, path: str = "t.yaml"):
    return build_template(load_text(text, path))


def test_targets_are_in_template_order_and_only_rules_with_some():
    queues = _rule("Q1", "resource", ("AWS::SQS::Queue",))
    both = _rule("Q2", "resource", ("AWS::SQS::Queue", "AWS::SNS::Topic"))  # type order differs
    tables = _rule("Q3", "resource", ("AWS::DynamoDB::Table",))
    whole = _rule("T1", "template")
    rules = RuleSet([whole, queues, both, tables])
    targets = rules.targets(_template().resources.values())
    assert {rule_id: [r.logical_id for r in found] for rule_id, found in targets.items()} == {
        "Q1": ["Queue", "Other"],
        "Q2": ["Topic", "Queue", "Other"],
    }
    assert [rule.id for rule in rules.applicable(targets)] == ["T1", "Q1", "Q2"]


def test_same_findings_from_a_rule_set_as_from_a_list():
    doc = load_path(str(ROOT / "fixtures" / "examples" / "web-stack.yaml"))
    template = build_template(doc)
    from_list = analyse(template, list(RULES), AnalysisOptions())
    from_set = analyse(template, RuleSet(RULES), AnalysisOptions())
    assert from_list == from_set
    assert from_list[0]  # the fixture has findings: the comparison means something


def test_a_check_that_cannot_be_loaded_is_reported_for_every_template(monkeypatch):
    broken = _rule("B1", "template", python="no_such_check")
    rules = RuleSet([broken])
    calls = []
    import iaclint.policy.ruleset as ruleset_module

    real = ruleset_module.get_check

    def counting(name: str) -> Any:
        calls.append(name)
        return real(name)

    monkeypatch.setattr(ruleset_module, "get_check", counting)
    for path in ("a.yaml", "b.yaml"):
        findings, diagnostics = analyse(_template(path=path), rules, AnalysisOptions())
        assert findings == []
        assert [(d.path, d.code) for d in diagnostics] == [(path, "analysis-error")]
        assert "names check `no_such_check`, which iaclint cannot load (KeyError" in (
            diagnostics[0].message
        )
    assert calls == ["no_such_check"]  # looked up once for the run


def test_derived_values_are_computed_once():
    rules = RuleSet(RULES)
    seen = []

    def count(rule_set: RuleSet) -> int:
        seen.append(rule_set)
        return len(rule_set)

    assert rules.derived("count", count) == rules.derived("count", count) == len(RULES)
    assert seen == [rules]


def test_pickled_rule_set_has_the_rules_and_fresh_caches():
    rules = RuleSet(RULES)
    rules.derived("anything", lambda rule_set: object())
    copy = pickle.loads(pickle.dumps(rules))
    assert list(copy) == list(RULES)
    assert copy.by_id.keys() == rules.by_id.keys()
    assert copy.derived("anything", lambda rule_set: "fresh") == "fresh"


def test_sam_views_group_the_rules_once():
    from iaclint.sam import analyse_sam

    source = ROOT / "fixtures" / "rules"
    sam = next(p for p in sorted(source.rglob("*.yaml")) if "AWS::Serverless" in p.read_text())
    template = build_template(load_path(str(sam)))
    rules = RuleSet(RULES)
    first = analyse_sam(template, rules, AnalysisOptions())
    groups = rules.derived("sam-views", lambda rule_set: None)  # already there: not recomputed
    assert groups is not None
    assert analyse_sam(template, rules, AnalysisOptions()) == first
    assert analyse_sam(template, list(RULES), AnalysisOptions()) == first
