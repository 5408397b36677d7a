"""Health checks that failover depends on: Route 53 failover records without a health check,
and target group health checks that only test the port. Every function answers "no finding"
when a value or a relation it needs is unknown."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from iaclint.checks.availability import get, is_true, present, type_path
from iaclint.model.template import Resource
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import Focus, contains_unknown, lookup, same_value
from iaclint.resolve.values import ABSENT, Unknown, child_source


# -- HA025 ---------------------------------------------------------------------------
def _routing(record: dict[str, Any]) -> tuple[str, str] | None:
    """(policy, key) of a record whose routing relies on health, else None."""
    if same_value(record.get("Failover"), "PRIMARY", ignore_case=True):
        return "failover (`PRIMARY`)", "Failover"
    if record.get("SetIdentifier") is None:
        return None
    for key, policy in (
        ("Weight", "weighted"), ("Region", "latency"), ("GeoLocation", "geolocation"),
    ):  # fmt: skip
        if key in record:
            return policy, key
    if is_true(record.get("MultiValueAnswer", ABSENT)):
        return "multivalue answer", "MultiValueAnswer"
    return None


def record_without_health_check(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    focus = ctx.resolved_focus(resource)
    if resource.type == "AWS::Route53::RecordSet":
        records = [lookup(focus, "Properties")]
    else:
        items, path = lookup(focus, "Properties.RecordSets")
        if not isinstance(items, list):
            return
        records = [(item, child_source(items, path, i)) for i, item in enumerate(items)]
    for record, path in records:
        if not isinstance(record, dict) or present(record.get("HealthCheckId", ABSENT)):
            continue
        routing = _routing(record)
        alias = record.get("AliasTarget")
        evaluate = alias.get("EvaluateTargetHealth", ABSENT) if isinstance(alias, dict) else ABSENT
        if routing is None or is_true(evaluate) is not False or isinstance(alias, Unknown):
            continue
        policy, key = routing
        name = record.get("Name")
        yield Violation(
            lookup(Focus(record, path), key)[1],
            {
                "resource": resource.logical_id,
                "record": f" `{name}`" if isinstance(name, str) else "",
                "policy": policy,
            },
        )


# -- HA024 ---------------------------------------------------------------------------
_LISTENERS = ("AWS::ElasticLoadBalancingV2::Listener", "AWS::ElasticLoadBalancingV2::ListenerRule")


def _has_targets(ctx: CheckContext, group: Resource) -> bool:
    """Targets listed, or something beyond a listener (an Auto Scaling group, an ECS service,
    an output for another stack) that may register them."""
    if present(get(ctx, group, "Properties.Targets")[0]):
        return True
    referrers = ctx.index.predecessors.get(("Resources", group.logical_id), {})
    for section, name in referrers:
        user = ctx.template.resources.get(name) if section == "Resources" else None
        if user is None or (user.type not in _LISTENERS and ctx.is_active(user)):
            return True
    return False


def target_group_health_check_shallow(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    enabled, enabled_path = get(ctx, resource, "Properties.HealthCheckEnabled")
    target_type = get(ctx, resource, "Properties.TargetType")[0]
    args = {"resource": resource.logical_id}
    if is_true(enabled) is False and enabled is not ABSENT:
        # Lambda targets have health checks off by default, and each check is an invocation.
        if not same_value(target_type, "lambda") and not contains_unknown(target_type):
            yield Violation(
                enabled_path, {**args, "problem": "is disabled (`HealthCheckEnabled: false`)"}
            )
        return
    protocol = get(ctx, resource, "Properties.Protocol")[0]
    if not any(same_value(protocol, p) for p in ("HTTP", "HTTPS")):
        return  # NLB and GWLB targets may not speak HTTP at all
    if not _has_targets(ctx, resource):
        return  # a placeholder for a listener's default action: no target is ever checked
    version = get(ctx, resource, "Properties.ProtocolVersion")[0]
    check_protocol = get(ctx, resource, "Properties.HealthCheckProtocol")[0]
    if contains_unknown(version) or contains_unknown(check_protocol):
        return
    if same_value(version, "GRPC") or same_value(check_protocol, "TCP"):
        return  # gRPC checks /AWS.ALB/healthcheck by default; a TCP check reads no path
    path, where = get(ctx, resource, "Properties.HealthCheckPath")
    if path is ABSENT:
        problem = "requests the default path `/` (`HealthCheckPath` is not set)"
        yield Violation(type_path(resource), {**args, "problem": problem}, at_key=True)
    elif isinstance(path, str) and path.strip() == "/":
        yield Violation(where, {**args, "problem": "requests the site root (`HealthCheckPath: /`)"})
