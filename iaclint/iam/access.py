"""Three-valued answers about access between resources: may a role call an action on a
given resource, does a role trust a service, does a KMS key policy let a service (or a role)
use the key. True and False are certain; None means the template cannot tell (a policy, a
resource ARN or a principal that cannot be read), and is never a finding."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from iaclint.iam.policies import Statement, admits, grants, is_wildcard, statements
from iaclint.resolve.values import PLACEHOLDER, Unknown

if TYPE_CHECKING:
    from iaclint.model.template import Resource
    from iaclint.policy.context import CheckContext

# Resources whose attributes can stand for any ARN (nested stack outputs, custom resources).
_OPAQUE_TYPES = ("AWS::CloudFormation::Stack", "AWS::CloudFormation::CustomResource")


@dataclass(frozen=True, slots=True)
class Target:
    """A resource an action is called on: the template resource it is (if any) and its ARN,
    known or with PLACEHOLDER for the parts only known at deploy time (None: unknown)."""

    logical_id: str | None
    arn: str | None


def target_of(value: Any, types: tuple[str, ...], ctx: CheckContext) -> Target | None:
    """The target a resolved ARN or reference names: a literal, or one template resource of
    these types (with the known parts of the ARN). None when it names none of them."""
    if isinstance(value, str):
        return Target(None, value.strip())
    if not isinstance(value, Unknown):
        return None
    named = [
        ref
        for ref in value.refs
        if ref in ctx.template.resources and ctx.template.resources[ref].type in types
    ]
    return Target(named[0], value.partial) if len(named) == 1 else None


def bucket_arn(name: Any, ctx: CheckContext) -> str | None:
    """A bucket's ARN from its resolved `BucketName` (known parts only), or None."""
    from iaclint.resolve.resolver import partition_for

    partition = partition_for(ctx.resolver.region)[0]
    if isinstance(name, str):
        return f"arn:{partition}:s3:::{name}"
    if isinstance(name, Unknown) and name.partial is not None:
        return f"arn:{partition}:s3:::{name.partial}"
    return None


def _glob(pattern: str, text: str) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, text, re.S) is not None


def _segment_match(pattern: str, value: str) -> bool | None:
    if PLACEHOLDER in pattern:
        # A deploy-time part of the policy's ARN might be anything: a match is only possible.
        widened = pattern.replace(PLACEHOLDER, "*")
        if PLACEHOLDER in value or _glob(widened, value):
            return None
        return False
    if PLACEHOLDER in value:
        if _glob(pattern, value.replace(PLACEHOLDER, "\x00")) and "*" in pattern:
            return True  # the pattern's wildcard covers the unknown part
        if not re.search(r"[*?]", pattern):
            # A literal pattern matches only if the unknown part can make the value equal it.
            regex = ".*".join(re.escape(part) for part in value.split(PLACEHOLDER))
            return None if re.fullmatch(regex, pattern, re.S) else False
        prefix = value.split(PLACEHOLDER, 1)[0]
        literal = re.split(r"[*?]", pattern, maxsplit=1)[0]
        return None if prefix.startswith(literal) or literal.startswith(prefix) else False
    return _glob(pattern, value)


def arn_matches(pattern: str, arn: str) -> bool | None:
    """Does an IAM `Resource` pattern cover the ARN? Matched segment by segment, so an
    account id known only at deploy time leaves the answer open instead of wrong."""
    if is_wildcard(pattern):
        return True
    parts, values = pattern.split(":", 5), arn.split(":", 5)
    if len(parts) != len(values):
        return _segment_match(pattern, arn)
    results = [
        # Both account ids known only at deploy time: the stack's own account on both sides.
        True if index == 4 and p == v == PLACEHOLDER else _segment_match(p, v)
        for index, (p, v) in enumerate(zip(parts, values, strict=True))
    ]
    if False in results:
        return False
    return None if None in results else True


def resource_covers(value: Any, target: Target, ctx: CheckContext) -> bool | None:
    """Does one resolved `Resource` entry cover the target?"""
    if isinstance(value, str):
        if is_wildcard(value):
            return True
        return None if target.arn is None else arn_matches(value.strip(), target.arn)
    if not isinstance(value, Unknown):
        return None
    if target.logical_id is not None and target.logical_id in value.refs:
        return True  # `!Ref Secret`, `!GetAtt Queue.Arn`, `!Sub ${Bucket.Arn}/*`
    if value.partial is not None and target.arn is not None:
        return False if arn_matches(value.partial, target.arn) is False else None
    resources = ctx.template.resources
    # A plain reference to another resource of the template is that resource's ARN.
    plain = value.partial is None and value.refs and target.logical_id is not None
    if plain and all(
        r in resources
        and resources[r].type not in _OPAQUE_TYPES
        and not resources[r].type.startswith("Custom::")
        for r in value.refs
    ):
        return False
    return None


def statement_covers(statement: Statement, target: Target, ctx: CheckContext) -> bool | None:
    if statement.not_resources is not None:
        excluded = [resource_covers(r, target, ctx) for r in statement.not_resources]
        if True in excluded:
            return False
        return None if None in excluded else True
    if statement.resources is None:
        return None
    results = [resource_covers(r, target, ctx) for r in statement.resources]
    if True in results:
        return True
    return None if None in results else False


def role_allows(ctx: CheckContext, role: Resource, action: str, target: Target) -> bool | None:
    """May the role call the action on the target, by its identity policies? Deny
    statements and conditions are ignored: they could only turn an Allow into a finding."""
    from iaclint.iam.roles import effective_grants, grants_known

    maybe = False
    for grant in effective_grants(ctx, role):
        if not grants(grant.statement, action):
            continue
        covered = statement_covers(grant.statement, target, ctx)
        if covered:
            return True
        maybe = maybe or covered is None
    if maybe or not grants_known(ctx, role):
        return None
    return False


def role_trusts(ctx: CheckContext, role: Resource, service: str) -> bool | None:
    """Does the role's trust policy let the service assume it?"""
    props = ctx.resolved_properties(role)
    document = props.get("AssumeRolePolicyDocument") if isinstance(props, dict) else None
    if not isinstance(document, dict):
        return None
    maybe = False
    found = statements(document, ())
    if not found or isinstance(document.get("Statement"), Unknown):
        return None
    for statement in found:
        if isinstance(statement.effect, Unknown) or any(
            isinstance(a, Unknown) for a in statement.actions
        ):
            maybe = True
            continue
        if grants(statement, "sts:AssumeRole"):
            admitted = admits(statement.principal, service)
            if admitted:
                return True
            maybe = maybe or admitted is None
    return None if maybe else False


def key_policy_admits(
    ctx: CheckContext,
    key: Resource,
    action: str,
    service: str | None = None,
    role: Resource | None = None,
) -> bool | None:
    """Does the key policy itself allow the action to the service (or to the role, by
    name)? A statement for the account root delegates to IAM, so it admits a role (the
    caller checks the role's own policies then) but never a service principal."""
    props = ctx.resolved_properties(key)
    document = props.get("KeyPolicy") if isinstance(props, dict) else None
    if not isinstance(document, dict) or isinstance(document.get("Statement"), Unknown):
        return None
    maybe = False
    for statement in statements(document, ()):
        if isinstance(statement.effect, Unknown) or any(
            isinstance(a, Unknown) for a in statement.actions
        ):
            maybe = True
            continue
        if not grants(statement, action):
            continue
        if service is not None:
            admitted = admits(statement.principal, service)
        else:
            admitted = _admits_role(statement.principal, role, ctx)
        if admitted:
            return True
        maybe = maybe or admitted is None
    return None if maybe else False


def _admits_role(principal: Any, role: Resource | None, ctx: CheckContext) -> bool | None:
    if isinstance(principal, Unknown) or role is None:
        return None
    if isinstance(principal, str):
        return principal.strip() == "*"
    if not isinstance(principal, dict):
        return None
    for value in principal.get("AWS", ()):
        if isinstance(value, Unknown):
            if role.logical_id in value.refs:
                return True
            if value.partial is None or not value.partial.endswith(":root"):
                return None
        elif isinstance(value, str) and value.strip() == "*":
            return True
        elif isinstance(value, str) and not value.strip().endswith(":root"):
            return None  # a role or user ARN that might be this role
    return False
