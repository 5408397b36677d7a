"""Work grows linearly with a template's resources: no rule looks at every resource again for
each resource. Counted in resolved-resource lookups, not timed (timings live in benchmarks/)."""

from __future__ import annotations

import pytest

from iaclint.load.reader import load_text
from iaclint.model.build import build_template
from iaclint.policy.context import CheckContext
from iaclint.policy.engine import AnalysisOptions, analyse
from iaclint.policy.loader import builtin_rules_dir, load_rule_files
from iaclint.policy.ruleset import RuleSet

RULES = RuleSet(load_rule_files([builtin_rules_dir()]))


def _template(count: int) -> str:
    """Queues whose dead-letter target and buckets whose log bucket come from another stack:
    unknowns that might name any queue or bucket of the template (HA009, the S3 rules that
    look for a resource logging into a bucket)."""
    body = "".join(
        f"  Queue{i}:\n    Type: AWS::SQS::Queue\n    Properties:\n      RedrivePolicy:\n"
        f"        deadLetterTargetArn: !ImportValue shared-dlq\n        maxReceiveCount: 5\n"
        f"  Bucket{i}:\n    Type: AWS::S3::Bucket\n    Properties:\n"
        f"      LoggingConfiguration:\n        DestinationBucketName: !ImportValue logs\n"
        for i in range(count)
    )
    return "Resources:\n" + body


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
    small, large = _lookups(50, monkeypatch), _lookups(200, monkeypatch)
    # Four times the resources: about four times the lookups (quadratic would be sixteen).
    assert large <= 4.5 * small, (small, large)
