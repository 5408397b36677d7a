"""IAM checks of the permissions between resources: whether a notification, subscription or
event target's resource policy (or the role of the rule) lets its source deliver to it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from iaclint.iam.policies import grants, principal_is_everyone, statements
from iaclint.model.template import Resource
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import lookup
from iaclint.resolve.values import Unknown, child_source

# IAM029: what an S3 event notification target must grant, by configuration key.
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/grant-destinations-permissions-to-s3.html
_NOTIFICATION_TARGETS = {
    "LambdaConfigurations": ("Function", ("AWS::Lambda::Function",)),
    "QueueConfigurations": ("Queue", ("AWS::SQS::Queue",)),
    "TopicConfigurations": ("Topic", ("AWS::SNS::Topic",)),
}
_TARGET_POLICIES = {
    "AWS::SQS::Queue": ("AWS::SQS::QueuePolicy", "Queues", "sqs:SendMessage"),
    "AWS::SNS::Topic": ("AWS::SNS::TopicPolicy", "Topics", "sns:Publish"),
}


def notification_target_without_permission(
    bucket: Resource, ctx: CheckContext
) -> Iterator[Violation]:
    focus = ctx.resolved_focus(bucket)
    config, config_path = lookup(focus, "Properties.NotificationConfiguration")
    if not isinstance(config, dict):
        return
    for key, (prop, types) in _NOTIFICATION_TARGETS.items():
        entries = config.get(key)
        if not isinstance(entries, list):
            continue
        entries_path = child_source(config, config_path, key)
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict):
                continue
            target = entry.get(prop)
            if not isinstance(target, Unknown):
                continue  # a literal ARN: its permission may live in another stack
            for ref in target.refs:
                resource = ctx.template.resources.get(ref)
                if resource is None or resource.type not in types or not ctx.is_active(resource):
                    continue
                if _target_admits(resource, "s3.amazonaws.com", ctx) is False:
                    entry_path = child_source(entries, entries_path, index)
                    yield Violation(
                        child_source(entry, entry_path, prop),
                        {"resource": bucket.logical_id, "value": ref},
                    )


def _target_admits(target: Resource, service: str, ctx: CheckContext) -> bool | None:
    """Does something in the template let the service deliver to the target? None when a
    permission or policy whose target cannot be resolved might."""
    if target.type == "AWS::Lambda::Function":
        return _lambda_permits(target, service, ctx)
    policy_type, via, action = _TARGET_POLICIES[target.type]
    maybe = False
    for policy in ctx.template.resources.values():
        if policy.type != policy_type or not ctx.is_active(policy):
            continue
        covered, _ = lookup(ctx.resolved_focus(policy), f"Properties.{via}")
        items = covered if isinstance(covered, list) else [covered]
        names = any(isinstance(i, Unknown) and target.logical_id in i.refs for i in items)
        if not names:
            # A parameter or an import might name this target; a resource is followed.
            maybe = maybe or any(
                isinstance(i, Unknown) and not any(r in ctx.template.resources for r in i.refs)
                for i in items
            )
            continue
        document, path = lookup(ctx.resolved_focus(policy), "Properties.PolicyDocument")
        if not isinstance(document, dict):
            return None
        for statement in statements(document, path):
            if grants(statement, action) and admits(statement.principal, service) is not False:
                return True
    return None if maybe else False


def _lambda_permits(function: Resource, service: str, ctx: CheckContext) -> bool | None:
    maybe = False
    for permission in ctx.template.resources.values():
        if permission.type != "AWS::Lambda::Permission" or not ctx.is_active(permission):
            continue
        props = ctx.resolved_properties(permission)
        if not isinstance(props, dict):
            continue
        name, principal = props.get("FunctionName"), props.get("Principal")
        if isinstance(name, Unknown):
            names = function.logical_id in name.refs
            if not names and not any(r in ctx.template.resources for r in name.refs):
                maybe = True  # a parameter or import might name this function
        else:
            names = _same_function_name(name, function, ctx)
            if names is None:
                maybe = True
                continue
        if not names:
            continue
        if isinstance(principal, Unknown) or principal in (service, "*"):
            return True
    return None if maybe else False


def admits(principal: Any, service: str) -> bool | None:
    """Does a resolved `Principal` admit the service (or everyone)? None: unknown."""
    if isinstance(principal, Unknown):
        return None
    if principal_is_everyone(principal):
        return True
    if isinstance(principal, dict):
        services = principal.get("Service", ())
        if any(isinstance(s, Unknown) for s in services):
            return None
        return service in services
    return False


def _same_function_name(name: Any, function: Resource, ctx: CheckContext) -> bool | None:
    """Does a literal FunctionName (name, ARN or partial ARN) name this function?"""
    own = ctx.resolved_properties(function).get("FunctionName")
    if own is None:
        return False  # CloudFormation generates the name; a literal cannot know it
    if not isinstance(own, str) or not isinstance(name, str):
        return None
    return name == own or name.split(":function:")[-1].split(":")[0] == own


def sns_to_sqs_without_policy(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """IAM031: an SQS subscription whose queue does not let SNS send to it."""
    focus = ctx.resolved_focus(resource)
    if resource.type == "AWS::SNS::Subscription":
        found = [
            (focus.value.get("Properties"), child_source(focus.value, focus.path, "Properties"))
        ]
    else:
        entries, path = lookup(focus, "Properties.Subscription")
        items = entries if isinstance(entries, list) else []
        found = [(e, child_source(entries, path, i)) for i, e in enumerate(items)]
    for entry, path in found:
        if not isinstance(entry, dict) or str(entry.get("Protocol", "")).lower() != "sqs":
            continue
        endpoint = entry.get("Endpoint")
        if not isinstance(endpoint, Unknown):
            continue  # a literal ARN: the queue and its policy may live elsewhere
        for ref in endpoint.refs:
            queue = ctx.template.resources.get(ref)
            if queue is None or queue.type != "AWS::SQS::Queue" or not ctx.is_active(queue):
                continue
            if _target_admits(queue, "sns.amazonaws.com", ctx) is False:
                yield Violation(
                    child_source(entry, path, "Endpoint"),
                    {"resource": resource.logical_id, "value": ref},
                )


# IAM032: targets EventBridge invokes through a resource policy, and targets it reaches
# only with `RoleArn`. https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html
_POLICY_TARGETS = ("AWS::Lambda::Function", "AWS::SNS::Topic", "AWS::SQS::Queue")
_ROLE_TARGETS = (
    "AWS::Kinesis::Stream", "AWS::KinesisFirehose::DeliveryStream",
    "AWS::StepFunctions::StateMachine", "AWS::ECS::Cluster", "AWS::CodeBuild::Project",
    "AWS::CodePipeline::Pipeline",
)  # fmt: skip


def event_target_without_permission(rule: Resource, ctx: CheckContext) -> Iterator[Violation]:
    targets, path = lookup(ctx.resolved_focus(rule), "Properties.Targets")
    if not isinstance(targets, list):
        return
    for index, target in enumerate(targets):
        if not isinstance(target, dict) or not isinstance(target.get("Arn"), Unknown):
            continue  # a literal ARN: its permission may live in another stack
        target_path = child_source(targets, path, index)
        for ref in target["Arn"].refs:
            resource = ctx.template.resources.get(ref)
            if resource is None or not ctx.is_active(resource):
                continue
            if resource.type in _POLICY_TARGETS:
                missing = _target_admits(resource, "events.amazonaws.com", ctx) is False
            elif resource.type in _ROLE_TARGETS:
                missing = "RoleArn" not in target
            else:
                continue
            if missing:
                yield Violation(
                    child_source(target, target_path, "Arn"),
                    {"resource": rule.logical_id, "value": ref, "type": resource.type},
                )
