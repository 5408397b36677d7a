"""DP007: EBS volumes without a snapshot schedule. A volume is backed up by a Data Lifecycle
Manager policy that targets it (or the instance it is attached to) by tag, or by an AWS
Backup selection that names its ARN, a wildcard, or its tags. Every helper answers None
("cannot tell") for a value iaclint cannot know."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from iaclint.checks.common import active_resources, as_text, points_here, resource_tags, type_path
from iaclint.model.template import Resource
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import contains_unknown, lookup
from iaclint.resolve.values import ABSENT, PLACEHOLDER, Unknown

Tri = bool | None  # True, False, or None: cannot be told


def _any(values: Iterable[Tri]) -> Tri:
    seen_unknown = False
    for value in values:
        if value is True:
            return True
        seen_unknown = seen_unknown or value is None
    return None if seen_unknown else False


def _all(values: Iterable[Tri]) -> Tri:
    seen_unknown = False
    for value in values:
        if value is False:
            return False
        seen_unknown = seen_unknown or value is None
    return None if seen_unknown else True


def _not(value: Tri) -> Tri:
    return None if value is None else not value


def _tag_equals(tags: dict[str, Any] | None, key: Any, value: Any) -> Tri:
    if tags is None or contains_unknown(key) or contains_unknown(value):
        return None
    if key not in tags:
        return False
    actual = tags[key]
    return None if contains_unknown(actual) else as_text(actual) == as_text(value)


# -- DP007: EBS volumes without a snapshot schedule ----------------------------------------
# A volume is backed up by a DLM policy that targets it (or the instance it is attached to)
# by tag, or by an AWS Backup selection that names its ARN, a wildcard, or its tags.
# https://docs.aws.amazon.com/ebs/latest/userguide/snapshot-lifecycle.html
# https://docs.aws.amazon.com/aws-backup/latest/devguide/assigning-resources.html

_SAMPLE_IDS = {"volume": "vol-0123456789abcdef0", "instance": "i-0123456789abcdef0"}


@dataclass(frozen=True, slots=True, eq=False)
class _Candidate:
    """What a policy may target for the volume: the volume itself, or an instance it is
    attached to (`resource` None: an instance we cannot name)."""

    kind: str  # "volume" or "instance"
    resource: Resource | None
    tags: dict[str, Any] | None


def _candidates(ctx: CheckContext, volume: Resource) -> list[_Candidate]:
    found = [_Candidate("volume", volume, resource_tags(ctx, volume))]
    instances: dict[str, Resource] = {}
    unnamed = False
    for attachment in ctx.query.referrers(volume.logical_id, "AWS::EC2::VolumeAttachment"):
        if not ctx.is_active(attachment):
            continue
        targets = ctx.query.targets(attachment.logical_id, "AWS::EC2::Instance", "InstanceId")
        instances.update((t.logical_id, t) for t in targets)
        unnamed = unnamed or not targets
    for instance in ctx.query.referrers(volume.logical_id, "AWS::EC2::Instance", "Volumes"):
        instances[instance.logical_id] = instance
    for instance in instances.values():
        if ctx.is_active(instance):
            found.append(_Candidate("instance", instance, resource_tags(ctx, instance)))
    if unnamed:
        found.append(_Candidate("instance", None, None))
    return found


def _arn_pattern_matches(pattern: str, kind: str, unknown_resource_part: bool) -> Tri:
    """Does an ARN pattern (with `*` wildcards) select a new resource of this kind? Partition,
    Region and account are taken to be the stack's own."""
    sample = f"{kind}/{_SAMPLE_IDS[kind]}"
    if pattern == "*":
        return True
    parts = pattern.split(":", 5)
    if len(parts) < 6:
        hit = fnmatchcase(f"arn:aws:ec2:us-east-1:123456789012:{sample}", pattern)
    else:
        hit = fnmatchcase("ec2", parts[2]) and fnmatchcase(sample, parts[5])
    if hit and unknown_resource_part:
        return None
    return hit


def _arn_selects(ctx: CheckContext, value: Any, candidate: _Candidate) -> Tri:
    if isinstance(value, str):
        return _arn_pattern_matches(value, candidate.kind, False)
    if candidate.resource is None:
        return None
    if isinstance(value, Unknown):
        named = points_here(value, candidate.resource, ctx)
        if named is not None:
            return named
        if value.partial:
            # `arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:volume/*`
            parts = value.partial.split(":", 5)
            unknown_tail = len(parts) < 6 or PLACEHOLDER in parts[5] or PLACEHOLDER in parts[2]
            pattern = value.partial.replace(PLACEHOLDER, "*")
            return _arn_pattern_matches(pattern, candidate.kind, unknown_tail)
    return None


def _dlm_targets(ctx: CheckContext, policy: Resource, candidate: _Candidate) -> Tri:
    focus = ctx.resolved_focus(policy)
    state, _ = lookup(focus, "Properties.State")
    enabled: Tri = True if state is ABSENT else None
    if isinstance(state, str):
        enabled = state.upper() == "ENABLED"
    default, _ = lookup(focus, "Properties.DefaultPolicy")
    if default is not ABSENT:
        # A default policy covers every volume (or instance) of the Region.
        if not isinstance(default, str):
            return None
        return _all((enabled, default.upper() == candidate.kind.upper()))
    details, _ = lookup(focus, "Properties.PolicyDetails")
    if not isinstance(details, dict):
        return None if details is not ABSENT else False
    policy_type = details.get("PolicyType", ABSENT)
    if isinstance(policy_type, str) and policy_type.upper() == "EVENT_BASED_POLICY":
        return False  # copies snapshots shared by another account; targets no resource
    if policy_type is not ABSENT and not isinstance(policy_type, str):
        return None
    kinds = details.get("ResourceTypes", ABSENT)
    if kinds is ABSENT:
        kinds = [details.get("ResourceType", ABSENT)]  # the simplified policy language
    if contains_unknown(kinds) or not isinstance(kinds, list) or ABSENT in kinds:
        return None
    if candidate.kind.upper() not in {str(k).upper() for k in kinds}:
        return False
    target_tags = details.get("TargetTags", ABSENT)
    if not isinstance(target_tags, list):
        return None if target_tags is not ABSENT else False
    matches = (
        _tag_equals(candidate.tags, t.get("Key"), t.get("Value")) if isinstance(t, dict) else None
        for t in target_tags
        if t is not ABSENT
    )
    return _all((enabled, _any(matches)))


_TAG_KEY_PREFIX = "aws:ResourceTag/"


def _condition_key(key: Any) -> Any:
    if isinstance(key, str) and key.startswith(_TAG_KEY_PREFIX):
        return key[len(_TAG_KEY_PREFIX) :]
    return key


def _condition_holds(operator: str, tags: dict[str, Any] | None, item: Any) -> Tri:
    if not isinstance(item, dict) or tags is None:
        return None
    key, wanted = _condition_key(item.get("ConditionKey")), item.get("ConditionValue")
    if contains_unknown(key) or contains_unknown(wanted) or not isinstance(key, str):
        return None
    actual = tags.get(key, ABSENT)
    if contains_unknown(actual):
        return None
    if operator in ("StringEquals", "StringNotEquals"):
        same = actual is not ABSENT and as_text(actual) == as_text(wanted)
    else:
        same = actual is not ABSENT and fnmatchcase(as_text(actual), as_text(wanted))
    return same if operator in ("StringEquals", "StringLike") else not same


def _selection_selects(ctx: CheckContext, selection: Resource, candidate: _Candidate) -> Tri:
    spec, _ = lookup(ctx.resolved_focus(selection), "Properties.BackupSelection")
    if not isinstance(spec, dict):
        return None

    def listed(prop: str) -> list[Any] | None:
        value = spec.get(prop, ABSENT)
        if value is ABSENT:
            return []
        return [v for v in value if v is not ABSENT] if isinstance(value, list) else None

    resources, tag_list, excluded = (
        listed("Resources"),
        listed("ListOfTags"),
        listed("NotResources"),
    )
    if resources is None or tag_list is None or excluded is None:
        return None
    by_arn = _any(_arn_selects(ctx, arn, candidate) for arn in resources)
    # ListOfTags entries are ORed; Conditions are ANDed with everything else.
    by_tag = _any(_condition_holds("StringEquals", candidate.tags, t) for t in tag_list)
    conditions = spec.get("Conditions", ABSENT)
    if conditions is not ABSENT and not isinstance(conditions, dict):
        return None
    holds = _all(
        _condition_holds(operator, candidate.tags, item)
        for operator, items in (conditions or {}).items()
        for item in (items if isinstance(items, list) else [None])
    )
    left_out = _any(_arn_selects(ctx, arn, candidate) for arn in excluded)
    return _all((_any((by_arn, by_tag)), holds, _not(left_out)))


def ebs_volume_without_backup(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """An EBS volume that no DLM lifecycle policy and no AWS Backup selection of the template
    targets: it has no scheduled snapshots."""
    candidates = _candidates(ctx, resource)
    policies = list(active_resources(ctx, ("AWS::DLM::LifecyclePolicy",)))
    selections = list(active_resources(ctx, ("AWS::Backup::BackupSelection",)))
    verdicts = [_dlm_targets(ctx, p, c) for p in policies for c in candidates]
    verdicts += [_selection_selects(ctx, s, c) for s in selections for c in candidates]
    if _any(verdicts) is not False:
        return
    if policies or selections:
        detail = (
            "the template's DLM policies and backup selections target neither its tags nor its ARN"
        )
    else:
        detail = "the template has no DLM lifecycle policy or AWS Backup selection"
    yield Violation(
        type_path(resource), {"resource": resource.logical_id, "detail": detail}, at_key=True
    )
