"""Scaling for availability: Auto Scaling groups without a scaling policy and DynamoDB
tables in provisioned mode without auto scaling, unless the resource is handed to another
stack that may scale it. Every function answers "no finding" when a value or a relation it
needs is unknown."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from iaclint.checks.availability import get, show, type_path
from iaclint.checks.common import active_resources, as_integer, points_here
from iaclint.model.template import Resource
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import contains_unknown, same_value
from iaclint.resolve.values import ABSENT, Unknown

# Resources that hand a value to another stack, which may do what this one does not.
_HANDOFF = ("AWS::CloudFormation::Stack", "AWS::Serverless::Application")


def _names(ctx: CheckContext, value: Any, target: Resource, name_prop: str) -> bool | None:
    """Does a resolved reference (a Ref, GetAtt, or a literal name) name `target`? None when
    it cannot be told: an unknown not built from a template resource, or a literal compared
    with a name the template does not know."""
    if isinstance(value, Unknown):
        return points_here(value, target, ctx)
    if not isinstance(value, str):
        return False
    name = get(ctx, target, f"Properties.{name_prop}")[0]
    if name is ABSENT:
        return False  # CloudFormation generates the name
    return same_value(value, name) if isinstance(name, str) else None


def _handed_off(ctx: CheckContext, resource: Resource) -> bool:
    return any(ctx.is_active(r) for r in ctx.query.referrers(resource.logical_id, _HANDOFF))


def _named_by_any(
    ctx: CheckContext, target: Resource, types: tuple[str, ...], prop: str, name_prop: str
) -> bool:
    """Is some active resource of `types` pointing at `target` through `prop`, or might one
    whose `prop` cannot be resolved? (What `_names` answers for each of them.)"""
    named = ctx.memo(
        f"availability:named:{'|'.join(types)}:{prop}", lambda: _names_given(ctx, types, prop)
    )
    if named.untraced or target.logical_id in named.refs:
        return True
    if not named.literals:
        return False
    name = get(ctx, target, f"Properties.{name_prop}")[0]
    # A generated name is none of them; one the template cannot show might be any.
    return name is not ABSENT and (not isinstance(name, str) or name in named.literals)


@dataclass(frozen=True, slots=True, eq=False)
class _Named:
    """What the resources of some types name through a property: template resources (by
    `Ref`/`GetAtt`), literal names, and whether a value might name any resource."""

    refs: frozenset[str]
    literals: frozenset[str]
    untraced: bool


def _names_given(ctx: CheckContext, types: tuple[str, ...], prop: str) -> _Named:
    """Once per scenario: every target of the types' rule asks the same question."""
    refs: set[str] = set()
    literals: set[str] = set()
    untraced = False
    for other in active_resources(ctx, types):
        value = get(ctx, other, f"Properties.{prop}")[0]
        if isinstance(value, Unknown):
            if any(ref in ctx.template.resources for ref in value.refs):
                refs.update(value.refs)
            else:
                untraced = True
        elif isinstance(value, str):
            literals.add(value)
    return _Named(frozenset(refs), frozenset(literals), untraced)


# -- HA022 ---------------------------------------------------------------------------
_SCALERS = ("AWS::AutoScaling::ScalingPolicy", "AWS::AutoScaling::ScheduledAction")


def auto_scaling_group_without_policy(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    low = as_integer(get(ctx, resource, "Properties.MinSize")[0])
    high = as_integer(get(ctx, resource, "Properties.MaxSize")[0])
    if low is None or high is None or low >= high:
        return  # a fixed-size group is meant not to scale
    if _handed_off(ctx, resource) or _scaled_elsewhere(ctx, resource):
        return
    if _named_by_any(ctx, resource, _SCALERS, "AutoScalingGroupName", "AutoScalingGroupName"):
        return  # a policy or scheduled action names it, or one we cannot resolve might
    yield Violation(
        type_path(resource),
        {"resource": resource.logical_id, "low": low, "high": high},
        at_key=True,
    )


def _scaled_elsewhere(ctx: CheckContext, group: Resource) -> bool:
    """ECS capacity providers and the Kubernetes Cluster Autoscaler size a group themselves."""
    providers = ctx.query.referrers(group.logical_id, "AWS::ECS::CapacityProvider")
    if any(ctx.is_active(p) for p in providers):
        return True
    tags = get(ctx, group, "Properties.Tags")[0]
    return any(
        isinstance(t, dict)
        and isinstance(t.get("Key"), str)
        and t["Key"].startswith("k8s.io/cluster-autoscaler/")
        for t in (tags if isinstance(tags, list) else ())
    )


# -- HA026 ---------------------------------------------------------------------------
def _scalable_target_for(ctx: CheckContext, target: Resource, table: Resource) -> bool | None:
    namespace = get(ctx, target, "Properties.ServiceNamespace")[0]
    if contains_unknown(namespace):
        return None
    if not same_value(namespace, "dynamodb"):
        return False
    resource_id = get(ctx, target, "Properties.ResourceId")[0]
    if isinstance(resource_id, str):
        parts = resource_id.split("/")
        if len(parts) < 2 or parts[0] != "table":
            return False
        return _names(ctx, parts[1], table, "TableName")
    return points_here(resource_id, table, ctx) if isinstance(resource_id, Unknown) else False


def dynamodb_table_without_auto_scaling(
    resource: Resource, ctx: CheckContext
) -> Iterator[Violation]:
    mode = get(ctx, resource, "Properties.BillingMode")[0]
    throughput, path = get(ctx, resource, "Properties.ProvisionedThroughput")
    if (mode is not ABSENT and not same_value(mode, "PROVISIONED")) or throughput is ABSENT:
        return
    if _handed_off(ctx, resource):
        return
    maybe = False
    for target in active_resources(ctx, ("AWS::ApplicationAutoScaling::ScalableTarget",)):
        covered = _scalable_target_for(ctx, target, resource)
        if covered:
            return
        maybe = maybe or covered is None
    if maybe:
        return
    capacity = throughput if isinstance(throughput, dict) else {}
    units = [capacity.get(k) for k in ("ReadCapacityUnits", "WriteCapacityUnits")]
    shown = "/".join("?" if u is None or contains_unknown(u) else show(u) for u in units)
    yield Violation(path, {"resource": resource.logical_id, "value": shown}, at_key=True)
