"""Members of replicated data stores: an Aurora cluster and the DB instances the template
puts in it, counted through the graph (HA012), and an OpenSearch domain's data and master
nodes across Availability Zones (HA018). A member that cannot be seen (an instance whose
cluster identifier is unknown, a nested stack handed the cluster) or a count that cannot
be resolved means no finding."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from iaclint.checks.availability import get, type_path
from iaclint.checks.common import as_integer, as_text, present_parent
from iaclint.load.document import Path
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


# -- HA018: OpenSearch domains across zones ---------------------------------------------
# Where each domain type keeps its cluster settings.
_SEARCH_CLUSTER = {
    "AWS::OpenSearchService::Domain": "ClusterConfig",
    "AWS::Elasticsearch::Domain": "ElasticsearchClusterConfig",
}


def _switched_off(
    ctx: CheckContext, resource: Resource, config: str, flag: str
) -> tuple[str, Path, bool]:
    """How a cluster flag that is not on reads in a message, and where to point: at the
    flag when it is written, else at its nearest written parent (a key: `at_key`)."""
    value, path = get(ctx, resource, f"Properties.{config}.{flag}")
    if value is ABSENT:
        return "not set", present_parent(ctx, resource, f"{config}.{flag}"), True
    return f"`{as_text(value)}`", path, False


def _known_count(value: Any, default: int) -> int | None:
    """A node or zone count: the default when it is not set, None when it is unknown."""
    return default if value is ABSENT else as_integer(value)


def opensearch_domain_not_zone_aware(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """A domain without zone awareness (a note for a single-node domain, which cannot have
    it); a zone-aware one whose data nodes do not divide evenly among its zones, or without
    three dedicated master nodes."""
    config = _SEARCH_CLUSTER[resource.type]
    args = {"resource": resource.logical_id}
    enabled, enabled_path = get(ctx, resource, f"Properties.{config}.ZoneAwarenessEnabled")
    count, count_path = get(ctx, resource, f"Properties.{config}.InstanceCount")
    nodes = _known_count(count, 1)  # one data node when InstanceCount is left out
    if contains_unknown(enabled):
        return
    if not same_value(enabled, True):
        shown, where, at_key = _switched_off(ctx, resource, config, "ZoneAwarenessEnabled")
        if nodes == 1:
            node_count = "not set" if count is ABSENT else "`1`"
            detail = (
                f"has a single data node (`InstanceCount` is {node_count}), so it cannot be "
                "zone-aware: when that node or its Availability Zone fails, the domain is "
                "down and its data not yet snapshotted is lost"
            )
            yield Violation(where, {**args, "detail": detail}, level="note", at_key=at_key)
            return
        detail = (
            f"does not enable zone awareness (`ZoneAwarenessEnabled` is {shown}), so all its "
            "nodes, and the only copies of its shards, sit in one Availability Zone"
        )
        yield Violation(where, {**args, "detail": detail}, at_key=at_key)
        return
    zones_value, _ = get(
        ctx, resource, f"Properties.{config}.ZoneAwarenessConfig.AvailabilityZoneCount"
    )
    zones = _known_count(zones_value, 2)
    if nodes is not None and zones and nodes % zones:
        detail = (
            f"spreads {nodes} data node{'s' if nodes != 1 else ''} over {zones} Availability "
            f"Zones (`InstanceCount` is not a multiple of {zones}), so one zone holds more nodes "
            "and shards than the others, and losing it takes more than its share of capacity"
        )
        where = count_path if count is not ABSENT else enabled_path
        yield Violation(where, {**args, "detail": detail})
    yield from _dedicated_masters(ctx, resource, config)


def _dedicated_masters(ctx: CheckContext, resource: Resource, config: str) -> Iterator[Violation]:
    """A zone-aware domain signals production use, where AWS recommends three dedicated
    master nodes: with none, data nodes also manage the cluster; with one or two, losing one
    leaves no quorum to elect a master."""
    args = {"resource": resource.logical_id}
    enabled, _ = get(ctx, resource, f"Properties.{config}.DedicatedMasterEnabled")
    if contains_unknown(enabled):
        return
    if not same_value(enabled, True):
        shown, where, at_key = _switched_off(ctx, resource, config, "DedicatedMasterEnabled")
        detail = (
            f"is zone-aware but has no dedicated master nodes (`DedicatedMasterEnabled` is "
            f"{shown}), so its data nodes also manage the cluster and a busy or failed data "
            "node can stall it; three dedicated master nodes are recommended for production"
        )
        yield Violation(where, {**args, "detail": detail}, level="note", at_key=at_key)
        return
    count, count_path = get(ctx, resource, f"Properties.{config}.DedicatedMasterCount")
    masters = as_integer(count) if count is not ABSENT else None
    if masters is not None and masters < 3:
        detail = (
            f"has {masters} dedicated master node{'s' if masters != 1 else ''} "
            "(`DedicatedMasterCount`), so losing one leaves no quorum to elect a master; "
            "use three"
        )
        yield Violation(count_path, {**args, "detail": detail})
