"""Python checks of the logging (LOG) rules about what functions report: whether a request
path is traced end to end, and whether a function's role can write its logs and traces.
Every check answers "no finding" when a value or a related resource cannot be known."""

from __future__ import annotations

from collections.abc import Iterator

from iaclint.checks.common import as_text, present_parent
from iaclint.checks.logging_common import named_resources
from iaclint.model.template import Resource
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import contains_unknown, lookup, same_value
from iaclint.resolve.values import ABSENT

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
    roles = named_resources(value, ctx, ("AWS::IAM::Role",))
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
