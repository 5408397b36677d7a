"""Python checks of the logging (LOG) rules about monitoring: detailed monitoring of Auto
Scaling groups, alarms for the resources that need them, notifications of pipeline failures,
and Elastic Beanstalk health reporting and log streaming. Every check answers "no finding"
when a value or a related resource cannot be known."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from iaclint.checks.common import active_resources, as_text, present_parent, type_path
from iaclint.checks.logging_common import list_items, named_resources, show_all_ids, untraced
from iaclint.load.document import Path
from iaclint.model.template import Resource
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import contains_unknown, lookup, same_value
from iaclint.resolve.values import ABSENT, Unknown, child_source


def _mentioned(value: Any) -> Iterator[str]:
    """The resources the resolved values in `value` are built from (`Ref`, `GetAtt`, `Sub`)."""
    if isinstance(value, Unknown):
        yield from value.refs
    elif isinstance(value, dict):
        for item in value.values():
            yield from _mentioned(item)
    elif isinstance(value, list):
        for item in value:
            yield from _mentioned(item)


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
        "groups": show_all_ids(groups),
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
    alarms = ctx.memo("logging:alarm-dimensions", lambda: _alarm_dimensions(ctx))
    if alarms is None:
        return  # no alarms at all: monitoring lives in another stack, or nowhere
    if not _needs_alarm(resource, ctx):
        return
    if alarms.untraced or resource.logical_id in alarms.mentioned:
        return  # an alarm names it, or a value from a parameter or an import might
    name = ctx.resolved_properties(resource).get(_NAME_PROPERTY[resource.type])
    if isinstance(name, str) and any(name in text for text in alarms.texts):
        return
    kind, metrics = _WATCH[resource.type]
    yield Violation(
        type_path(resource),
        {"resource": resource.logical_id, "kind": kind, "metrics": metrics},
        at_key=True,
    )


@dataclass(frozen=True, slots=True, eq=False)
class _Alarms:
    """What the template's active alarms watch: whether some dimension might name any
    resource, the resources they name, and their dimensions as text (for literal names)."""

    untraced: bool
    mentioned: frozenset[str]
    texts: tuple[str, ...]


def _alarm_dimensions(ctx: CheckContext) -> _Alarms | None:
    """Once per scenario, not for each resource that needs an alarm."""
    alarms = list(active_resources(ctx, ("AWS::CloudWatch::Alarm",)))
    if not alarms:
        return None
    dimensions = [
        [props.get("Dimensions"), props.get("Metrics")]
        for props in (ctx.resolved_properties(alarm) for alarm in alarms)
    ]
    return _Alarms(
        untraced=any(untraced(value, ctx) for value in dimensions),
        mentioned=frozenset(name for value in dimensions for name in _mentioned(value)),
        texts=tuple(json.dumps(value, default=str) for value in dimensions),
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
        if resource in named_resources(target, ctx, (resource.type,)) or untraced(target, ctx):
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
    if source not in list_items(pattern.get("source")):
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
        if not any(isinstance(s, str) and s.upper() == "FAILED" for s in list_items(states)):
            return False
    names = detail.get(name_key, ABSENT)
    if names is ABSENT or contains_unknown(names):
        return None if contains_unknown(names) else True
    if any(resource in named_resources(n, ctx, (resource.type,)) for n in list_items(names)):
        return True
    own = ctx.resolved_properties(resource).get("Name", ABSENT)
    if own is ABSENT:
        return False  # a generated name: only a `Ref` can name it
    return None if not isinstance(own, str) else own in list_items(names)


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
        saved = named_resources(template, ctx, ("AWS::ElasticBeanstalk::ConfigurationTemplate",))
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
