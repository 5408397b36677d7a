"""Members of replicated data stores (HA012): an Aurora cluster and the DB instances the
template puts in it, counted through the graph. A member that cannot be seen (an instance
whose cluster identifier is unknown, a nested stack handed the cluster) means no finding."""

from __future__ import annotations

from collections.abc import Iterator

from iaclint.checks.availability import get, type_path
from iaclint.model.template import Resource
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import contains_unknown, same_value
from iaclint.resolve.values import ABSENT, Unknown

DB_INSTANCE = "AWS::RDS::DBInstance"
# Resources that may create instances for the cluster elsewhere (another stack).
_HANDOFF = ("AWS::CloudFormation::Stack", "AWS::Serverless::Application")


def _cluster_members(ctx: CheckContext, cluster: Resource) -> list[Resource] | None:
    """The active DB instances that join the cluster, or None when an instance whose
    `DBClusterIdentifier` cannot be resolved might join it too."""
    members = [
        r
        for r in ctx.query.referrers(cluster.logical_id, (DB_INSTANCE,), "DBClusterIdentifier")
        if ctx.is_active(r)
    ]
    name, _ = get(ctx, cluster, "Properties.DBClusterIdentifier")
    for other in ctx.template.resources.values():
        if other.type != DB_INSTANCE or other in members or not ctx.is_active(other):
            continue
        value, _ = get(ctx, other, "Properties.DBClusterIdentifier")
        if value is ABSENT:
            continue
        if isinstance(value, Unknown):
            if not any(ref in ctx.template.resources for ref in value.refs):
                return None  # a parameter or an import: it might name this cluster
            continue
        if contains_unknown(value) or contains_unknown(name):
            return None
        if isinstance(value, str) and isinstance(name, str) and value.lower() == name.lower():
            members.append(other)  # joined by the literal cluster identifier
    return members


def aurora_cluster_single_instance(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    engine, _ = get(ctx, resource, "Properties.Engine")
    if not isinstance(engine, str) or not engine.lower().startswith("aurora"):
        return
    mode, _ = get(ctx, resource, "Properties.EngineMode")
    if mode is not ABSENT and (contains_unknown(mode) or same_value(mode, "serverless")):
        return  # Aurora Serverless v1 has no DB instances
    if ctx.query.referrers(resource.logical_id, _HANDOFF, None):
        return
    members = _cluster_members(ctx, resource)
    if members is None:
        return
    if len(members) < 2:
        problem = (
            "has no DB instance in the template, so it has no replica to fail over to"
            if not members
            else f"has a single DB instance (`{members[0].logical_id}`), so a failover must "
            "first create a new one"
        )
        yield Violation(type_path(resource), {"resource": resource.logical_id, "problem": problem})
        return
    zones = [get(ctx, m, "Properties.AvailabilityZone")[0] for m in members]
    if all(isinstance(z, str) and z for z in zones) and len(set(zones)) == 1:
        problem = (
            f"has all {len(members)} DB instances in Availability Zone `{zones[0]}`, so "
            "losing that zone stops the database"
        )
        yield Violation(type_path(resource), {"resource": resource.logical_id, "problem": problem})
