"""Data-protection checks the rule language cannot say on its own: settings that must agree
between a resource and the resources it names."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import Focus, contains_unknown, lookup, same_value
from iaclint.resolve.values import ABSENT, Unknown, child_source

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
