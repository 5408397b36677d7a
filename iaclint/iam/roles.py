"""A role's effective permissions: its own policies, the policy resources attached to it
through the graph, and AWS managed policies by name."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from iaclint.iam.policies import PolicyDocument, Statement, policy_documents
from iaclint.load.document import Path
from iaclint.resolve.values import Unknown, child_source

if TYPE_CHECKING:
    from iaclint.model.template import Resource
    from iaclint.policy.context import CheckContext

_MANAGED_ARN = re.compile(r"^arn:[^:]*:iam::aws:policy/(?:.*/)?([^/]+)$")

# What the broad AWS managed policies grant, as the statements that matter here.
# https://docs.aws.amazon.com/aws-managed-policy/latest/reference/policy-list.html
_BROAD_MANAGED: dict[str, tuple[dict[str, Any], ...]] = {
    "AdministratorAccess": ({"Action": ("*",)},),
    "PowerUserAccess": ({"NotAction": ("iam:*", "organizations:*", "account:*")},),
    "IAMFullAccess": ({"Action": ("iam:*",)},),
}

# AWS managed policies that let a workload write its logs and traces (rules LOG020, LOG021):
# only those statements; any other AWS managed policy is unknown to `grants_known`.
# https://docs.aws.amazon.com/lambda/latest/dg/permissions-executionrole.html
_LOGS_WRITE = ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents")
_XRAY_WRITE = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
_SERVICE_MANAGED: dict[str, tuple[dict[str, Any], ...]] = {
    **{
        name: ({"Action": _LOGS_WRITE},)
        for name in (
            "AWSLambdaBasicExecutionRole",
            "AWSLambdaBasicDurableExecutionRolePolicy",
            "AWSLambdaVPCAccessExecutionRole",
            "AWSLambdaKinesisExecutionRole",
            "AWSLambdaDynamoDBExecutionRole",
            "AWSLambdaSQSQueueExecutionRole",
            "AWSLambdaMSKExecutionRole",
        )
    },
    "AWSLambdaExecute": ({"Action": ("logs:*",)},),
    "CloudWatchLogsFullAccess": ({"Action": ("logs:*",)},),
    "AWSXRayDaemonWriteAccess": ({"Action": _XRAY_WRITE},),
    "AWSXrayWriteOnlyAccess": ({"Action": _XRAY_WRITE},),
    "AWSXrayFullAccess": ({"Action": ("xray:*",)},),
    # ECS agent: pull from ECR and write awslogs; nothing for secrets (rule IAM028).
    # https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html
    "AmazonECSTaskExecutionRolePolicy": (
        {
            "Action": (
                "ecr:GetAuthorizationToken",
                "ecr:BatchCheckLayerAvailability",
                "ecr:GetDownloadUrlForLayer",
                "ecr:BatchGetImage",
                *_LOGS_WRITE[1:],
            )
        },
    ),
}


def managed_policy_name(value: Any) -> str | None:
    """`arn:aws:iam::aws:policy/service-role/X` -> `X`; SAM also takes the bare name."""
    if not isinstance(value, str):
        return None
    match = _MANAGED_ARN.match(value.strip())
    if match:
        return match.group(1)
    return value.strip() if re.fullmatch(r"[A-Za-z0-9+=,.@_-]+", value.strip()) else None


def managed_statements(name: str, path: Path) -> tuple[Statement, ...]:
    return tuple(
        Statement(
            effect="Allow",
            actions=grant.get("Action", ()),
            not_actions=grant.get("NotAction"),
            resources=("*",),
            not_resources=None,
            principal=None,
            not_principal=None,
            condition=None,
            path=path,
        )
        for grant in _BROAD_MANAGED.get(name) or _SERVICE_MANAGED.get(name, ())
    )


@dataclass(frozen=True, slots=True)
class Grant:
    """A statement in a role's effective permissions and where it comes from."""

    statement: Statement
    source: str  # e.g. "inline policy", "`AWS::IAM::Policy` `AppPolicy`", "AWS managed `X`"


def effective_grants(ctx: CheckContext, role: Resource) -> list[Grant]:
    grants: list[Grant] = []
    identity = list(policy_documents(ctx, ("identity",)))
    for doc in identity:
        if doc.resource.logical_id == role.logical_id:
            grants.extend(Grant(s, "its inline policy") for s in doc.statements)
    attached = {r.logical_id for r in ctx.query.policies_attached_to(role.logical_id)}
    for doc in identity:
        if doc.resource.logical_id in attached:
            label = f"`{doc.resource.type}` `{doc.resource.logical_id}`"
            grants.extend(Grant(s, label) for s in doc.statements)
    focus = ctx.resolved_focus(role)
    props = focus.value.get("Properties", {})
    arns = props.get("ManagedPolicyArns") if isinstance(props, dict) else None
    if isinstance(arns, list):
        props_path = child_source(focus.value, focus.path, "Properties")
        base = child_source(props, props_path, "ManagedPolicyArns")
        for index, arn in enumerate(arns):
            path = child_source(arns, base, index)
            name = managed_policy_name(arn)
            if name is not None:
                grants.extend(
                    Grant(s, f"AWS managed policy `{name}`") for s in managed_statements(name, path)
                )
            elif isinstance(arn, Unknown):
                for ref in arn.refs:
                    grants.extend(_template_managed(identity, ref))
    return grants


def _template_managed(identity: list[PolicyDocument], logical_id: str) -> list[Grant]:
    return [
        Grant(s, f"`AWS::IAM::ManagedPolicy` `{logical_id}`")
        for doc in identity
        if doc.resource.logical_id == logical_id and doc.resource.type == "AWS::IAM::ManagedPolicy"
        for s in doc.statements
    ]


def grants_known(ctx: CheckContext, role: Resource) -> bool:
    """Does `effective_grants` see every Allow the role may have? False when a policy
    document, an action, a managed policy ARN that is not in the maps above, or a policy
    resource's `Roles` (which might name this role) cannot be read."""
    from iaclint.policy.language import contains_unknown

    props = ctx.resolved_properties(role)
    if not isinstance(props, dict):
        return False
    attached = ctx.query.policies_attached_to(role.logical_id)
    documents: list[Any] = []
    inline = props.get("Policies", [])
    if not isinstance(inline, list):
        return False
    documents.extend(
        item.get("PolicyDocument") if isinstance(item, dict) else item for item in inline
    )
    for policy in attached:
        if ctx.is_active(policy):
            documents.append(ctx.resolved_properties(policy).get("PolicyDocument"))
    for document in documents:
        statement = document.get("Statement") if isinstance(document, dict) else None
        items = statement if isinstance(statement, list) else [statement]
        for item in items:
            if not isinstance(item, dict) or any(
                contains_unknown(item.get(key)) for key in ("Effect", "Action", "NotAction")
            ):
                return False
    arns = props.get("ManagedPolicyArns", [])
    if not isinstance(arns, list):
        return False
    for arn in arns:
        name = managed_policy_name(arn)
        if name in _BROAD_MANAGED or name in _SERVICE_MANAGED:
            continue
        if (
            not isinstance(arn, Unknown)
            or not arn.refs
            or not all(
                getattr(ctx.template.resources.get(ref), "type", None) == "AWS::IAM::ManagedPolicy"
                for ref in arn.refs
            )
        ):
            return False
    return not _might_attach_elsewhere(ctx, role, attached)


def _might_attach_elsewhere(ctx: CheckContext, role: Resource, attached: list[Resource]) -> bool:
    """A policy resource whose `Roles`/`RoleName` holds a name or value the graph cannot tie
    to a template role might be attached to this one."""
    from iaclint.graph.query import IAM_POLICY_TYPES

    own_name = ctx.resolved_properties(role).get("RoleName")
    for policy in ctx.template.resources.values():
        if policy.type not in IAM_POLICY_TYPES or policy in attached or not ctx.is_active(policy):
            continue
        props = ctx.resolved_properties(policy)
        if not isinstance(props, dict):
            return True
        names = props.get("Roles", [])
        names = [*(names if isinstance(names, list) else [names]), props.get("RoleName")]
        for name in names:
            if isinstance(name, Unknown):
                if not any(ref in ctx.template.resources for ref in name.refs):
                    return True
            elif isinstance(name, str) and (name == own_name or isinstance(own_name, Unknown)):
                return True
    return False
