"""Availability and data-protection checks the rule language cannot express: defaults and
levels that depend on the resource type (RDS backups, deletion policies, Redis failover).
The helpers at the top are shared by the availability modules: subnet and zone checks
live in availability_zones.py and availability_placement.py, dead-letter checks in
availability_dlq.py, scaling, health checks and deployments in availability_scaling.py,
availability_health_checks.py and availability_deployments.py.

Every function answers "no finding" when a value it needs is unknown.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from iaclint.checks.common import as_integer
from iaclint.load.document import Path
from iaclint.model.template import Resource
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import Focus, contains_unknown, lookup, same_value
from iaclint.resolve.values import ABSENT, Unknown


def get(ctx: CheckContext, resource: Resource, dotted: str) -> tuple[Any, Path]:
    return lookup(ctx.resolved_focus(resource), dotted)


def type_path(resource: Resource) -> Path:
    return (*resource.path, "Type")


def present(value: Any) -> bool:
    """Set, or possibly set (an unknown value counts as present)."""
    return value is not ABSENT


def is_true(value: Any) -> bool | None:
    """True / False, or None when the value is unknown."""
    if contains_unknown(value):
        return None
    return value is not ABSENT and same_value(value, True)


def show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def only_resource(ctx: CheckContext, value: Any, kind: str) -> Resource | None:
    """The template resource of `kind` a plain Ref or GetAtt (not a string built around it)
    points at."""
    if not isinstance(value, Unknown) or value.partial is not None or len(value.refs) != 1:
        return None
    resource = ctx.template.resources.get(value.refs[0])
    return resource if resource is not None and resource.type == kind else None


def show_ids(names: Iterable[str], limit: int = 3) -> str:
    """Up to `limit` distinct ids in backticks, sorted, then how many more."""
    names = sorted(set(names))
    shown = ", ".join(f"`{n}`" for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _days(days: int) -> str:
    return f"{days} day" if days == 1 else f"{days} days"


# -- RDS members that take their settings from elsewhere -------------------------------
def _rds_member_or_replica(ctx: CheckContext, resource: Resource) -> bool:
    """An Aurora member (settings on the cluster) or a read replica (of an instance or
    cluster). Unknown counts as "might be", so the caller stays quiet."""
    if resource.type != "AWS::RDS::DBInstance":
        return False
    for prop in ("DBClusterIdentifier", "SourceDBInstanceIdentifier", "SourceDBClusterIdentifier"):
        if present(get(ctx, resource, f"Properties.{prop}")[0]):
            return True
    # An Aurora instance cannot exist without DBClusterIdentifier; the engine is a second hint.
    engine = get(ctx, resource, "Properties.Engine")[0]
    return isinstance(engine, str) and engine.lower().startswith("aurora")


# -- HA002 ---------------------------------------------------------------------------
# CloudFormation's default when BackupRetentionPeriod is omitted (the console's is 7).
# https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html
DEFAULT_RETENTION_DAYS = 1
MIN_RETENTION_DAYS = 7


def rds_backup_retention(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    if _rds_member_or_replica(ctx, resource):
        return
    value, path = get(ctx, resource, "Properties.BackupRetentionPeriod")
    days = DEFAULT_RETENTION_DAYS if value is ABSENT else as_integer(value)
    if days is None:
        return
    shown = "not set; unset means 1 day" if value is ABSENT else show(value)
    if value is ABSENT:
        path = type_path(resource)
    what = "RDS DB instance" if resource.type == "AWS::RDS::DBInstance" else "RDS DB cluster"
    args = {"what": what, "resource": resource.logical_id, "value": shown}
    if days == 0 and resource.type == "AWS::RDS::DBInstance":
        problem = "has automated backups disabled, so it cannot be restored to a point in time"
        yield Violation(path, {**args, "problem": problem}, at_key=value is ABSENT)
    elif 0 < days < MIN_RETENTION_DAYS:
        problem = f"keeps automated backups for {_days(days)}, fewer than {MIN_RETENTION_DAYS}"
        yield Violation(path, {**args, "problem": problem}, level="note", at_key=value is ABSENT)


# -- HA004 ---------------------------------------------------------------------------
_KEEPS = {
    "DeletionPolicy": ("Retain", "RetainExceptOnCreate", "Snapshot"),
    "UpdateReplacePolicy": ("Retain", "Snapshot"),
}
_CONSEQUENCE = {
    "AWS::KMS::Key": "CloudFormation schedules the key for deletion, and with it every piece "
    "of data encrypted under it,",
    "AWS::RDS::DBInstance": "CloudFormation deletes it without a final snapshot",
    "AWS::RDS::DBCluster": "CloudFormation deletes it without a final snapshot",
    "AWS::ElastiCache::ReplicationGroup": "CloudFormation deletes it without a final snapshot",
}


def _deletion_blocked(ctx: CheckContext, resource: Resource) -> bool:
    """Deletion protection makes CloudFormation's delete fail instead of losing data."""
    kind = resource.type
    if kind == "AWS::DynamoDB::GlobalTable":
        replicas = get(ctx, resource, "Properties.Replicas")[0]
        if not isinstance(replicas, list) or not replicas:
            return isinstance(replicas, Unknown)
        return all(
            is_true(lookup(Focus(r, ()), "DeletionProtectionEnabled")[0]) is not False
            for r in replicas
        )
    prop = {
        "AWS::DynamoDB::Table": "DeletionProtectionEnabled",
        "AWS::Logs::LogGroup": "DeletionProtectionEnabled",
        "AWS::RDS::DBInstance": "DeletionProtection",
        "AWS::RDS::DBCluster": "DeletionProtection",
    }.get(kind)
    if prop is not None:
        return is_true(get(ctx, resource, f"Properties.{prop}")[0]) is not False
    if kind == "AWS::Cognito::UserPool":
        value = get(ctx, resource, "Properties.DeletionProtection")[0]
        return contains_unknown(value) or same_value(value, "ACTIVE", ignore_case=True)
    return False


def _audit_log_group(ctx: CheckContext, resource: Resource) -> bool:
    """Only log groups a CloudTrail trail delivers to hold audit records worth keeping."""
    trails = ctx.query.referrers(
        resource.logical_id, "AWS::CloudTrail::Trail", "CloudWatchLogsLogGroupArn"
    )
    return any(ctx.is_active(trail) for trail in trails)


def stateful_deletion_policy(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    if _rds_member_or_replica(ctx, resource) or _deletion_blocked(ctx, resource):
        return
    if resource.type == "AWS::Logs::LogGroup" and not _audit_log_group(ctx, resource):
        return
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html
    # The default DeletionPolicy of these is Snapshot; only an explicit Delete loses data.
    snapshot_default = resource.type.startswith("AWS::RDS::")
    missing: list[str] = []
    deleting: list[tuple[str, Path]] = []
    for attribute, keeps in _KEEPS.items():
        value, path = get(ctx, resource, attribute)
        if value is ABSENT:
            if not snapshot_default:
                missing.append(attribute)
        elif not contains_unknown(value) and not any(same_value(value, k) for k in keeps):
            deleting.append((f"`{attribute}: {show(value)}`", path))
    if not missing and not deleting:
        return
    parts = [text for text, _ in deleting]
    if missing:
        parts.append("no " + " or ".join(f"`{a}`" for a in missing))
    attributes = set(missing) | {t.split(":")[0].strip("`") for t, _ in deleting}
    when = {
        frozenset({"DeletionPolicy"}): "when the stack is deleted",
        frozenset({"UpdateReplacePolicy"}): "when an update replaces it",
    }.get(frozenset(attributes), "when the stack is deleted or an update replaces it")
    path = deleting[0][1] if deleting else type_path(resource)
    yield Violation(
        path,
        {
            "resource": resource.logical_id,
            "type": resource.type,
            "policies": " and ".join(parts),
            "consequence": _CONSEQUENCE.get(
                resource.type, "CloudFormation deletes it and its data"
            ),
            "when": when,
        },
        at_key=not deleting,
    )


# -- HA006 ---------------------------------------------------------------------------
def redis_without_automatic_failover(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    engine, engine_path = get(ctx, resource, "Properties.Engine")
    if contains_unknown(engine):
        return
    if resource.type == "AWS::ElastiCache::CacheCluster":
        if not same_value(engine, "redis", ignore_case=True) or _primary_of_group(ctx, resource):
            return
        yield Violation(
            engine_path,
            {
                "resource": resource.logical_id,
                "problem": "is a single-node Redis cluster, with no replica to fail over to",
            },
        )
        return
    if engine is not ABSENT and not any(
        same_value(engine, e, ignore_case=True) for e in ("redis", "valkey")
    ):
        return
    # MultiAZEnabled needs automatic failover (the API rejects it otherwise), and a group that
    # fails over automatically promotes a replica, in another zone when its replicas are.
    if is_true(get(ctx, resource, "Properties.MultiAZEnabled")[0]) is not False:
        return
    value, path = get(ctx, resource, "Properties.AutomaticFailoverEnabled")
    if is_true(value) is not False:
        return
    shown = "not set; unset means off" if value is ABSENT else show(value)
    yield Violation(
        type_path(resource) if value is ABSENT else path,
        {
            "resource": resource.logical_id,
            "problem": "has no automatic failover to a replica, so a failed primary takes it down "
            f"(`AutomaticFailoverEnabled` is {shown})",
        },
        at_key=value is ABSENT,
    )


def _primary_of_group(ctx: CheckContext, cluster: Resource) -> bool:
    """A cluster named as a replication group's PrimaryClusterId gets replicas from it."""
    groups = [
        g
        for g in ctx.template.resources.values()
        if g.type == "AWS::ElastiCache::ReplicationGroup" and ctx.is_active(g)
    ]
    name = get(ctx, cluster, "Properties.ClusterName")[0]
    for group in groups:
        primary = get(ctx, group, "Properties.PrimaryClusterId")[0]
        if isinstance(primary, Unknown):
            # built from a parameter or an import, it might name this cluster
            resources = [r for r in primary.refs if r in ctx.template.resources]
            if not resources or cluster.logical_id in resources:
                return True
        elif primary is not ABSENT and (isinstance(name, Unknown) or same_value(primary, name)):
            return True
    return False
