"""Work grows linearly with a template's resources: no rule looks at every resource again for
each resource. Counted in resolved-resource lookups, not timed (timings live in benchmarks/)."""

from __future__ import annotations

import importlib.util

import pytest
from conftest import ROOT

from iaclint.load.reader import load_text
from iaclint.model.build import build_template
from iaclint.policy.context import CheckContext
from iaclint.policy.engine import AnalysisOptions, analyse
from iaclint.policy.loader import builtin_rules_dir, load_rule_files
from iaclint.policy.ruleset import RuleSet

RULES = RuleSet(load_rule_files([builtin_rules_dir()]))


def _template(copies: int) -> str:
    """benchmarks/scale.py's template of resources that refer to one another."""
    spec = importlib.util.spec_from_file_location("scale", ROOT / "benchmarks" / "scale.py")
    assert spec is not None and spec.loader is not None
    scale = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scale)
    return scale.related_resources(copies)  # type: ignore[no-any-return]


def _lookups(count: int, monkeypatch: pytest.MonkeyPatch) -> int:
    calls = 0
    real = CheckContext.resolved_focus

    def counting(self: CheckContext, resource):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        return real(self, resource)

    monkeypatch.setattr(CheckContext, "resolved_focus", counting)
    template = build_template(load_text(_template(count), "t.yaml"))
    analyse(template, RULES, AnalysisOptions())
    monkeypatch.setattr(CheckContext, "resolved_focus", real)
    return calls


def test_resolved_lookups_grow_linearly_with_resources(monkeypatch):
    small, large = _lookups(10, monkeypatch), _lookups(40, monkeypatch)
    # Four times the resources: about four times the lookups (quadratic would be sixteen).
    assert large <= 4.5 * small, (small, large)
