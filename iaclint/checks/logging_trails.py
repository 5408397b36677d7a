"""Python checks of the logging (LOG) rules about CloudTrail: whether a trail's bucket policy
lets CloudTrail deliver, its CloudWatch Logs delivery role, which data events a trail
records, and whether denied API calls raise an alarm. Every check answers "no finding" when
a value or a related resource cannot be known."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from iaclint.checks.common import active_resources, type_path, waits_for
from iaclint.checks.logging_checks import holds_logs_or_replicas
from iaclint.checks.logging_common import list_items, named_resources, show_all_ids, untraced
from iaclint.model.template import Resource
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import contains_unknown, lookup, same_value
from iaclint.resolve.values import ABSENT, PLACEHOLDER

# -- LOG016: the trail's bucket policy --------------------------------------------------
# https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html
_TRAIL_ACTIONS = ("s3:GetBucketAcl", "s3:PutObject")


def cloudtrail_bucket_policy(trail: Resource, ctx: CheckContext) -> Iterator[Violation]:
    from iaclint.iam.policies import admits, grants, policy_documents

    value, where = lookup(ctx.resolved_focus(trail), "Properties.S3BucketName")
    buckets = named_resources(value, ctx, ("AWS::S3::Bucket",))
    if len(buckets) != 1:
        return
    bucket = buckets[0]
    policies = _bucket_policies(bucket, ctx)
    if policies is None:
        return
    args = {"resource": trail.logical_id}
    if not policies:
        detail = (
            f"writes to bucket `{bucket.logical_id}`, which has no bucket policy; CloudTrail "
            "rejects a trail whose bucket does not admit it"
        )
        yield Violation(where, {**args, "detail": detail})
        return
    statements = [
        s
        for doc in policy_documents(ctx, ("resource",))
        if doc.resource in policies
        for s in doc.statements
    ]
    missing = []
    for action in _TRAIL_ACTIONS:
        answers = [
            admits(s.principal, "cloudtrail.amazonaws.com") for s in statements if grants(s, action)
        ]
        if True in answers:
            continue
        if None in answers or any(
            contains_unknown(s.actions) or contains_unknown(s.effect) for s in statements
        ):
            return
        missing.append(f"`{action}`")
    names = show_all_ids(p.logical_id for p in policies)
    if missing:
        detail = (
            f"writes to bucket `{bucket.logical_id}`, whose bucket policy {names} does not "
            f"allow `cloudtrail.amazonaws.com` to call {' or '.join(missing)}, so "
            "CloudTrail rejects the trail"
        )
        yield Violation(where, {**args, "detail": detail})
        return
    if not any(waits_for(ctx, trail, p) for p in policies):
        detail = (
            f"does not depend on bucket policy {names} of its bucket `{bucket.logical_id}`: "
            "CloudFormation may create the trail first, and CloudTrail then rejects it"
        )
        yield Violation(type_path(trail), {**args, "detail": detail}, level="warning", at_key=True)


def _bucket_policies(bucket: Resource, ctx: CheckContext) -> list[Resource] | None:
    """The bucket's policies: by reference, by its literal name, or by the same intrinsic
    as its `BucketName`; None when a policy's bucket cannot be resolved (it might be this)."""
    name = ctx.resolved_properties(bucket).get("BucketName")
    raw_name = bucket.properties.get("BucketName")
    found = []
    for policy in active_resources(ctx, ("AWS::S3::BucketPolicy",)):
        target = ctx.resolved_properties(policy).get("Bucket")
        raw_target = policy.properties.get("Bucket")
        mine = (
            bucket in named_resources(target, ctx, ("AWS::S3::Bucket",))
            or (isinstance(raw_name, dict) and raw_target == raw_name)
            or (isinstance(target, str) and isinstance(name, str) and target == name)
        )
        if mine:
            found.append(policy)
        elif untraced(target, ctx) or (isinstance(target, str) and contains_unknown(name)):
            return None
    return found


# -- LOG017: data events ----------------------------------------------------------------
_DATA_TYPES = {
    "AWS::S3::Object": ("AWS::S3::Bucket",),
    "AWS::DynamoDB::Table": ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable"),
}


def cloudtrail_data_events(trail: Resource, ctx: CheckContext) -> Iterator[Violation]:
    focus = ctx.resolved_focus(trail)
    covered = _data_event_types(focus.value.get("Properties", {}))
    if covered is None:
        return
    left: list[str] = []
    for data_type, types in _DATA_TYPES.items():
        if data_type not in covered:
            left.extend(
                r.logical_id
                for r in active_resources(ctx, types)
                # log and replica buckets (this trail's own among them) hold no primary data
                if r.type != "AWS::S3::Bucket" or not holds_logs_or_replicas(r, ctx)
            )
    if not left:
        return
    selectors, where = lookup(focus, "Properties.AdvancedEventSelectors")
    if selectors is ABSENT:
        selectors, where = lookup(focus, "Properties.EventSelectors")
    if selectors is ABSENT:
        where = type_path(trail)
    detail = f"records no data events for {show_all_ids(left)} of this template"
    yield Violation(where, {"resource": trail.logical_id, "detail": detail}, at_key=True)


def _data_event_types(props: Any) -> set[str] | None:
    """The resource types the trail logs data events for; None when unknown."""
    if not isinstance(props, dict):
        return None
    covered: set[str] = set()
    for selector in list_items(props.get("EventSelectors")):
        if not isinstance(selector, dict):
            return None
        for resource in list_items(selector.get("DataResources")):
            kind = resource.get("Type") if isinstance(resource, dict) else resource
            if not isinstance(kind, str):
                return None
            covered.add(kind)
    for selector in list_items(props.get("AdvancedEventSelectors")):
        for field in list_items(
            selector.get("FieldSelectors") if isinstance(selector, dict) else selector
        ):
            if not isinstance(field, dict) or contains_unknown(field.get("Field")):
                return None
            if field.get("Field") == "resources.type":
                values = field.get("Equals") or field.get("StartsWith") or []
                if contains_unknown(values):
                    return None
                covered.update(v for v in list_items(values) if isinstance(v, str))
    return covered


# -- LOG018: alarm on denied API calls ---------------------------------------------------
_DENIED = ("accessdenied", "unauthorizedoperation")
_FILTER_TYPES = ("AWS::Logs::MetricFilter", "AWS::Logs::SubscriptionFilter")


def _records_management(props: Any) -> bool | None:
    """Does the trail record management events? They are on unless every event selector
    turns them off, or no advanced selector selects them; None when unknown."""
    if not isinstance(props, dict):
        return None
    basic = props.get("EventSelectors", ABSENT)
    advanced = props.get("AdvancedEventSelectors", ABSENT)
    if basic is ABSENT and advanced is ABSENT:
        return True
    answer: bool | None = False
    for selector in list_items(basic):
        include = (
            selector.get("IncludeManagementEvents", True)
            if isinstance(selector, dict)
            else selector
        )
        if contains_unknown(include):
            answer = None
        elif not same_value(include, False):
            return True
    for selector in list_items(advanced):
        fields = selector.get("FieldSelectors") if isinstance(selector, dict) else selector
        for field in list_items(fields):
            name = field.get("Field") if isinstance(field, dict) else field
            if contains_unknown(name):
                answer = None
            elif name == "eventCategory":
                values = field.get("Equals")
                if contains_unknown(values):
                    answer = None
                elif "Management" in list_items(values):
                    return True
    return answer


def cloudtrail_denied_calls_alarm(trail: Resource, ctx: CheckContext) -> Iterator[Violation]:
    focus = ctx.resolved_focus(trail)
    value, where = lookup(focus, "Properties.CloudWatchLogsLogGroupArn")
    groups = named_resources(value, ctx, ("AWS::Logs::LogGroup",))
    if len(groups) != 1 or _records_management(focus.value.get("Properties")) is not True:
        return  # denied management calls reach the log group only if the trail records them
    group = groups[0]
    filters = []
    for candidate in active_resources(ctx, _FILTER_TYPES):
        name = ctx.resolved_properties(candidate).get("LogGroupName")
        if group in named_resources(name, ctx, ("AWS::Logs::LogGroup",)):
            filters.append(candidate)
        elif untraced(name, ctx) or isinstance(name, str):
            return  # a name the graph cannot tie to a log group might be this one
    watched = []
    for metric_filter in filters:
        props = ctx.resolved_properties(metric_filter)
        pattern = props.get("FilterPattern")
        if not isinstance(pattern, str):
            return
        if any(word in pattern.lower() for word in _DENIED):
            if metric_filter.type == "AWS::Logs::SubscriptionFilter":
                return  # the matching events go to a function or stream that can alert
            watched.append(props)
    args = {"resource": trail.logical_id}
    if not watched:
        detail = (
            f"delivers to log group `{group.logical_id}`, but no metric filter on it counts "
            "`AccessDenied` or `UnauthorizedOperation` errors"
        )
        yield Violation(where, {**args, "detail": detail})
        return
    metrics = []
    for props in watched:
        for item in list_items(props.get("MetricTransformations")):
            if not isinstance(item, dict) or contains_unknown(item):
                return
            metrics.append((item.get("MetricName"), item.get("MetricNamespace")))
    if not any(_alarmed(ctx, name, namespace) for name, namespace in metrics):
        shown = show_all_ids(str(name) for name, _ in metrics)
        detail = (
            f"delivers to log group `{group.logical_id}`, whose metric {shown} counts denied "
            "calls, but no alarm watches it"
        )
        yield Violation(where, {**args, "detail": detail})


def _alarmed(ctx: CheckContext, name: Any, namespace: Any) -> bool:
    """An alarm on this metric, or one whose metric cannot be read."""
    for alarm in active_resources(ctx, ("AWS::CloudWatch::Alarm",)):
        props = ctx.resolved_properties(alarm)
        metrics = [(props.get("MetricName"), props.get("Namespace"))]
        for query in list_items(props.get("Metrics")):
            metric = _metric(query)
            metrics.append(metric)
        for metric_name, metric_namespace in metrics:
            if contains_unknown(metric_name) or contains_unknown(metric_namespace):
                return True
            if metric_name == name and metric_namespace == namespace:
                return True
    return False


def _metric(query: Any) -> tuple[Any, Any]:
    if not isinstance(query, dict):
        return query, query
    metric = query.get("MetricStat", {})
    metric = metric.get("Metric", {}) if isinstance(metric, dict) else metric
    if not isinstance(metric, dict):
        return metric, metric
    return metric.get("MetricName"), metric.get("Namespace")


# -- LOG010: CloudTrail's delivery to CloudWatch Logs -----------------------------------
# https://docs.aws.amazon.com/awscloudtrail/latest/userguide/send-cloudtrail-events-to-cloudwatch-logs.html
_DELIVERY_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")


def cloudtrail_cloudwatch_logs(trail: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """Both properties or neither (a note: no alerting on the trail); with both, the role
    must trust CloudTrail and may write log streams of the group."""
    focus = ctx.resolved_focus(trail)
    group, group_path = lookup(focus, "Properties.CloudWatchLogsLogGroupArn")
    role_value, role_path = lookup(focus, "Properties.CloudWatchLogsRoleArn")
    args = {"resource": trail.logical_id}
    if group is ABSENT and role_value is ABSENT:
        problem = (
            "does not deliver its events to CloudWatch Logs (neither `CloudWatchLogsLogGroupArn`"
            " nor `CloudWatchLogsRoleArn` is set), so no metric filter or alarm can watch them"
        )
        yield Violation(type_path(trail), {**args, "problem": problem}, level="note")
        return
    if group is ABSENT or role_value is ABSENT:
        (set_name, set_path), partner = (
            (("CloudWatchLogsRoleArn", role_path), "CloudWatchLogsLogGroupArn")
            if group is ABSENT
            else (("CloudWatchLogsLogGroupArn", group_path), "CloudWatchLogsRoleArn")
        )
        problem = (
            f"sets `{set_name}` without `{partner}` (the two go together), so CloudTrail "
            "rejects the trail"
        )
        yield Violation(set_path, {**args, "problem": problem})
        return
    roles = named_resources(role_value, ctx, ("AWS::IAM::Role",))
    if len(roles) != 1:
        return  # a role from a parameter, an import or another stack is unknown
    role = roles[0]
    yield from _delivery_role_problems(ctx, trail, role, group, role_path)


def _delivery_role_problems(
    ctx: CheckContext, trail: Resource, role: Resource, group: Any, role_path: Any
) -> Iterator[Violation]:
    from iaclint.iam.access import Target, role_allows, role_trusts, target_of

    args = {"resource": trail.logical_id}
    intro = f"delivers to CloudWatch Logs as role `{role.logical_id}`, which"
    if role_trusts(ctx, role, "cloudtrail.amazonaws.com") is False:
        problem = f"{intro} does not trust `cloudtrail.amazonaws.com`"
        yield Violation(role_path, {**args, "problem": problem})
    target = target_of(group, ("AWS::Logs::LogGroup",), ctx)
    if target is None:
        return
    if target.arn is not None:
        # The trail names the group (`...:log-group:NAME:*`); CloudTrail writes its streams.
        base = target.arn[:-2] if target.arn.endswith(":*") else target.arn
        target = Target(target.logical_id, f"{base}:log-stream:{PLACEHOLDER}")
    missing = [a for a in _DELIVERY_ACTIONS if role_allows(ctx, role, a, target) is False]
    if missing:
        actions = " and ".join(f"`{a}`" for a in missing)
        shown = target.logical_id or group
        problem = f"{intro} may not call {actions} on log group `{shown}`"
        yield Violation(role_path, {**args, "problem": problem})
