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
        for grant in _BROAD_MANAGED.get(name, ())
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
