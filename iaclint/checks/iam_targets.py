"""IAM checks of the permissions between resources: whether a notification, subscription or
event target's resource policy (or the role of the rule) lets its source deliver to it, for
that source (`SourceArn`), with a key policy that lets the source use the target's KMS key,
and (for S3) with the bucket created after the grant."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from iaclint.checks.common import waits_for
from iaclint.checks.logging_common import named_resources
from iaclint.iam.access import Target, bucket_arn, key_policy_admits, resource_covers, target_of
from iaclint.iam.policies import Statement, admits, grants, statements
from iaclint.model.template import Resource
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import lookup
from iaclint.resolve.values import ABSENT, Unknown, child_source

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
_LAMBDA_TYPES = ("AWS::Lambda::Function", "AWS::Lambda::Alias", "AWS::Lambda::Version")
# What a service needs on the customer-managed key of an encrypted queue or topic.
# https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
_KEY_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")
_SOURCE_OPERATORS = ("arnequals", "arnlike", "stringequals", "stringlike")


@dataclass(eq=False)
class Access:
    """Whether the target admits the service: True, False or None (cannot be told), the
    permissions or policies that admit it, and whether some grant names other sources."""

    state: bool | None = False
    grants: list[Resource] = field(default_factory=list)
    other_sources: bool = False


def _source_matches(value: Any, source: Target | None, ctx: CheckContext) -> bool | None:
    """Does a `SourceArn` value admit the source? True when there is no source to match."""
    if source is None:
        return True
    values = value if isinstance(value, list) else [value]
    results = [resource_covers(v, source, ctx) for v in values]
    if True in results:
        return True
    return None if None in results else False


def _condition_source(
    statement: Statement, source: Target | None, ctx: CheckContext
) -> bool | None:
    """Does the statement's `aws:SourceArn` condition (if any) admit the source?"""
    condition = statement.condition
    if condition is None or source is None:
        return True
    if not isinstance(condition, dict):
        return None
    for operator, clauses in condition.items():
        if not isinstance(clauses, dict):
            return None
        base = str(operator).lower().removeprefix("forallvalues:").removeprefix("foranyvalue:")
        for key, value in clauses.items():
            if str(key).lower() != "aws:sourcearn":
                continue
            if base.removesuffix("ifexists") not in _SOURCE_OPERATORS:
                return None  # a negated operator: leave it to the reader
            matched = _source_matches(value, source, ctx)
            if matched is not True:
                return matched
    return True


def target_access(
    target: Resource, service: str, ctx: CheckContext, source: Target | None = None
) -> Access:
    """Does something in the template let the service deliver to the target (for this
    source)? Unknown when a permission or policy whose target cannot be resolved might."""
    if target.type in _LAMBDA_TYPES:
        return _lambda_access(target, service, ctx, source)
    policy_type, via, action = _TARGET_POLICIES[target.type]
    access, maybe = Access(), False
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
            maybe = True
            continue
        for statement in statements(document, path):
            if not grants(statement, action) or admits(statement.principal, service) is False:
                continue
            matched = _condition_source(statement, source, ctx)
            if matched:
                access.grants.append(policy)
                break
            access.other_sources = access.other_sources or matched is False
            maybe = maybe or matched is None
    access.state = True if access.grants else None if maybe else False
    return access


def _lambda_access(
    function: Resource, service: str, ctx: CheckContext, source: Target | None
) -> Access:
    access, maybe = Access(), False
    for permission in ctx.template.resources.values():
        if permission.type != "AWS::Lambda::Permission" or not ctx.is_active(permission):
            continue
        props = ctx.resolved_properties(permission)
        if not isinstance(props, dict):
            continue
        names = _names_function(props.get("FunctionName"), function, ctx)
        if not names:
            maybe = maybe or names is None
            continue
        principal = props.get("Principal")
        if not (isinstance(principal, Unknown) or principal in (service, "*")):
            continue
        matched = _source_matches(props["SourceArn"], source, ctx) if "SourceArn" in props else True
        if matched:
            access.grants.append(permission)
        access.other_sources = access.other_sources or matched is False
        maybe = maybe or matched is None
    access.state = True if access.grants else None if maybe else False
    return access


def _names_function(name: Any, function: Resource, ctx: CheckContext) -> bool | None:
    """Does a permission's `FunctionName` name this function, alias or version? A
    permission on a function does not cover its aliases and versions, nor the reverse."""
    if isinstance(name, Unknown):
        if function.logical_id in name.refs:
            return True
        if name.partial is not None and any(
            getattr(ctx.template.resources.get(r), "type", None) in _LAMBDA_TYPES for r in name.refs
        ):
            return None  # `${Function.Arn}:live` might be this alias
        return False if any(r in ctx.template.resources for r in name.refs) else None
    if function.type != "AWS::Lambda::Function":
        return None  # a literal qualified ARN: the alias name is not compared
    return _same_function_name(name, function, ctx)


def _same_function_name(name: Any, function: Resource, ctx: CheckContext) -> bool | None:
    """Does a literal FunctionName (name, ARN or partial ARN) name this function?"""
    own = ctx.resolved_properties(function).get("FunctionName")
    if own is None:
        return False  # CloudFormation generates the name; a literal cannot know it
    if not isinstance(own, str) or not isinstance(name, str):
        return None
    return name == own or name.split(":function:")[-1].split(":")[0] == own


def key_problem(target: Resource, service: str, ctx: CheckContext) -> str | None:
    """The target queue's or topic's customer-managed key (of this template) does not let
    the service generate data keys and decrypt: the service cannot deliver."""
    if target.type not in ("AWS::SQS::Queue", "AWS::SNS::Topic"):
        return None
    value, _ = lookup(ctx.resolved_focus(target), "Properties.KmsMasterKeyId")
    keys = named_resources(value, ctx, ("AWS::KMS::Key",))
    for alias in named_resources(value, ctx, ("AWS::KMS::Alias",)):
        key_id, _ = lookup(ctx.resolved_focus(alias), "Properties.TargetKeyId")
        keys += named_resources(key_id, ctx, ("AWS::KMS::Key",))
    if len(keys) != 1:
        return None  # no key, the AWS managed key, or a key defined elsewhere
    key = keys[0]
    missing = [a for a in _KEY_ACTIONS if key_policy_admits(ctx, key, a, service=service) is False]
    if not missing:
        return None
    actions = " and ".join(f"`{a}`" for a in missing)
    return f"its KMS key `{key.logical_id}` does not let `{service}` call {actions}"


def _denied(access: Access, service: str, what: str) -> str:
    if access.other_sources:
        return f"its {what} lets `{service}` deliver only for other sources (`SourceArn`)"
    return f"no {what} lets `{service}` deliver to it"


_WHAT = {
    "AWS::SQS::Queue": "queue policy",
    "AWS::SNS::Topic": "topic policy",
    "AWS::Lambda::Function": "`AWS::Lambda::Permission`",
    "AWS::Lambda::Alias": "`AWS::Lambda::Permission` on the alias",
    "AWS::Lambda::Version": "`AWS::Lambda::Permission` on the version",
}


def notification_target_without_permission(
    bucket: Resource, ctx: CheckContext
) -> Iterator[Violation]:
    """IAM029."""
    focus = ctx.resolved_focus(bucket)
    config, config_path = lookup(focus, "Properties.NotificationConfiguration")
    if not isinstance(config, dict):
        return
    name, _ = lookup(focus, "Properties.BucketName")
    source = Target(bucket.logical_id, bucket_arn(name, ctx))
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
            entry_path = child_source(entries, entries_path, index)
            for ref in target.refs:
                resource = ctx.template.resources.get(ref)
                if resource is None or resource.type not in types or not ctx.is_active(resource):
                    continue
                for problem, level in _notification_problems(bucket, resource, source, ctx):
                    args = {"resource": bucket.logical_id, "value": ref, "problem": problem}
                    yield Violation(child_source(entry, entry_path, prop), args, level=level)


def _notification_problems(
    bucket: Resource, target: Resource, source: Target, ctx: CheckContext
) -> Iterator[tuple[str, str | None]]:
    service = "s3.amazonaws.com"
    access = target_access(target, service, ctx, source)
    if access.state is False:
        yield _denied(access, service, _WHAT[target.type]), None
        return
    if access.state and not any(waits_for(ctx, bucket, g) for g in access.grants):
        grant = access.grants[0].logical_id
        yield (
            f"the bucket does not `DependsOn` `{grant}`, so CloudFormation may create the "
            "bucket first and fail to validate the destination",
            None,
        )
    for grant in access.grants:
        props = ctx.resolved_properties(grant)
        if (
            grant.type == "AWS::Lambda::Permission"
            and isinstance(props, dict)
            and props.get("SourceArn", ABSENT) is ABSENT
            and "SourceAccount" not in props
        ):
            yield (
                f"`{grant.logical_id}` sets neither `SourceArn` nor `SourceAccount`, so "
                "any bucket, in any account, may invoke the function",
                "warning",
            )
            break
    problem = key_problem(target, service, ctx)
    if problem is not None:
        yield problem, None


def sns_to_sqs_without_policy(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """IAM031: an SQS subscription whose queue does not let SNS send to it."""
    focus = ctx.resolved_focus(resource)
    if resource.type == "AWS::SNS::Subscription":
        props = focus.value.get("Properties")
        found = [(props, child_source(focus.value, focus.path, "Properties"))]
        topic = props.get("TopicArn") if isinstance(props, dict) else None
        source = target_of(topic, ("AWS::SNS::Topic",), ctx)
    else:
        entries, path = lookup(focus, "Properties.Subscription")
        items = entries if isinstance(entries, list) else []
        found = [(e, child_source(entries, path, i)) for i, e in enumerate(items)]
        source = Target(resource.logical_id, None)
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
            service = "sns.amazonaws.com"
            access = target_access(queue, service, ctx, source)
            problems = [_denied(access, service, "queue policy")] if access.state is False else []
            problems.append(key_problem(queue, service, ctx) or "")
            for problem in filter(None, problems):
                yield Violation(
                    child_source(entry, path, "Endpoint"),
                    {"resource": resource.logical_id, "value": ref, "problem": problem},
                )


# IAM032: targets EventBridge invokes through a resource policy, and targets it reaches
# only with `RoleArn`. https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html
_POLICY_TARGETS = (*_LAMBDA_TYPES, "AWS::SNS::Topic", "AWS::SQS::Queue")
_ROLE_TARGETS = (
    "AWS::Kinesis::Stream", "AWS::KinesisFirehose::DeliveryStream",
    "AWS::StepFunctions::StateMachine", "AWS::ECS::Cluster", "AWS::CodeBuild::Project",
    "AWS::CodePipeline::Pipeline",
)  # fmt: skip


def event_target_without_permission(rule: Resource, ctx: CheckContext) -> Iterator[Violation]:
    targets, path = lookup(ctx.resolved_focus(rule), "Properties.Targets")
    if not isinstance(targets, list):
        return
    service = "events.amazonaws.com"
    for index, target in enumerate(targets):
        if not isinstance(target, dict) or not isinstance(target.get("Arn"), Unknown):
            continue  # a literal ARN: its permission may live in another stack
        target_path = child_source(targets, path, index)
        for ref in target["Arn"].refs:
            resource = ctx.template.resources.get(ref)
            if resource is None or not ctx.is_active(resource):
                continue
            problems: list[str] = []
            if resource.type in _POLICY_TARGETS:
                access = target_access(resource, service, ctx, Target(rule.logical_id, None))
                if access.state is False:
                    problems.append(_denied(access, service, _WHAT[resource.type]))
                problems.append(key_problem(resource, service, ctx) or "")
            elif resource.type in _ROLE_TARGETS and "RoleArn" not in target:
                problems.append("the target has no `RoleArn` for EventBridge to call it with")
            for problem in filter(None, problems):
                yield Violation(
                    child_source(target, target_path, "Arn"),
                    {
                        "resource": rule.logical_id,
                        "value": ref,
                        "type": resource.type,
                        "problem": problem,
                    },
                )
