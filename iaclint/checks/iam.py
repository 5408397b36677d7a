"""IAM checks of policies, roles and API keys, built on the policy analyser in iaclint/iam.
Whether a target's resource policy lets its source deliver lives in iam_targets.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from iaclint.iam.policies import (
    PolicyDocument,
    Statement,
    grants,
    has_restricting_condition,
    is_wildcard,
    on_every_resource,
    policy_documents,
    principal_is_everyone,
)
from iaclint.iam.roles import effective_grants, managed_policy_name
from iaclint.load.document import Path
from iaclint.model.template import Resource
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import lookup
from iaclint.resolve.values import PLACEHOLDER, Unknown, child_source

# Actions that let a principal grant itself more permissions.
# https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_manage-attach-detach.html
ESCALATION_ACTIONS = (
    "iam:AddUserToGroup", "iam:AttachGroupPolicy", "iam:AttachRolePolicy",
    "iam:AttachUserPolicy", "iam:CreateAccessKey", "iam:CreateLoginProfile",
    "iam:CreatePolicyVersion", "iam:PutGroupPolicy", "iam:PutRolePolicy", "iam:PutUserPolicy",
    "iam:SetDefaultPolicyVersion", "iam:UpdateAssumeRolePolicy", "iam:UpdateLoginProfile",
)  # fmt: skip
SENSITIVE_SERVICES = ("iam", "kms", "sts")
WORKLOAD_ROLE_PROPERTIES = {
    "AWS::Lambda::Function": "Role",
    "AWS::ECS::TaskDefinition": "TaskRoleArn",
    "AWS::CodeBuild::Project": "ServiceRole",
    "AWS::StepFunctions::StateMachine": "RoleArn",
    "AWS::IAM::InstanceProfile": "Roles",
}


def _doc_args(doc: PolicyDocument) -> dict[str, Any]:
    return {"resource": doc.resource.logical_id, "type": doc.resource.type}


def _allow_statements(
    ctx: CheckContext, kinds: tuple[Any, ...] = ("identity", "resource")
) -> Iterator[tuple[PolicyDocument, Statement]]:
    for doc in policy_documents(ctx, kinds):
        for statement in doc.statements:
            if statement.allows:
                yield doc, statement


def _key(statement: Statement, key: str) -> Path:
    return statement.source(key)


def _shown(values: tuple[Any, ...] | None) -> str:
    return ", ".join(v for v in values or () if isinstance(v, str))


def allows_all_actions(ctx: CheckContext) -> Iterator[Violation]:
    for doc, statement in _allow_statements(ctx):
        if any(is_wildcard(a) for a in statement.actions):
            yield Violation(_key(statement, "Action"), _doc_args(doc), doc.resource.logical_id)


def _account_root(principal: Any) -> bool:
    """`{"AWS": "arn:aws:iam::123456789012:root"}` (or the account id): the default key
    policy statement that delegates to IAM, which AWS itself recommends."""
    if not isinstance(principal, dict) or set(principal) != {"AWS"}:
        return False
    for value in principal["AWS"]:
        text = value.partial if isinstance(value, Unknown) else value
        if not isinstance(text, str):
            return False
        if not (text.endswith(":root") or text.isdigit() or text == PLACEHOLDER):
            return False
    return True


def service_wildcard(ctx: CheckContext) -> Iterator[Violation]:
    for doc, statement in _allow_statements(ctx):
        if doc.resource.type == "AWS::KMS::Key" and _account_root(statement.principal):
            continue
        for action in statement.actions:
            if not isinstance(action, str) or is_wildcard(action):
                continue
            service, _, name = action.strip().partition(":")
            if name == "*":
                level = "error" if service.lower() in SENSITIVE_SERVICES else None
                yield Violation(
                    _key(statement, "Action"),
                    {**_doc_args(doc), "value": action.strip()},
                    doc.resource.logical_id,
                    level=level,
                )


def allow_with_not_action(ctx: CheckContext) -> Iterator[Violation]:
    for doc, statement in _allow_statements(ctx):
        for key, values in (
            ("NotAction", statement.not_actions),
            ("NotResource", statement.not_resources),
        ):
            if values is not None:
                yield Violation(
                    _key(statement, key),
                    {**_doc_args(doc), "key": key, "value": _shown(values)},
                    doc.resource.logical_id,
                )


def passrole_on_any_resource(ctx: CheckContext) -> Iterator[Violation]:
    for doc, statement in _allow_statements(ctx, ("identity",)):
        if any(is_wildcard(a) for a in statement.actions):
            continue  # IAM001 reports `*` already
        if grants(statement, "iam:PassRole") and on_every_resource(statement):
            yield Violation(_key(statement, "Action"), _doc_args(doc), doc.resource.logical_id)


def privilege_escalation(ctx: CheckContext) -> Iterator[Violation]:
    for doc, statement in _allow_statements(ctx, ("identity",)):
        broad = [a for a in statement.actions if is_wildcard(a) or _service_wide(a, "iam")]
        if broad or statement.not_actions is not None or not on_every_resource(statement):
            continue  # IAM001/IAM002/IAM003 report the broader grant
        found = [a for a in ESCALATION_ACTIONS if grants(statement, a)]
        if found:
            yield Violation(
                _key(statement, "Action"),
                {**_doc_args(doc), "value": ", ".join(found)},
                doc.resource.logical_id,
            )


def _service_wide(action: Any, service: str) -> bool:
    return isinstance(action, str) and action.strip().lower() == f"{service}:*"


def _open_statements(
    ctx: CheckContext, kinds: tuple[Any, ...], types: set[str] | None, exclude: set[str]
) -> Iterator[tuple[PolicyDocument, Statement]]:
    for doc, statement in _allow_statements(ctx, kinds):
        if doc.resource.type in exclude or (types is not None and doc.resource.type not in types):
            continue
        if (
            principal_is_everyone(statement.principal)
            and has_restricting_condition(statement) is False
        ):
            yield doc, statement


def trust_allows_anyone(ctx: CheckContext) -> Iterator[Violation]:
    for doc, statement in _open_statements(ctx, ("trust",), None, set()):
        yield Violation(_key(statement, "Principal"), _doc_args(doc), doc.resource.logical_id)


def resource_policy_allows_anyone(ctx: CheckContext) -> Iterator[Violation]:
    # S3 bucket policies (NET013) and KMS key policies (IAM008) have rules of their own.
    excluded = {"AWS::S3::BucketPolicy", "AWS::KMS::Key"}
    for doc, statement in _open_statements(ctx, ("resource",), None, excluded):
        yield Violation(_key(statement, "Principal"), _doc_args(doc), doc.resource.logical_id)


def kms_key_policy_allows_anyone(ctx: CheckContext) -> Iterator[Violation]:
    for doc, statement in _open_statements(ctx, ("resource",), {"AWS::KMS::Key"}, set()):
        yield Violation(_key(statement, "Principal"), _doc_args(doc), doc.resource.logical_id)


def bucket_policy_allows_anyone(ctx: CheckContext) -> Iterator[Violation]:
    for doc, statement in _open_statements(ctx, ("resource",), {"AWS::S3::BucketPolicy"}, set()):
        actions = _shown(statement.actions) or "NotAction " + _shown(statement.not_actions)
        # Public reads of a website bucket are often intended: a warning, not an error.
        level = "warning" if _read_only(statement) and _serves_website(ctx, doc.resource) else None
        yield Violation(
            _key(statement, "Principal"),
            {**_doc_args(doc), "value": actions},
            doc.resource.logical_id,
            level=level,
        )


def _read_only(statement: Statement) -> bool:
    actions = statement.actions
    return (
        statement.not_actions is None
        and bool(actions)
        and all(
            isinstance(a, str) and a.strip().lower().startswith(("s3:get", "s3:list"))
            for a in actions
        )
    )


def _serves_website(ctx: CheckContext, policy: Resource) -> bool:
    for bucket in ctx.query.targets(policy.logical_id, "AWS::S3::Bucket", "Bucket"):
        props = ctx.resolved_focus(bucket).value.get("Properties")
        if isinstance(props, dict) and "WebsiteConfiguration" in props:
            return True
    return False


# AWS managed policies that grant far more than one workload needs.
_ADMIN_POLICIES = {"AdministratorAccess"}


def broad_managed_policy(ctx: CheckContext) -> Iterator[Violation]:
    for resource in ctx.template.resources.values():
        if not ctx.is_active(resource):
            continue
        key = "Policies" if resource.type.startswith("AWS::Serverless::") else "ManagedPolicyArns"
        if resource.type not in (
            "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group",
            "AWS::Serverless::Function", "AWS::Serverless::StateMachine",
        ):  # fmt: skip
            continue
        focus = ctx.resolved_focus(resource)
        props = focus.value.get("Properties")
        if not isinstance(props, dict) or key not in props:
            continue
        props_path = child_source(focus.value, focus.path, "Properties")
        values = props[key] if isinstance(props[key], list) else [props[key]]
        base = child_source(props, props_path, key)
        for index, value in enumerate(values):
            name = managed_policy_name(value) if isinstance(value, str) else None
            if name is None or not _is_broad(name):
                continue
            path = child_source(props[key], base, index) if isinstance(props[key], list) else base
            level = "error" if name in _ADMIN_POLICIES else None
            yield Violation(
                path,
                {"resource": resource.logical_id, "value": name},
                resource.logical_id,
                level=level,
            )


def _is_broad(name: str) -> bool:
    return name in ("AdministratorAccess", "PowerUserAccess") or name.endswith("FullAccess")


def workload_role_is_admin(ctx: CheckContext) -> Iterator[Violation]:
    """A workload whose role, with everything attached to it through the graph, may do
    anything: the role's own policies, `AWS::IAM::Policy`/`ManagedPolicy` resources that
    name it in `Roles`, and AWS managed policies by ARN."""
    roles = {r.logical_id: r for r in ctx.template.resources.values() if r.type == "AWS::IAM::Role"}
    admin_source: dict[str, str | None] = {}
    for resource in ctx.template.resources.values():
        prop = WORKLOAD_ROLE_PROPERTIES.get(resource.type)
        if prop is None or not ctx.is_active(resource):
            continue
        for role in ctx.query.targets(resource.logical_id, "AWS::IAM::Role", prop):
            if role.logical_id not in admin_source:
                admin_source[role.logical_id] = _admin_grant_source(ctx, roles[role.logical_id])
            source = admin_source[role.logical_id]
            if source is None:
                continue
            focus = ctx.resolved_focus(resource)
            path = child_source(focus.value, focus.path, "Properties")
            yield Violation(
                (*path, prop),
                {"resource": resource.logical_id, "role": role.logical_id, "source": source},
                resource.logical_id,
            )


def _admin_grant_source(ctx: CheckContext, role: Resource) -> str | None:
    for grant in effective_grants(ctx, role):
        statement = grant.statement
        if not on_every_resource(statement):
            continue
        if any(is_wildcard(a) for a in statement.actions):
            return grant.source
    return None


# The types that attach permissions to IAM users (IAM011).
_USER_PERMISSION_TYPES = frozenset(
    {"AWS::IAM::User", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::UserPolicy"}
)


def permissions_on_users(ctx: CheckContext) -> Iterator[Violation]:
    for resource in ctx.template.resources.values():
        if resource.type not in _USER_PERMISSION_TYPES or not ctx.is_active(resource):
            continue
        focus = ctx.resolved_focus(resource)
        props = focus.value.get("Properties")
        if not isinstance(props, dict):
            continue
        props_path = child_source(focus.value, focus.path, "Properties")
        keys: tuple[str, ...] = ()
        if resource.type == "AWS::IAM::User":
            keys = ("Policies", "ManagedPolicyArns")
        elif resource.type in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            keys = ("Users",)
        elif resource.type == "AWS::IAM::UserPolicy":
            yield Violation(
                (*resource.path, "Type"), {"resource": resource.logical_id, "key": "UserPolicy"}
            )
            continue
        for key in keys:
            value = props.get(key)
            # Any entry attaches permissions to users, even one whose name is unknown.
            if isinstance(value, list) and value:
                yield Violation(
                    child_source(props, props_path, key),
                    {"resource": resource.logical_id, "key": key},
                    at_key=True,
                )


def role_shared_by_workloads(role: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """IAM026: one role assumed by several workloads gives each the union of their needs."""
    users: dict[str, Resource] = {}
    for workload_type, prop in WORKLOAD_ROLE_PROPERTIES.items():
        for user in ctx.query.referrers(role.logical_id, workload_type, prop):
            if ctx.is_active(user) and _uses_role(user, prop, role.logical_id, ctx):
                users[user.logical_id] = user
    if len(users) < 2:
        return
    names = ", ".join(f"`{name}`" for name in sorted(users))
    yield Violation(
        (*role.path, "Type"),
        {"resource": role.logical_id, "value": names, "count": len(users)},
        at_key=True,
    )


def _uses_role(user: Resource, prop: str, role: str, ctx: CheckContext) -> bool:
    """Does the property name the role in this scenario (the graph has every `Fn::If` branch)?"""
    value, _ = lookup(ctx.resolved_focus(user), f"Properties.{prop}")
    values = value if isinstance(value, list) else [value]
    return any(isinstance(v, Unknown) and role in v.refs for v in values)
