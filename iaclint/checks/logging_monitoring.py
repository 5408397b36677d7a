"""Python checks of the logging (LOG) rules about monitoring: what a CloudTrail trail
delivers to and alarms on, whether a function's role can write its logs and traces, and
whether alarms, notifications and metrics exist for the resources that need them. Every
check answers "no finding" when a value or a related resource cannot be known."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from iaclint.checks.common import active_resources, as_text, present_parent, type_path
from iaclint.checks.logging_checks import _holds_logs_or_replicas
from iaclint.load.document import Path
from iaclint.model.template import Resource
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import contains_unknown, lookup, same_value
from iaclint.resolve.values import ABSENT, Unknown, child_source


def _named(value: Any, ctx: CheckContext, types: Iterable[str]) -> list[Resource]:
    """Active template resources of these types that a resolved reference names."""
    if not isinstance(value, Unknown):
        return []
    wanted = set(types)
    found = (ctx.template.resources.get(ref) for ref in value.refs)
    return [r for r in found if r is not None and r.type in wanted and ctx.is_active(r)]


def _untraced(value: Any, ctx: CheckContext) -> bool:
    """An unknown value built from no template resource (a parameter, an import): it might
    name any resource, so the answer is unknown."""
    if isinstance(value, Unknown):
        return not any(ref in ctx.template.resources for ref in value.refs)
    if isinstance(value, dict):
        return any(_untraced(item, ctx) for item in value.values())
    if isinstance(value, list):
        return any(_untraced(item, ctx) for item in value)
    return False


def _mentions(value: Any, logical_id: str) -> bool:
    """Is some resolved value in `value` built from this resource (`Ref`, `GetAtt`, `Sub`)?"""
    if isinstance(value, Unknown):
        return logical_id in value.refs
    if isinstance(value, dict):
        return any(_mentions(item, logical_id) for item in value.values())
    if isinstance(value, list):
        return any(_mentions(item, logical_id) for item in value)
    return False


def _names(ids: Iterable[str]) -> str:
    return ", ".join(f"`{i}`" for i in sorted(ids))


# -- LOG016: the trail's bucket policy --------------------------------------------------
# https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html
_TRAIL_ACTIONS = ("s3:GetBucketAcl", "s3:PutObject")


def cloudtrail_bucket_policy(trail: Resource, ctx: CheckContext) -> Iterator[Violation]:
    from iaclint.checks.iam import _admits
    from iaclint.iam.policies import grants, policy_documents

    value, where = lookup(ctx.resolved_focus(trail), "Properties.S3BucketName")
    buckets = _named(value, ctx, ("AWS::S3::Bucket",))
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
            _admits(s.principal, "cloudtrail.amazonaws.com")
            for s in statements
            if grants(s, action)
        ]
        if True in answers:
            continue
        if None in answers or any(
            contains_unknown(s.actions) or contains_unknown(s.effect) for s in statements
        ):
            return
        missing.append(f"`{action}`")
    names = _names(p.logical_id for p in policies)
    if missing:
        detail = (
            f"writes to bucket `{bucket.logical_id}`, whose bucket policy {names} does not "
            f"allow `cloudtrail.amazonaws.com` to call {' or '.join(missing)}, so "
            "CloudTrail rejects the trail"
        )
        yield Violation(where, {**args, "detail": detail})
        return
    if not any(_depends(ctx, trail, p) for p in policies):
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
            bucket in _named(target, ctx, ("AWS::S3::Bucket",))
            or (isinstance(raw_name, dict) and raw_target == raw_name)
            or (isinstance(target, str) and isinstance(name, str) and target == name)
        )
        if mine:
            found.append(policy)
        elif _untraced(target, ctx) or (isinstance(target, str) and contains_unknown(name)):
            return None
    return found


def _depends(ctx: CheckContext, resource: Resource, other: Resource) -> bool:
    """Does `resource` wait for `other` (DependsOn, Ref or GetAtt, directly or through
    other resources)?"""
    seen: set[str] = set()
    todo = [resource.logical_id]
    while todo:
        current = todo.pop()
        if current == other.logical_id:
            return True
        if current in seen:
            continue
        seen.add(current)
        todo.extend(r.logical_id for r in ctx.query.targets(current))
    return False


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
                if r.type != "AWS::S3::Bucket" or not _holds_logs_or_replicas(r, ctx)
            )
    if not left:
        return
    selectors, where = lookup(focus, "Properties.AdvancedEventSelectors")
    if selectors is ABSENT:
        selectors, where = lookup(focus, "Properties.EventSelectors")
    if selectors is ABSENT:
        where = type_path(trail)
    detail = f"records no data events for {_names(left)} of this template"
    yield Violation(where, {"resource": trail.logical_id, "detail": detail}, at_key=True)


def _data_event_types(props: Any) -> set[str] | None:
    """The resource types the trail logs data events for; None when unknown."""
    if not isinstance(props, dict):
        return None
    covered: set[str] = set()
    for selector in _items(props.get("EventSelectors")):
        if not isinstance(selector, dict):
            return None
        for resource in _items(selector.get("DataResources")):
            kind = resource.get("Type") if isinstance(resource, dict) else resource
            if not isinstance(kind, str):
                return None
            covered.add(kind)
    for selector in _items(props.get("AdvancedEventSelectors")):
        for field in _items(
            selector.get("FieldSelectors") if isinstance(selector, dict) else selector
        ):
            if not isinstance(field, dict) or contains_unknown(field.get("Field")):
                return None
            if field.get("Field") == "resources.type":
                values = field.get("Equals") or field.get("StartsWith") or []
                if contains_unknown(values):
                    return None
                covered.update(v for v in _items(values) if isinstance(v, str))
    return covered


def _items(value: Any) -> list[Any]:
    """A list's items; an unknown value is one unknown item; absent is none."""
    if value is ABSENT or value is None:
        return []
    return value if isinstance(value, list) else [value]


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
    for selector in _items(basic):
        include = (
            selector.get("IncludeManagementEvents", True)
            if isinstance(selector, dict)
            else selector
        )
        if contains_unknown(include):
            answer = None
        elif not same_value(include, False):
            return True
    for selector in _items(advanced):
        fields = selector.get("FieldSelectors") if isinstance(selector, dict) else selector
        for field in _items(fields):
            name = field.get("Field") if isinstance(field, dict) else field
            if contains_unknown(name):
                answer = None
            elif name == "eventCategory":
                values = field.get("Equals")
                if contains_unknown(values):
                    answer = None
                elif "Management" in _items(values):
                    return True
    return answer


def cloudtrail_denied_calls_alarm(trail: Resource, ctx: CheckContext) -> Iterator[Violation]:
    focus = ctx.resolved_focus(trail)
    value, where = lookup(focus, "Properties.CloudWatchLogsLogGroupArn")
    groups = _named(value, ctx, ("AWS::Logs::LogGroup",))
    if len(groups) != 1 or _records_management(focus.value.get("Properties")) is not True:
        return  # denied management calls reach the log group only if the trail records them
    group = groups[0]
    filters = []
    for candidate in active_resources(ctx, _FILTER_TYPES):
        name = ctx.resolved_properties(candidate).get("LogGroupName")
        if group in _named(name, ctx, ("AWS::Logs::LogGroup",)):
            filters.append(candidate)
        elif _untraced(name, ctx) or isinstance(name, str):
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
        for item in _items(props.get("MetricTransformations")):
            if not isinstance(item, dict) or contains_unknown(item):
                return
            metrics.append((item.get("MetricName"), item.get("MetricNamespace")))
    if not any(_alarmed(ctx, name, namespace) for name, namespace in metrics):
        shown = _names(str(name) for name, _ in metrics)
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
        for query in _items(props.get("Metrics")):
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


# -- LOG019: X-Ray tracing on request paths ----------------------------------------------
# HTTP APIs (API Gateway v2) do not support X-Ray, so only REST stages are checked.
# https://docs.aws.amazon.com/xray/latest/devguide/xray-services-apigateway.html
_TRACING = {
    "AWS::ApiGateway::Stage": ("Properties.TracingEnabled", True, "REST API stage"),
    "AWS::StepFunctions::StateMachine": (
        "Properties.TracingConfiguration.Enabled",
        True,
        "Step Functions state machine",
    ),
    "AWS::Lambda::Function": ("Properties.TracingConfig.Mode", "Active", "Lambda function"),
}


def untraced_request_path(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    dotted, wanted, kind = _TRACING[resource.type]
    if resource.type == "AWS::Lambda::Function" and not _behind_api(resource, ctx):
        return
    focus = ctx.resolved_focus(resource)
    value, where = lookup(focus, dotted)
    if contains_unknown(value) or same_value(value, wanted):
        return
    setting = dotted.removeprefix("Properties.")
    shown = "not set" if value is ABSENT else f"`{as_text(value)}`"
    subject = f"{kind} `{resource.logical_id}`"
    if resource.type == "AWS::Lambda::Function":
        subject += ", which API Gateway invokes,"
    args = {"resource": resource.logical_id, "subject": subject, "setting": setting, "value": shown}
    if value is ABSENT:
        yield Violation(present_parent(ctx, resource, setting), args, at_key=True)
    else:
        yield Violation(where, args)


def _behind_api(function: Resource, ctx: CheckContext) -> bool:
    """API Gateway invokes the function: a permission for `apigateway.amazonaws.com` on it
    (or on one of its aliases or versions), or a REST method integration that names it."""
    names = {function.logical_id}
    for kind in ("AWS::Lambda::Alias", "AWS::Lambda::Version"):
        names.update(r.logical_id for r in ctx.query.referrers(function.logical_id, kind))
    for name in names:
        if ctx.query.referrers(name, "AWS::ApiGateway::Method", "Integration.Uri"):
            return True
        for permission in ctx.query.referrers(name, "AWS::Lambda::Permission", "FunctionName"):
            principal = ctx.resolved_properties(permission).get("Principal")
            if ctx.is_active(permission) and same_value(principal, "apigateway.amazonaws.com"):
                return True
    return False


# -- LOG020, LOG021: the execution role can write logs and traces -------------------------
_LOG_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")
_TRACE_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")


def lambda_role_cannot_write_logs(function: Resource, ctx: CheckContext) -> Iterator[Violation]:
    yield from _role_lacks(function, ctx, _LOG_ACTIONS, _LOG_ACTIONS)


def lambda_role_cannot_write_traces(function: Resource, ctx: CheckContext) -> Iterator[Violation]:
    mode, _ = lookup(ctx.resolved_focus(function), "Properties.TracingConfig.Mode")
    if same_value(mode, "Active"):
        # Segments are the traces; telemetry only reports the daemon's own health.
        yield from _role_lacks(function, ctx, _TRACE_ACTIONS, ("xray:PutTraceSegments",))


def _role_lacks(
    function: Resource, ctx: CheckContext, actions: tuple[str, ...], essential: tuple[str, ...]
) -> Iterator[Violation]:
    from iaclint.iam.policies import grants
    from iaclint.iam.roles import effective_grants, grants_known

    value, where = lookup(ctx.resolved_focus(function), "Properties.Role")
    roles = _named(value, ctx, ("AWS::IAM::Role",))
    if len(roles) != 1:
        return  # a role ARN from a parameter, an import or another stack is unknown
    role = roles[0]
    role_grants = effective_grants(ctx, role)
    missing = [a for a in actions if not any(grants(g.statement, a) for g in role_grants)]
    if set(missing) & set(essential) and grants_known(ctx, role):
        yield Violation(
            where,
            {
                "resource": function.logical_id,
                "role": role.logical_id,
                "actions": " or ".join(f"`{a}`" for a in missing),
            },
        )


# -- LOG023: detailed monitoring for instances that scale --------------------------------
_LAUNCH_VIA = {
    "AWS::EC2::LaunchTemplate": ("LaunchTemplate", "MixedInstancesPolicy"),
    "AWS::AutoScaling::LaunchConfiguration": ("LaunchConfigurationName",),
}


def scaling_group_basic_monitoring(launch: Resource, ctx: CheckContext) -> Iterator[Violation]:
    focus = ctx.resolved_focus(launch)
    if launch.type == "AWS::EC2::LaunchTemplate":
        dotted = "Properties.LaunchTemplateData.Monitoring.Enabled"
        value, where = lookup(focus, dotted)
        if contains_unknown(value) or same_value(value, True):
            return
    else:  # InstanceMonitoring defaults to true
        dotted = "Properties.InstanceMonitoring"
        value, where = lookup(focus, dotted)
        if value is ABSENT or contains_unknown(value) or not same_value(value, False):
            return
    groups = {
        group.logical_id
        for via in _LAUNCH_VIA[launch.type]
        for group in ctx.query.referrers(
            launch.logical_id, "AWS::AutoScaling::AutoScalingGroup", via
        )
        if ctx.is_active(group)
        and any(
            ctx.is_active(policy)
            for policy in ctx.query.referrers(
                group.logical_id, "AWS::AutoScaling::ScalingPolicy", "AutoScalingGroupName"
            )
        )
    }
    if not groups:
        return
    setting = dotted.removeprefix("Properties.")
    shown = "not set" if value is ABSENT else f"`{as_text(value)}`"
    kind = (
        "Launch template" if launch.type == "AWS::EC2::LaunchTemplate" else "Launch configuration"
    )
    args = {
        "kind": kind,
        "resource": launch.logical_id,
        "groups": _names(groups),
        "setting": setting,
        "value": shown,
    }
    if value is ABSENT:
        yield Violation(present_parent(ctx, launch, setting), args, at_key=True)
    else:
        yield Violation(where, args)


# -- LOG024: key resources have alarms ---------------------------------------------------
# The metrics that matter for each type, named in the message.
_WATCH = {
    "AWS::SQS::Queue": ("Dead-letter queue", "`ApproximateNumberOfMessagesVisible`"),
    "AWS::RDS::DBInstance": ("RDS instance", "`CPUUtilization` and `FreeStorageSpace`"),
    "AWS::ElastiCache::ReplicationGroup": (
        "ElastiCache replication group",
        "`EngineCPUUtilization` and `Evictions`",
    ),
    "AWS::Lambda::Function": ("Lambda function", "`Errors` and `Throttles`"),
    "AWS::ElasticLoadBalancingV2::LoadBalancer": (
        "Application Load Balancer",
        "`HTTPCode_ELB_5XX_Count`",
    ),
}
# The property that names each resource in a metric's dimensions.
_NAME_PROPERTY = {
    "AWS::SQS::Queue": "QueueName",
    "AWS::RDS::DBInstance": "DBInstanceIdentifier",
    "AWS::ElastiCache::ReplicationGroup": "ReplicationGroupId",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::ElasticLoadBalancingV2::LoadBalancer": "Name",
}


def resource_without_alarm(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    alarms = list(active_resources(ctx, ("AWS::CloudWatch::Alarm",)))
    if not alarms:
        return  # no alarms at all: monitoring lives in another stack, or nowhere
    if not _needs_alarm(resource, ctx):
        return
    name = ctx.resolved_properties(resource).get(_NAME_PROPERTY[resource.type])
    for alarm in alarms:
        props = ctx.resolved_properties(alarm)
        dimensions = [props.get("Dimensions"), props.get("Metrics")]
        if _untraced(dimensions, ctx) or _mentions(dimensions, resource.logical_id):
            return  # names it, or a value from a parameter or an import might
        if isinstance(name, str) and name in json.dumps(dimensions, default=str):
            return
    kind, metrics = _WATCH[resource.type]
    yield Violation(
        type_path(resource),
        {"resource": resource.logical_id, "kind": kind, "metrics": metrics},
        at_key=True,
    )


def _needs_alarm(resource: Resource, ctx: CheckContext) -> bool:
    props = ctx.resolved_properties(resource)
    if resource.type == "AWS::ElasticLoadBalancingV2::LoadBalancer":
        kind = props.get("Type", ABSENT)
        return kind is ABSENT or same_value(kind, "application")
    if resource.type == "AWS::SQS::Queue":
        from types import SimpleNamespace

        from iaclint.checks.availability_dlq import used_as_dead_letter_queue
        from iaclint.policy.language import Tri

        result = used_as_dead_letter_queue(
            SimpleNamespace(ctx=ctx), ctx.resolved_focus(resource), {}
        )
        return result.truth is Tri.TRUE
    return True


# -- LOG025: pipeline and build failures are notified ------------------------------------
_EVENT_SOURCES = {
    "AWS::CodePipeline::Pipeline": ("aws.codepipeline", "state", "pipeline"),
    "AWS::CodeBuild::Project": ("aws.codebuild", "build-status", "project-name"),
}


def pipeline_failure_unnotified(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    if resource.type == "AWS::CodeBuild::Project" and ctx.query.referrers(
        resource.logical_id, "AWS::CodePipeline::Pipeline"
    ):
        return  # a build run by a pipeline of the template: the pipeline's finding covers it
    own = ctx.resolved_properties(resource).get("Name", ABSENT)
    for rule in active_resources(ctx, ("AWS::CodeStarNotifications::NotificationRule",)):
        target = ctx.resolved_properties(rule).get("Resource")
        if resource in _named(target, ctx, (resource.type,)) or _untraced(target, ctx):
            return
        if isinstance(target, str) and (not isinstance(own, str) or target.endswith(own)):
            return  # a literal ARN that names this resource, or might
    for rule in active_resources(ctx, ("AWS::Events::Rule",)):
        props = ctx.resolved_properties(rule)
        notifies = _rule_notifies(resource, props, ctx)
        if notifies is not False:
            return
    source, _, _ = _EVENT_SOURCES[resource.type]
    kind = "CodePipeline pipeline" if source == "aws.codepipeline" else "CodeBuild project"
    args = {"kind": kind, "resource": resource.logical_id, "source": source}
    yield Violation(type_path(resource), args, at_key=True)


def _rule_notifies(resource: Resource, props: Any, ctx: CheckContext) -> bool | None:
    """Does an EventBridge rule send this resource's failures somewhere? None if unknown."""
    if not isinstance(props, dict):
        return None
    pattern = props.get("EventPattern")
    if isinstance(pattern, str):
        try:
            pattern = json.loads(pattern)
        except ValueError:
            return False
    if pattern is ABSENT or pattern is None:
        return False  # a scheduled rule
    if not isinstance(pattern, dict) or contains_unknown(pattern.get("source")):
        return None
    source, state_key, name_key = _EVENT_SOURCES[resource.type]
    if source not in _items(pattern.get("source")):
        return False
    targets = props.get("Targets")
    if not isinstance(targets, list) or not targets:
        return None if contains_unknown(targets) else False
    detail = pattern.get("detail", {})
    if not isinstance(detail, dict):
        return None
    states = detail.get(state_key, ABSENT)
    if states is not ABSENT:
        if contains_unknown(states):
            return None
        if not any(isinstance(s, str) and s.upper() == "FAILED" for s in _items(states)):
            return False
    names = detail.get(name_key, ABSENT)
    if names is ABSENT or contains_unknown(names):
        return None if contains_unknown(names) else True
    if any(resource in _named(n, ctx, (resource.type,)) for n in _items(names)):
        return True
    own = ctx.resolved_properties(resource).get("Name", ABSENT)
    if own is ABSENT:
        return False  # a generated name: only a `Ref` can name it
    return None if not isinstance(own, str) else own in _items(names)


# -- LOG026: Elastic Beanstalk health reporting and log streaming ---------------------------
# https://docs.aws.amazon.com/elasticbeanstalk/latest/dg/command-options-general.html
_BEANSTALK_OPTIONS = (
    (
        "aws:elasticbeanstalk:healthreporting:system",
        "SystemType",
        "enhanced",
        "basic",
        "reports basic health only",
    ),
    (
        "aws:elasticbeanstalk:cloudwatch:logs",
        "StreamLogs",
        True,
        "false",
        "does not stream instance logs to CloudWatch Logs",
    ),
)


def beanstalk_health_and_logs(environment: Resource, ctx: CheckContext) -> Iterator[Violation]:
    focus = ctx.resolved_focus(environment)
    sources = [lookup(focus, "Properties.OptionSettings")]
    template, _ = lookup(focus, "Properties.TemplateName")
    if template is not ABSENT:
        saved = _named(template, ctx, ("AWS::ElasticBeanstalk::ConfigurationTemplate",))
        if len(saved) != 1:
            return  # a saved configuration the template does not show
        sources.append(lookup(ctx.resolved_focus(saved[0]), "Properties.OptionSettings"))
    settings: list[tuple[Any, Path]] = []
    for items, path in sources:
        if items is ABSENT:
            continue
        if not isinstance(items, list):
            return
        settings.extend((item, child_source(items, path, i)) for i, item in enumerate(items))
    args = {"resource": environment.logical_id}
    unset = []  # one finding for the options left out: they share the Type line
    for namespace, option, wanted, default, problem in _BEANSTALK_OPTIONS:
        found = _option(settings, namespace, option)
        if found is None:
            continue
        value, where = found
        if value is ABSENT:
            unset.append(f"{problem} (`{option}` is not set, and defaults to `{default}`)")
        elif not same_value(value, wanted):
            detail = f"{problem} (`{option}` is `{as_text(value)}`)"
            yield Violation(where, {**args, "detail": detail})
    if unset:
        detail = " and ".join(unset)
        yield Violation(type_path(environment), {**args, "detail": detail}, at_key=True)


def _option(
    settings: list[tuple[Any, Path]], namespace: str, option: str
) -> tuple[Any, Path] | None:
    """The value an option setting list gives and its path (ABSENT if no item sets it);
    None when an item that cannot be read might set it."""
    found: tuple[Any, Path] = (ABSENT, ())
    for item, path in settings:
        if not isinstance(item, dict):
            return None
        keys = (item.get("Namespace"), item.get("OptionName"))
        if contains_unknown(keys):
            return None
        if keys == (namespace, option):
            value = item.get("Value", ABSENT)
            if contains_unknown(value):
                return None
            found = (value, child_source(item, path, "Value"))
    return found
