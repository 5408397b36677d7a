"""Data-protection checks the rule language cannot say on its own: settings that must agree
between a resource and the resources it names."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from iaclint.checks.logging_common import named_resources
from iaclint.iam.access import Target, bucket_arn, role_allows, role_trusts, target_of
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import Focus, contains_unknown, lookup, same_value
from iaclint.resolve.values import ABSENT, PLACEHOLDER, Unknown, child_source

if TYPE_CHECKING:
    from iaclint.load.document import Path
    from iaclint.model.template import Resource


def _versioning(focus: Focus) -> bool | None:
    """Is versioning enabled? None: it cannot be known."""
    status, _ = lookup(focus, "Properties.VersioningConfiguration.Status")
    if status is ABSENT:
        return False
    if contains_unknown(status) or not isinstance(status, str):
        return None
    return status.strip() == "Enabled"


def _target_bucket(ctx: CheckContext, value: Any) -> Resource | None:
    """The active bucket of this template that a destination ARN names."""
    if not isinstance(value, Unknown):
        return None
    buckets = [
        ctx.template.resources[r]
        for r in value.refs
        if r in ctx.template.resources and ctx.template.resources[r].type == "AWS::S3::Bucket"
    ]
    if len(buckets) != 1 or not ctx.is_active(buckets[0]):
        return None
    return buckets[0]


def _is_enabled(value: Any) -> bool:
    return not contains_unknown(value) and same_value(value, "Enabled")


def _rule_problems(
    ctx: CheckContext, rule: Any, rule_path: Path
) -> Iterator[tuple[Path, str, str]]:
    if not isinstance(rule, dict):
        return
    destination = rule.get("Destination", ABSENT)
    if not isinstance(destination, dict):
        return
    destination_path = child_source(rule, rule_path, "Destination")
    target = _target_bucket(ctx, destination.get("Bucket", ABSENT))
    if target is not None and _versioning(ctx.resolved_focus(target)) is False:
        where = child_source(destination, destination_path, "Bucket")
        detail = f"its destination bucket `{target.logical_id}` does not have versioning enabled"
        yield where, target.logical_id, detail
    criteria = rule.get("SourceSelectionCriteria", ABSENT)
    kms = criteria.get("SseKmsEncryptedObjects", ABSENT) if isinstance(criteria, dict) else ABSENT
    status = kms.get("Status", ABSENT) if isinstance(kms, dict) else ABSENT
    if not _is_enabled(status):
        return
    encryption = destination.get("EncryptionConfiguration", ABSENT)
    key = encryption.get("ReplicaKmsKeyID", ABSENT) if isinstance(encryption, dict) else ABSENT
    if key is ABSENT and not isinstance(encryption, Unknown):
        yield (
            destination_path,
            "SseKmsEncryptedObjects",
            "a rule replicates SSE-KMS objects without "
            "`Destination.EncryptionConfiguration.ReplicaKmsKeyID`",
        )


def s3_replication_prerequisites(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """S3 replication that cannot work: the source or destination bucket is not versioned,
    or SSE-KMS objects are replicated without a replica key.
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-requirements.html"""
    focus = ctx.resolved_focus(resource)
    config, config_path = lookup(focus, "Properties.ReplicationConfiguration")
    if config is ABSENT:
        return
    if _versioning(focus) is False:
        status, status_path = lookup(focus, "Properties.VersioningConfiguration.Status")
        where = status_path if status is not ABSENT else config_path
        shown = "not set" if status is ABSENT else f"`{status}`"
        args = {
            "resource": resource.logical_id,
            "value": shown,
            "detail": f"its own versioning is {shown}, and replication needs it enabled",
        }
        yield Violation(where, args, at_key=status is ABSENT)
    rules, rules_path = lookup(focus, "Properties.ReplicationConfiguration.Rules")
    if not isinstance(rules, list):
        return
    for i, rule in enumerate(rules):
        for where, value, detail in _rule_problems(ctx, rule, child_source(rules, rules_path, i)):
            args = {"resource": resource.logical_id, "value": value, "detail": detail}
            yield Violation(where, args)
    for where, value, detail in _role_problems(ctx, resource, rules, rules_path):
        yield Violation(where, {"resource": resource.logical_id, "value": value, "detail": detail})


def _objects(target: Target | None) -> Target | None:
    """The objects of a bucket target: `<bucket ARN>/<any key>`."""
    if target is None:
        return None
    return Target(target.logical_id, None if target.arn is None else f"{target.arn}/{PLACEHOLDER}")


def _role_problems(
    ctx: CheckContext, bucket: Resource, rules: list[Any], rules_path: Path
) -> Iterator[tuple[Path, str, str]]:
    """The replication role must trust S3, read the source's object versions and replicate
    into each destination bucket.
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/setting-repl-config-perm-overview.html"""
    role_value, role_path = lookup(
        ctx.resolved_focus(bucket), "Properties.ReplicationConfiguration.Role"
    )
    roles = named_resources(role_value, ctx, ("AWS::IAM::Role",))
    if len(roles) != 1:
        return  # a role from a parameter, an import or another stack is unknown
    role = roles[0]
    intro = f"its replication role `{role.logical_id}`"
    if role_trusts(ctx, role, "s3.amazonaws.com") is False:
        yield role_path, role.logical_id, f"{intro} does not trust `s3.amazonaws.com`"
    name, _ = lookup(ctx.resolved_focus(bucket), "Properties.BucketName")
    source = _objects(Target(bucket.logical_id, bucket_arn(name, ctx)))
    action = "s3:GetObjectVersionForReplication"
    if source is not None and role_allows(ctx, role, action, source) is False:
        yield role_path, role.logical_id, f"{intro} may not call `{action}` on its objects"
    for i, rule in enumerate(rules):
        destination = rule.get("Destination") if isinstance(rule, dict) else None
        if not isinstance(destination, dict) or not _is_enabled(rule.get("Status")):
            continue
        found = target_of(destination.get("Bucket"), ("AWS::S3::Bucket",), ctx)
        if found is not None and found.arn is None and found.logical_id is not None:
            # `!GetAtt Replica.Arn`: the ARN follows from the bucket's own name.
            name, _ = lookup(
                ctx.resolved_focus(ctx.template.resources[found.logical_id]),
                "Properties.BucketName",
            )
            found = Target(found.logical_id, bucket_arn(name, ctx))
        target = _objects(found)
        if target is None or role_allows(ctx, role, "s3:ReplicateObject", target) is not False:
            continue
        rule_path = child_source(rules, rules_path, i)
        where = child_source(destination, child_source(rule, rule_path, "Destination"), "Bucket")
        shown = target.logical_id or destination.get("Bucket")
        detail = f"{intro} may not call `s3:ReplicateObject` on destination `{shown}`"
        yield where, role.logical_id, detail
