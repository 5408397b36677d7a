"""Checks on how stored data is kept, aged and accounted for: EBS volumes without a snapshot
schedule (DP007), S3 lifecycle rules that delete objects before their storage class's minimum
duration (COST010), and cost-significant resources left out of the template's tagging
(COST012). Every helper answers None ("cannot tell") for a value iaclint cannot know."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from iaclint.checks.common import (
    active_resources,
    as_integer,
    as_text,
    points_here,
    type_path,
)
from iaclint.load.document import Path
from iaclint.model.template import Resource
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import contains_unknown, lookup
from iaclint.resolve.values import ABSENT, PLACEHOLDER, Unknown, child_source

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


def _known_text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def resource_tags(
    ctx: CheckContext, resource: Resource, prop: str = "Tags"
) -> dict[str, Any] | None:
    """The resource's tags as key -> value (a value may be Unknown), from either the
    `[{Key, Value}]` list form or the map form; None when the keys cannot be known."""
    tags, _ = lookup(ctx.resolved_focus(resource), f"Properties.{prop}")
    if tags is ABSENT:
        return {}
    if isinstance(tags, dict):
        return None if any(isinstance(k, Unknown) for k in tags) else dict(tags)
    if not isinstance(tags, list):
        return None
    found: dict[str, Any] = {}
    for item in tags:
        if item is ABSENT:
            continue
        key = item.get("Key", ABSENT) if isinstance(item, dict) else ABSENT
        if not isinstance(key, str):
            return None  # an unknown item or key: any key might be there
        found[key] = item.get("Value", "")
    return found


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


@dataclass(frozen=True, slots=True)
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


# -- COST010: lifecycle rules that delete objects before the minimum storage duration ------
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-class-intro.html
# (S3 Intelligent-Tiering has had no minimum storage duration since September 2021.)
MINIMUM_DAYS = {
    "STANDARD_IA": 30,
    "ONEZONE_IA": 30,
    "GLACIER_IR": 90,
    "GLACIER": 90,
    "DEEP_ARCHIVE": 180,
}


_Transition = tuple[int, str, Path]  # days, storage class, source path


def _transitions(
    rule: dict[str, Any], rule_path: Path, many: str, one: str
) -> list[_Transition] | None:
    """(days, storage class, source path) of a rule's transitions, sorted by day; None when
    one of them cannot be known or is date-based."""
    found: list[_Transition] = []
    items: list[tuple[Any, Path]] = []
    listed = rule.get(many, ABSENT)
    if isinstance(listed, list):
        list_path = child_source(rule, rule_path, many)
        items += [(t, child_source(listed, list_path, i)) for i, t in enumerate(listed)]
    elif listed is not ABSENT:
        return None
    single = rule.get(one, ABSENT)
    if single is not ABSENT:
        items.append((single, child_source(rule, rule_path, one)))
    for item, path in items:
        if item is ABSENT:
            continue
        if not isinstance(item, dict):
            return None
        days = as_integer(item.get("TransitionInDays"))
        storage = item.get("StorageClass")
        if days is None or not isinstance(storage, str):
            return None
        found.append((days, storage.upper(), path))
    return sorted(found, key=lambda t: t[0])


def _short_stays(
    transitions: list[_Transition], end_days: int | None, subject: str
) -> Iterator[tuple[Path, str]]:
    for index, (days, storage, path) in enumerate(transitions):
        minimum = MINIMUM_DAYS.get(storage)
        later = [t for t in transitions[index + 1 :] if t[0] > days]
        if later:
            end, what = later[0][0], f"moves them on to `{later[0][1]}`"
        elif end_days is not None:
            end, what = end_days, "expires them"
        else:
            continue
        stay = end - days
        if minimum is None or stay <= 0 or stay >= minimum:
            continue
        yield (
            path,
            (
                f"moves {subject} to `{storage}` after {_days(days)} and {what} after {end}: "
                f"{_days(stay)} in `{storage}`, which bills at least {minimum} days"
            ),
        )


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def _versioning_on(ctx: CheckContext, bucket: Resource) -> bool | None:
    status, _ = lookup(ctx.resolved_focus(bucket), "Properties.VersioningConfiguration.Status")
    if status is ABSENT:
        return False
    return None if not isinstance(status, str) else status.strip() in ("Enabled", "Suspended")


def lifecycle_early_deletion(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """A lifecycle rule that moves objects to an infrequent-access or archive class and then
    expires them (or moves them on) before that class's minimum storage duration."""
    rules, rules_path = lookup(
        ctx.resolved_focus(resource), "Properties.LifecycleConfiguration.Rules"
    )
    if not isinstance(rules, list):
        return
    versioned = _versioning_on(ctx, resource)
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict) or rule.get("Status") != "Enabled":
            continue  # disabled, or cannot be known
        rule_path = child_source(rules, rules_path, i)
        name = _known_text(rule.get("Id")) or f"#{i + 1}"
        current = _transitions(rule, rule_path, "Transitions", "Transition")
        if current is not None and rule.get("ExpirationDate", ABSENT) is ABSENT:
            # In a versioned bucket, expiring the current version only adds a delete marker:
            # the data stays, as a noncurrent version, in the same storage class.
            expires = as_integer(rule.get("ExpirationInDays")) if versioned is False else None
            for path, detail in _short_stays(current, expires, "objects"):
                yield Violation(
                    path, {"resource": resource.logical_id, "rule": name, "detail": detail}
                )
        noncurrent = _transitions(
            rule, rule_path, "NoncurrentVersionTransitions", "NoncurrentVersionTransition"
        )
        if noncurrent is None:
            continue
        ending = rule.get("NoncurrentVersionExpiration", ABSENT)
        days = (
            ending.get("NoncurrentDays")
            if isinstance(ending, dict)
            else rule.get("NoncurrentVersionExpirationInDays")
        )
        for path, detail in _short_stays(noncurrent, as_integer(days), "noncurrent versions"):
            yield Violation(path, {"resource": resource.logical_id, "rule": name, "detail": detail})


# -- COST012: cost-significant resources the template's tagging leaves out -----------------
# Resources billed by the hour or by the GB, and where each keeps its tags.
COST_TAG_PROPERTY = {
    "AWS::EC2::Instance": "Tags",
    "AWS::EC2::Volume": "Tags",
    "AWS::EC2::NatGateway": "Tags",
    "AWS::ElasticLoadBalancingV2::LoadBalancer": "Tags",
    "AWS::ElasticLoadBalancing::LoadBalancer": "Tags",
    "AWS::RDS::DBInstance": "Tags",
    "AWS::RDS::DBCluster": "Tags",
    "AWS::DocDB::DBCluster": "Tags",
    "AWS::Neptune::DBCluster": "Tags",
    "AWS::Redshift::Cluster": "Tags",
    "AWS::DynamoDB::Table": "Tags",
    "AWS::S3::Bucket": "Tags",
    "AWS::EFS::FileSystem": "FileSystemTags",
    "AWS::FSx::FileSystem": "Tags",
    "AWS::ElastiCache::ReplicationGroup": "Tags",
    "AWS::ElastiCache::CacheCluster": "Tags",
    "AWS::OpenSearchService::Domain": "Tags",
    "AWS::Elasticsearch::Domain": "Tags",
    "AWS::EKS::Cluster": "Tags",
    "AWS::EKS::Nodegroup": "Tags",
    "AWS::ECS::Service": "Tags",
    "AWS::MSK::Cluster": "Tags",
    "AWS::Kinesis::Stream": "Tags",
    "AWS::KinesisFirehose::DeliveryStream": "Tags",
    "AWS::Lambda::Function": "Tags",
    "AWS::CloudFront::Distribution": "Tags",
    "AWS::SageMaker::NotebookInstance": "Tags",
    "AWS::SageMaker::Endpoint": "Tags",
}


# Tag keys conventionally used to allocate cost, compared lower-case without separators.
# A key outside this list (`Name`, `Description`, `DomainJoin`, `lambda:createdBy`, ...)
# usually describes or drives the resource rather than allocating its cost.
# https://docs.aws.amazon.com/whitepapers/latest/tagging-best-practices/cost-allocation-tags.html
ALLOCATION_KEYS = frozenset(
    {
        "project", "projectname", "projectid", "costcenter", "costcentre", "costcode",
        "owner", "team", "environment", "env", "stage", "application", "app", "appname",
        "applicationname", "applicationid", "service", "servicename", "businessunit",
        "department", "customer", "product", "workload", "budget", "billing", "billingcode",
        "chargecode", "tenant",
    }
)  # fmt: skip


def _allocation_keys(tags: dict[str, Any]) -> set[str]:
    """The tag keys, as written, that allocate cost."""
    return {k for k in tags if re.sub(r"[\s_\-.]", "", k).lower() in ALLOCATION_KEYS}


def _backticked(names: Iterable[str], limit: int = 3) -> str:
    items = sorted(names)
    shown = ", ".join(f"`{n}`" for n in items[:limit])
    return shown if len(items) <= limit else f"{shown} and {len(items) - limit} more"


def resource_without_cost_tags(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """A cost-significant resource with no cost-allocation tag, in a template that tags other
    such resources with some: stack-level tags would tag them all, so the template's own
    tagging is what is inconsistent."""
    prop = COST_TAG_PROPERTY[resource.type]
    tags = resource_tags(ctx, resource, prop)
    if tags is None or _allocation_keys(tags):
        return
    keys: set[str] = set()
    carriers: list[str] = []
    for other in active_resources(ctx, COST_TAG_PROPERTY):
        if other.logical_id == resource.logical_id:
            continue
        other_tags = resource_tags(ctx, other, COST_TAG_PROPERTY[other.type])
        found = _allocation_keys(other_tags) if other_tags else set()
        if found:
            keys |= found
            carriers.append(other.logical_id)
    if not keys:
        return
    value, path = lookup(ctx.resolved_focus(resource), f"Properties.{prop}")
    args = {
        "resource": resource.logical_id,
        "type": resource.type,
        "keys": _backticked(keys),
        "others": _backticked(carriers, 2),
    }
    yield Violation(type_path(resource) if value is ABSENT else path, args, at_key=True)
