"""Dead letters: asynchronously invoked Lambda functions without a failure destination
(HA011), and the predicates that tell dead-letter queues apart for HA009."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from iaclint.checks.availability import get, present, type_path
from iaclint.model.template import Resource
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import FALSE, Focus, Result, Tri, lookup, same_value
from iaclint.resolve.values import Unknown

# -- HA011 ---------------------------------------------------------------------------
# Services that invoke Lambda asynchronously, by the principal of their permission.
# https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html
# (`iot.amazonaws.com` is left out: IoT custom authorizers are invoked synchronously.)
_ASYNC_PRINCIPAL = re.compile(
    r"^(s3|sns|events)\.amazonaws\.com$|^logs(\.[a-z0-9-]+)?\.amazonaws\.com(\.cn)?$"
)
# SAM event source types that Lambda receives asynchronously.
SAM_ASYNC_EVENTS = (
    "S3", "SNS", "EventBridgeRule", "CloudWatchEvent", "Schedule", "CloudWatchLogs", "IoTRule",
)  # fmt: skip


def _callable_names(ctx: CheckContext, function: Resource) -> list[str]:
    """The function and the aliases and versions that run its code."""
    wrappers = ctx.query.referrers(
        function.logical_id, ("AWS::Lambda::Alias", "AWS::Lambda::Version"), "FunctionName"
    )
    return [function.logical_id, *(w.logical_id for w in wrappers)]


def _has_failure_destination(ctx: CheckContext, function: Resource) -> bool:
    """A dead-letter queue or an on-failure destination, set or possibly set."""
    focus = ctx.resolved_focus(function)
    for path in (
        "Properties.DeadLetterConfig.TargetArn",
        "Properties.DeadLetterQueue",  # SAM
        "Properties.EventInvokeConfig.DestinationConfig.OnFailure",  # SAM
    ):
        if present(lookup(focus, path)[0]):
            return True
    if function.type.startswith("AWS::Serverless::") and isinstance(
        ctx.template.data.get("Globals"), dict
    ):
        globals_ = ctx.resolver.resolve(ctx.template.data["Globals"], ("Globals",))
        for path in (
            "Function.DeadLetterQueue",
            "Function.EventInvokeConfig.DestinationConfig.OnFailure",
        ):
            if present(lookup(Focus(globals_, ("Globals",)), path)[0]):
                return True
    names = _callable_names(ctx, function)
    for config in ctx.template.resources.values():
        if config.type != "AWS::Lambda::EventInvokeConfig" or not ctx.is_active(config):
            continue
        target = get(ctx, config, "Properties.FunctionName")[0]
        refs = (
            set(target.refs) & set(ctx.template.resources) if isinstance(target, Unknown) else set()
        )
        if refs and not refs & set(names):
            continue  # another function of the template
        if isinstance(target, str) and not _names_function(ctx, function, target):
            continue  # another function, by name or ARN
        destination = get(ctx, config, "Properties.DestinationConfig.OnFailure.Destination")[0]
        if present(destination):
            return True
    return False


def _names_function(ctx: CheckContext, function: Resource, target: str) -> bool:
    """Does a literal name or ARN (`...:function:NAME[:QUALIFIER]`) name this function?"""
    name = get(ctx, function, "Properties.FunctionName")[0]
    if isinstance(name, Unknown):
        return True  # it might
    if not isinstance(name, str):
        return False  # CloudFormation generates the name
    parts = target.split(":")
    named = parts[parts.index("function") + 1] if "function" in parts[:-1] else parts[0]
    return named == name


def _async_source(ctx: CheckContext, function: Resource) -> str | None:
    """How the function is invoked asynchronously, for the message; None if it is not."""
    if function.type == "AWS::Serverless::Function":
        events = get(ctx, function, "Properties.Events")[0]
        for name, event in events.items() if isinstance(events, dict) else ():
            kind = event.get("Type") if isinstance(event, dict) else None
            if isinstance(kind, str) and kind in SAM_ASYNC_EVENTS:
                return f"by its `{kind}` event `{name}`"
    query = ctx.query
    for name in _callable_names(ctx, function):
        for permission in query.referrers(name, "AWS::Lambda::Permission", "FunctionName"):
            principal = get(ctx, permission, "Properties.Principal")[0]
            if (
                ctx.is_active(permission)
                and isinstance(principal, str)
                and _ASYNC_PRINCIPAL.match(principal)
            ):
                return f"by `{principal}`, allowed in `{permission.logical_id}`"
        sources = (
            ("AWS::S3::Bucket", "NotificationConfiguration.LambdaConfigurations", "S3 bucket"),
            ("AWS::Events::Rule", "Targets.Arn", "EventBridge rule"),
            ("AWS::SNS::Subscription", "Endpoint", "SNS subscription"),
            ("AWS::SNS::Topic", "Subscription", "SNS topic"),
            ("AWS::IoT::TopicRule", "TopicRulePayload.Actions.Lambda", "IoT topic rule"),
        )
        for kind, via, label in sources:
            for source in query.referrers(name, kind, via):
                if ctx.is_active(source) and _lambda_protocol(ctx, source, name):
                    return f"by {label} `{source.logical_id}`"
    return None


def _lambda_protocol(ctx: CheckContext, source: Resource, name: str) -> bool:
    """SNS sources deliver to a function only through the `lambda` protocol."""
    if source.type == "AWS::SNS::Subscription":
        return same_value(get(ctx, source, "Properties.Protocol")[0], "lambda")
    if source.type == "AWS::SNS::Topic":
        subscriptions = get(ctx, source, "Properties.Subscription")[0]
        return any(
            isinstance(s, dict)
            and same_value(s.get("Protocol"), "lambda")
            and isinstance(s.get("Endpoint"), Unknown)
            and name in s["Endpoint"].refs
            for s in (subscriptions if isinstance(subscriptions, list) else ())
        )
    return True


def async_lambda_without_dlq(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    if _has_failure_destination(ctx, resource):
        return
    source = _async_source(ctx, resource)
    if source is not None:
        yield Violation(
            type_path(resource),
            {"resource": resource.logical_id, "source": source},
            at_key=True,
        )


# -- HA009 predicate ------------------------------------------------------------------
_DLQ_NAME = re.compile(r"dlq|dead[-_ ]?letter", re.IGNORECASE)


def named_as_dead_letter_queue(evaluator: Any, focus: Focus, node: dict[str, Any]) -> Result:
    """The queue's logical id says it is a dead-letter queue, used by something the template
    cannot show (another stack, a state machine, application code)."""
    resource = focus.resource
    if resource is not None and _DLQ_NAME.search(resource.logical_id):
        return Result(Tri.TRUE)
    return FALSE


# Where each type names a dead-letter queue (property paths without list indices).
_DLQ_USERS = {
    "AWS::SQS::Queue": r"RedrivePolicy",
    "AWS::SNS::Subscription": r"RedrivePolicy",
    "AWS::Lambda::Function": r"DeadLetterConfig",
    "AWS::Serverless::Function": r"DeadLetterQueue|EventInvokeConfig\.DestinationConfig\.OnFailure"
    r"|Events\.[^.]+\.Properties\.(DeadLetterConfig|DestinationConfig\.OnFailure)",
    "AWS::Lambda::EventInvokeConfig": r"DestinationConfig\.OnFailure",
    "AWS::Lambda::EventSourceMapping": r"DestinationConfig\.OnFailure",
    "AWS::Events::Rule": r"Targets\.DeadLetterConfig",
    "AWS::Scheduler::Schedule": r"Target\.DeadLetterConfig",
    "AWS::Pipes::Pipe": r"SourceParameters\.[^.]+\.DeadLetterConfig",
}
_DLQ_PATHS = {kind: re.compile(rf"(?:{pattern})(?:\.|$)") for kind, pattern in _DLQ_USERS.items()}


def _untraced_unknowns(value: Any, dotted: str, names: set[str]) -> Iterator[str]:
    """Property paths of unknown values that point at no template resource."""
    if isinstance(value, Unknown):
        if not set(value.refs) & names:
            yield dotted
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _untraced_unknowns(item, f"{dotted}.{key}" if dotted else key, names)
    elif isinstance(value, list):
        for item in value:
            yield from _untraced_unknowns(item, dotted, names)


def used_as_dead_letter_queue(evaluator: Any, focus: Focus, node: dict[str, Any]) -> Result:
    """Another resource names this queue as its dead-letter queue or on-failure destination:
    TRUE; UNKNOWN when such a reference cannot be resolved and might mean this queue."""
    ctx: CheckContext = evaluator.ctx
    queue = focus.resource
    if queue is None:
        return FALSE
    referrers = ctx.index.predecessors.get(("Resources", queue.logical_id), {})
    for source, refs in referrers.items():
        user = ctx.template.resources.get(source[1]) if source[0] == "Resources" else None
        if user is None or not ctx.is_active(user):
            continue
        pattern = _DLQ_PATHS.get(user.type)
        if pattern is None:
            continue
        if any(pattern.match(ref.property_path) for ref in refs):
            return Result(Tri.TRUE)
    suspects = ctx.memo("availability:dlq-untraced", lambda: _untraced_dlq_users(ctx))
    if any(logical_id != queue.logical_id for logical_id in suspects):
        return Result(Tri.UNKNOWN)
    return FALSE


def _untraced_dlq_users(ctx: CheckContext) -> list[str]:
    """The active resources whose dead-letter setting holds a value that points at no
    template resource, so it might name any queue; computed once per scenario, not per
    queue (that made a template with 500 queues cost 500 x 500 lookups)."""
    names = set(ctx.template.resources)
    found = []
    for user in ctx.template.resources.values():
        pattern = _DLQ_PATHS.get(user.type)
        if pattern is None or not ctx.is_active(user):
            continue
        properties = lookup(ctx.resolved_focus(user), "Properties")[0]
        if any(pattern.match(p) for p in _untraced_unknowns(properties, "", names)):
            found.append(user.logical_id)
    return found
