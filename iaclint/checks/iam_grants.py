"""IAM checks of what a role attached to a workload may do: an ECS task's execution role and
the secrets it must read (IAM028), and an identity pool's guest role (IAM030)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from iaclint.checks.common import items_with_paths
from iaclint.checks.logging_common import named_resources
from iaclint.findings.finding import format_property_path
from iaclint.iam.access import Target, key_policy_admits, role_allows, target_of
from iaclint.load.document import Path
from iaclint.model.template import Resource
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import lookup, same_value
from iaclint.resolve.resolver import partition_for
from iaclint.resolve.values import ABSENT, PLACEHOLDER, Unknown, child_source

# -- IAM028: the task execution role exists and may read the secrets ----------------------
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html
_SECRET = "AWS::SecretsManager::Secret"
_PARAMETER = "AWS::SSM::Parameter"
_ACTIONS = {_SECRET: "secretsmanager:GetSecretValue", _PARAMETER: "ssm:GetParameters"}


def _references(container: Any, path: Path) -> Iterator[tuple[Any, Path]]:
    """Every secret reference of a container definition, with its source path."""
    if not isinstance(container, dict):
        return
    for key, parent in (
        ("Secrets", container),
        ("SecretOptions", container.get("LogConfiguration")),
    ):
        if not isinstance(parent, dict):
            continue
        base = path if parent is container else child_source(container, path, "LogConfiguration")
        items = parent.get(key)
        for item, where in items_with_paths(items, child_source(parent, base, key)):
            if isinstance(item, dict) and "ValueFrom" in item:
                yield item["ValueFrom"], child_source(item, where, "ValueFrom")
    credentials = container.get("RepositoryCredentials")
    if isinstance(credentials, dict) and "CredentialsParameter" in credentials:
        where = child_source(container, path, "RepositoryCredentials")
        yield (
            credentials["CredentialsParameter"],
            child_source(credentials, where, "CredentialsParameter"),
        )


def _needs(container: Any, path: Path, fargate: bool) -> Path | None:
    """Where a container definition needs an execution role, or None."""
    if not isinstance(container, dict):
        return None
    for key, parent in (
        ("Secrets", container),
        ("CredentialsParameter", container.get("RepositoryCredentials")),
        ("SecretOptions", container.get("LogConfiguration")),
    ):
        value = parent.get(key) if isinstance(parent, dict) else None
        if (isinstance(value, list) and value) or (key == "CredentialsParameter" and value):
            return _path_of(container, path, key)
    if fargate:
        log = container.get("LogConfiguration")
        if isinstance(log, dict) and same_value(log.get("LogDriver"), "awslogs"):
            return _path_of(container, path, "LogDriver")
        image = container.get("Image")
        if isinstance(image, str) and ".dkr.ecr." in image:
            return child_source(container, path, "Image")
    return None


def _path_of(container: dict[str, Any], path: Path, key: str) -> Path:
    parent = {"CredentialsParameter": "RepositoryCredentials", "SecretOptions": "LogConfiguration",
              "LogDriver": "LogConfiguration"}.get(key)  # fmt: skip
    if parent is None:
        return child_source(container, path, key)
    return child_source(container[parent], child_source(container, path, parent), key)


def ecs_execution_role(task: Resource, ctx: CheckContext) -> Iterator[Violation]:
    focus = ctx.resolved_focus(task)
    containers, containers_path = lookup(focus, "Properties.ContainerDefinitions")
    role_value, _ = lookup(focus, "Properties.ExecutionRoleArn")
    if role_value is ABSENT:
        compat, _ = lookup(focus, "Properties.RequiresCompatibilities")
        fargate = isinstance(compat, list) and any(same_value(c, "FARGATE") for c in compat)
        for container, path in items_with_paths(containers, containers_path):
            where = _needs(container, path, fargate)
            if where is not None:
                shown = format_property_path(where[where.index("Properties") :])
                problem = f"has no `ExecutionRoleArn`, but `{shown}` needs one"
                yield Violation(where, {"resource": task.logical_id, "problem": problem})
        return
    roles = named_resources(role_value, ctx, ("AWS::IAM::Role",))
    if len(roles) != 1:
        return  # a role from a parameter, an import or another stack is unknown
    for container, path in items_with_paths(containers, containers_path):
        for value, where in _references(container, path):
            for problem in _unauthorized(ctx, roles[0], value):
                yield Violation(where, {"resource": task.logical_id, "problem": problem})


def _arn_target(text: str) -> tuple[str, Target, Resource | None] | None:
    parts = text.split(":")
    if len(parts) >= 7 and parts[2] == "secretsmanager":
        # `arn:...:secret:name-AbCdEf:json-key:stage:version` names the secret.
        return _SECRET, Target(None, ":".join(parts[:7])), None
    if len(parts) >= 6 and parts[2] == "ssm":
        return _PARAMETER, Target(None, text), None
    return None


def _secret_target(ctx: CheckContext, value: Any) -> tuple[str, Target, Resource | None] | None:
    """(resource type, target, template resource) of a `ValueFrom`; None when unknown."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("arn:"):
            return _arn_target(text)
        if not text or PLACEHOLDER in text:
            return None
        # A parameter name in the task's own Region and account.
        region = ctx.resolver.region
        partition = partition_for(region)[0]
        arn = f"arn:{partition}:ssm:{region}:{PLACEHOLDER}:parameter/{text.lstrip('/')}"
        return _PARAMETER, Target(None, arn), None
    target = target_of(value, (_SECRET, _PARAMETER), ctx)
    if target is None or target.logical_id is None:
        # An ARN built with `Fn::Sub` from pseudo parameters (`${AWS::AccountId}`): its
        # known parts still decide a role that may read no such secret or parameter at all.
        partial = value.partial if isinstance(value, Unknown) else None
        if target is None and isinstance(partial, str) and partial.startswith("arn:"):
            return _arn_target(partial)
        return None
    resource = ctx.template.resources[target.logical_id]
    if not ctx.is_active(resource):
        return None
    return resource.type, target, resource


def _resource_policy_might_grant(ctx: CheckContext, target: Target) -> bool:
    """A secret's resource policy can grant the role in the same account, too."""
    for policy in ctx.template.resources.values():
        if policy.type != "AWS::SecretsManager::ResourcePolicy" or not ctx.is_active(policy):
            continue
        secret, _ = lookup(ctx.resolved_focus(policy), "Properties.SecretId")
        if not isinstance(secret, Unknown) or target.logical_id is None:
            return True
        if target.logical_id in secret.refs or not secret.refs:
            return True
        if not any(ref in ctx.template.resources for ref in secret.refs):
            return True
    return False


def _unauthorized(ctx: CheckContext, role: Resource, value: Any) -> Iterator[str]:
    found = _secret_target(ctx, value)
    if found is None:
        return
    rtype, target, resource = found
    action = _ACTIONS[rtype]
    if rtype == _SECRET and _resource_policy_might_grant(ctx, target):
        return
    if target.logical_id:
        shown = f"`{target.logical_id}`"
    elif isinstance(value, str):
        shown = f"`{value}`"
    else:  # an ARN with parts known only at deploy time, shown as `*`
        shown = f"`{(target.arn or '').replace(PLACEHOLDER, '*')}`"
    if role_allows(ctx, role, action, target) is False:
        role_id = role.logical_id
        yield f"reads {shown}, but its execution role `{role_id}` may not call `{action}` on it"
        return
    if resource is None or rtype != _SECRET:
        return
    key_value, _ = lookup(ctx.resolved_focus(resource), "Properties.KmsKeyId")
    keys = named_resources(key_value, ctx, ("AWS::KMS::Key",))
    if len(keys) != 1:
        return  # the AWS managed key, or a key the template does not define
    key = keys[0]
    grant = role_allows(ctx, role, "kms:Decrypt", Target(key.logical_id, None))
    if grant is False and key_policy_admits(ctx, key, "kms:Decrypt", role=role) is False:
        yield (
            f"reads {shown}, encrypted with key `{key.logical_id}`, but its execution role "
            f"`{role.logical_id}` may not call `kms:Decrypt` on the key"
        )


# -- IAM030: what the identity pool's guest role may do ---------------------------------
# https://docs.aws.amazon.com/cognito/latest/developerguide/iam-roles.html
# Verbs of actions that only read. Any other verb (Put, Create, Delete, Invoke, Publish,
# Send, ...) can change something, and so can an `iam:` action or a wildcard beyond them.
_READ_VERBS = (
    "get", "list", "describe", "batchget", "query", "scan", "search", "select", "view",
    "read", "lookup", "head", "check", "detect", "filter", "calculate",
)  # fmt: skip


# What the console's default guest role allows: analytics events and the identity's own
# Cognito Sync data, which the service scopes to the caller.
_GUEST_DEFAULTS = ("mobileanalytics:putevents", "cognito-sync:*", "cognito-identity:*")


def _risky_action(action: Any) -> bool:
    """An action that writes, reaches IAM, or is a wildcard that covers writes."""
    if not isinstance(action, str):
        return False
    text = action.strip().lower()
    if text in _GUEST_DEFAULTS:
        return False
    if text == "*" or text.startswith("iam:"):
        return True
    service, _, name = text.partition(":")
    if not service or not name:
        return False
    verb = name.split("*", 1)[0]
    if "*" in name and not verb.startswith(_READ_VERBS):
        return True  # `s3:*`, `dynamodb:*Item`, `s3:Put*`
    return not name.startswith(_READ_VERBS)


def identity_pool_guest_access(pool: Resource, ctx: CheckContext) -> Iterator[Violation]:
    allow, where = lookup(ctx.resolved_focus(pool), "Properties.AllowUnauthenticatedIdentities")
    if not same_value(allow, True):
        return
    args = {"resource": pool.logical_id, "value": "true", "detail": ""}
    risky = _guest_role_risk(pool, ctx)
    if risky is None:
        yield Violation(where, args)
        return
    role, action, source = risky
    detail = f", and its guest role `{role}` allows `{action}` ({source})"
    yield Violation(where, {**args, "detail": detail}, level="error")


def _guest_role_risk(pool: Resource, ctx: CheckContext) -> tuple[str, str, str] | None:
    """(role, action, where it is granted) for a write, `iam:` or wildcard grant of the
    pool's unauthenticated role; None when there is none or it cannot be told."""
    from iaclint.iam.roles import effective_grants

    for attachment in ctx.query.referrers(
        pool.logical_id, "AWS::Cognito::IdentityPoolRoleAttachment", "IdentityPoolId"
    ):
        if not ctx.is_active(attachment):
            continue
        value, _ = lookup(ctx.resolved_focus(attachment), "Properties.Roles.unauthenticated")
        for role in named_resources(value, ctx, ("AWS::IAM::Role",)):
            for grant in effective_grants(ctx, role):
                statement = grant.statement
                if not statement.allows:
                    continue
                if statement.not_actions is not None:
                    return role.logical_id, "NotAction", grant.source
                for action in statement.actions:
                    if _risky_action(action):
                        return role.logical_id, str(action).strip(), grant.source
    return None
