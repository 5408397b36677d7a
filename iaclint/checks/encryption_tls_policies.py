"""Encryption checks the rule language cannot express.

ENC013: every S3 bucket needs a bucket policy that denies requests not made over TLS
(`Effect: Deny` with `Condition: {Bool: {aws:SecureTransport: false}}`) for every principal
and every S3 action, on the bucket and on its objects.
https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html

Which policy belongs to which bucket, and what its `Resource` ARNs cover, is read from the
raw template as well as from resolved values: `!Sub arn:${AWS::Partition}:s3:::${Bucket}/*`
resolves to an unknown string, but it certainly names every object of `Bucket`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from iaclint.checks.common import active_resources, raw_at
from iaclint.iam.policies import Statement, action_matches, principal_is_everyone, statements
from iaclint.load.document import Path
from iaclint.model.template import SAM_TRANSFORM, Resource, Template
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import contains_unknown, lookup, same_value
from iaclint.resolve.values import ABSENT, PLACEHOLDER, Unknown, child_source

BUCKET_POLICY = "AWS::S3::BucketPolicy"
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
# Stands for the bucket's name when the template does not fix it; only a wildcard matches it.
_NAME = "\x00bucket\x00"
# An object key that no literal pattern matches: only `<bucket>/*` covers every object.
_ANY_KEY = "\x00key\x00"
# Stands for a part of a Resource entry that cannot be known; it might be a wildcard.
_UNKNOWN = "\x00unknown\x00"
_TARGETS = ("the bucket itself", "all of its objects")
_NO_POLICY = "no `AWS::S3::BucketPolicy` in the template applies to it"


@dataclass(frozen=True, slots=True, eq=False)
class _Gap:
    """Why the policies do not deny every insecure request, and where to say so."""

    path: Path
    policy: str
    problem: str


def bucket_policy_denies_insecure_transport(
    bucket: Resource, ctx: CheckContext
) -> Iterator[Violation]:
    if _may_generate_resources(ctx.template):
        return  # a macro or a Rain module may add the bucket policy
    policies = _policies_of(bucket, ctx)
    if policies is None:  # a policy whose bucket cannot be known might be this one's
        return
    if not policies:
        args = {"resource": bucket.logical_id, "problem": _NO_POLICY}
        yield Violation((*bucket.path, "Type"), args, at_key=True)
        return
    gap = _gap(bucket, policies, ctx)
    if gap is not None:
        args = {"resource": bucket.logical_id, "problem": gap.problem}
        yield Violation(gap.path, args, logical_id=gap.policy, at_key=True)


def _may_generate_resources(template: Template) -> bool:
    """Macros other than SAM, and Rain modules (`!Rain::Module`), can add resources that the
    template does not show."""
    return template.opaque or any(t != SAM_TRANSFORM for t in template.transform)


# -- which policies belong to the bucket ------------------------------------------------


def _policies_of(bucket: Resource, ctx: CheckContext) -> list[Resource] | None:
    """The active bucket policies whose `Bucket` is this bucket; None when one might be."""
    targets = ctx.memo("encryption:bucket-policy-targets", lambda: _policy_targets(ctx))
    written = _raw(ctx, bucket, "BucketName")
    found = []
    for policy, target in targets:
        names = _names_bucket(policy, target, bucket, written, ctx)
        if names is None:
            return None
        if names:
            found.append(policy)
    return found


def _policy_targets(ctx: CheckContext) -> list[tuple[Resource, Any]]:
    """The active bucket policies with their resolved `Bucket` (once per scenario: every
    bucket looks through them)."""
    return [
        (policy, lookup(ctx.resolved_focus(policy), "Properties.Bucket")[0])
        for policy in active_resources(ctx, (BUCKET_POLICY,))
    ]


def _names_bucket(
    policy: Resource, target: Any, bucket: Resource, written: str | None, ctx: CheckContext
) -> bool | None:
    """Does the policy, whose `Bucket` resolves to `target`, name the bucket (whose
    `BucketName` is written as `written`)?"""
    if target is ABSENT:
        return False
    if written is not None and _raw(ctx, policy, "Bucket") == written:
        return True  # written the same way, e.g. `!Sub ${AWS::StackName}-logs` in both
    if isinstance(target, Unknown):
        if any(ref in ctx.template.resources for ref in target.refs):
            return bucket.logical_id in target.refs  # `!Ref Bucket`, in this scenario
        # Written like another bucket's name: that bucket's policy (names are unique).
        return False if _names_other_bucket(policy, bucket, ctx) else None
    name, _ = lookup(ctx.resolved_focus(bucket), "Properties.BucketName")
    if name is ABSENT:
        return False  # a name CloudFormation generates cannot be written in the template
    if isinstance(name, Unknown):
        return None
    return same_value(target, name)


def _names_other_bucket(policy: Resource, bucket: Resource, ctx: CheckContext) -> bool:
    written = _raw(ctx, policy, "Bucket")
    return any(
        other.logical_id != bucket.logical_id and _raw(ctx, other, "BucketName") == written
        for other in ctx.template.of_types((bucket.type,))
    )


def _raw(ctx: CheckContext, resource: Resource, key: str) -> str | None:
    """A property as written, for comparing expressions (once per template: each bucket
    is compared with each policy)."""
    return ctx.template_memo(  # type: ignore[no-any-return]
        f"encryption:raw:{resource.logical_id}:{key}", lambda: _written(ctx, resource, key)
    )


def _written(ctx: CheckContext, resource: Resource, key: str) -> str | None:
    properties = ctx.template.data["Resources"][resource.logical_id].get("Properties")
    if not isinstance(properties, dict) or key not in properties:
        return None
    return json.dumps(properties[key], sort_keys=True, default=str)


# -- what the policies deny ---------------------------------------------------------------


def _gap(bucket: Resource, policies: list[Resource], ctx: CheckContext) -> _Gap | None:
    """The shortfall of the policies' TLS Deny statements; None when there is none, or when
    an unknown value might close it."""
    denies = []
    for policy in policies:
        found = _statements(policy, ctx)
        if found is None:
            return None
        for statement in found:
            verdict = _denies_insecure_transport(statement)
            if verdict is None:
                return None
            if verdict:
                denies.append((policy, statement))
    if not denies:
        first = policies[0]
        problem = (
            f"its policy `{first.logical_id}` has no Deny statement for `aws:SecureTransport` false"
        )
        return _Gap(_document_path(first, ctx), first.logical_id, problem)
    scope_gaps = []
    complete = []
    for policy, statement in denies:
        gap = _scope_gap(policy, statement)
        if gap is None:
            return None
        if gap.problem:
            scope_gaps.append(gap)
        else:
            complete.append((policy, statement))
    if not complete:
        return scope_gaps[0]
    return _resource_gap(bucket, complete, ctx)


def _statements(policy: Resource, ctx: CheckContext) -> tuple[Statement, ...] | None:
    """The policy's statements; None when some of them cannot be read."""
    document, path = lookup(ctx.resolved_focus(policy), "Properties.PolicyDocument")
    if isinstance(document, str):  # the document may be given as a JSON string
        try:
            document = json.loads(document)
        except ValueError:
            return None
    if isinstance(document, dict) and contains_unknown(document.get("Statement")):
        listed = document["Statement"]
        if isinstance(listed, Unknown) or any(isinstance(item, Unknown) for item in listed):
            return None  # a whole statement comes from elsewhere
    return statements(document, path) if document is not ABSENT else ()


def _document_path(policy: Resource, ctx: CheckContext) -> Path:
    """The policy's `Statement` key, or the nearest key there is."""
    document, path = lookup(ctx.resolved_focus(policy), "Properties.PolicyDocument")
    if isinstance(document, dict) and "Statement" in document:
        return child_source(document, path, "Statement")
    return path if document is not ABSENT else (*policy.path, "Type")


def _denies_insecure_transport(statement: Statement) -> bool | None:
    """Is this a Deny on `aws:SecureTransport` false? None when that cannot be known."""
    if isinstance(statement.effect, Unknown):
        return None
    if statement.effect != "Deny":
        return False
    condition = statement.condition
    if isinstance(condition, Unknown):
        return None
    if not isinstance(condition, dict):
        return False
    unknown = False
    for operator, clauses in condition.items():
        if str(operator).lower() not in ("bool", "boolifexists"):
            continue
        if not isinstance(clauses, dict):
            unknown = True
            continue
        for key, value in clauses.items():
            if str(key).lower() != "aws:securetransport":
                continue
            values = value if isinstance(value, list) else [value]
            if any(same_value(v, False) for v in values):
                return True
            unknown = unknown or contains_unknown(value)
    return None if unknown else False


def _scope_gap(policy: Resource, statement: Statement) -> _Gap | None:
    """What principals or actions the Deny leaves out: a gap with an empty problem when it
    covers all of them, None when unknown values decide."""
    where = policy.logical_id
    if statement.not_principal is not None:
        return _Gap(statement.source("NotPrincipal"), where, _short(where, "every principal"))
    if not principal_is_everyone(statement.principal):
        if _might_be_everyone(statement.principal):
            return None
        return _Gap(statement.source("Principal"), where, _short(where, "every principal"))
    if statement.not_actions is not None or not any(
        action_matches(a, "s3:*") for a in statement.actions
    ):
        if any(isinstance(a, Unknown) for a in statement.actions):
            return None
        key = "NotAction" if statement.not_actions is not None else "Action"
        return _Gap(statement.source(key), where, _short(where, "every S3 action (`s3:*`)"))
    return _Gap(statement.path, where, "")


def _might_be_everyone(principal: Any) -> bool:
    """Could an unknown part of the principal be `*`? Not an ARN with a known shape."""
    values = principal.values() if isinstance(principal, dict) else [principal]
    for value in values:
        for item in value if isinstance(value, tuple | list) else [value]:
            if isinstance(item, Unknown) and item.partial in (None, PLACEHOLDER):
                return True
    return False


def _resource_gap(
    bucket: Resource, denies: list[tuple[Resource, Statement]], ctx: CheckContext
) -> _Gap | None:
    arn = f"arn:{_partition(ctx)}:s3:::{_bucket_name(bucket, ctx)}"
    samples = dict(zip(_TARGETS, (arn, f"{arn}/{_ANY_KEY}"), strict=True))
    patterns = [p for _, statement in denies for p in _resource_patterns(statement, bucket, ctx)]
    missing = []
    for target, sample in samples.items():
        verdicts = [_covers(pattern, sample) for pattern in patterns]
        if True in verdicts:
            continue
        if None in verdicts:
            return None  # a part we cannot read might make it cover the target
        missing.append(target)
    if not missing:
        return None
    policy, statement = denies[0]
    key = "NotResource" if statement.not_resources is not None else "Resource"
    return _Gap(
        statement.source(key), policy.logical_id, _short(policy.logical_id, " or ".join(missing))
    )


def _short(policy: str, what: str) -> str:
    return f"the `aws:SecureTransport` Deny in `{policy}` does not cover {what}"


# -- reading Resource ARNs ------------------------------------------------------------------


def _covers(pattern: str, arn: str) -> bool | None:
    """Does the pattern match the ARN? None when only an unknown part could make it."""
    if not _arn_pattern(pattern).fullmatch(arn):
        return False  # not even with every unknown part a wildcard
    return None if _UNKNOWN in pattern else True


def _bucket_name(bucket: Resource, ctx: CheckContext) -> str:
    name, _ = lookup(ctx.resolved_focus(bucket), "Properties.BucketName")
    return name if isinstance(name, str) else _NAME


def _partition(ctx: CheckContext) -> str:
    return _known_text(ctx.resolver.ref("AWS::Partition"))


def _resource_patterns(statement: Statement, bucket: Resource, ctx: CheckContext) -> list[str]:
    """The statement's Resource patterns with the bucket's own name or ARN filled in and
    every part that cannot be known as _UNKNOWN. NotResource counts as unknown."""
    if statement.not_resources is not None:
        return [_UNKNOWN]
    if statement.resources is None:
        return []
    raw = raw_at(ctx.template.data, statement.source("Resource"))
    if raw is None:  # not in the template as written, e.g. inside a JSON string
        return [_known_text(entry) for entry in statement.resources]
    entries = raw if isinstance(raw, list) else [raw]
    return [_render(entry, bucket, ctx) for entry in entries]


def _render(value: Any, bucket: Resource, ctx: CheckContext) -> str:
    """The text of a value as written, with the bucket's references made concrete."""
    if isinstance(value, str):
        return _UNKNOWN if "{{resolve:" in value else value
    if not isinstance(value, dict) or len(value) != 1:
        return _UNKNOWN
    ((fn, arg),) = value.items()
    if fn == "Ref":
        return _reference(str(arg), bucket, ctx)
    if fn == "Fn::GetAtt":
        return _reference(".".join(arg) if isinstance(arg, list) else str(arg), bucket, ctx)
    if fn == "Fn::Sub":
        return _render_sub(arg, bucket, ctx)
    if fn == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
        if not isinstance(arg[0], str) or not isinstance(arg[1], list):
            return _UNKNOWN
        return arg[0].join(_render(item, bucket, ctx) for item in arg[1])
    if fn == "Fn::If" and isinstance(arg, list) and len(arg) == 3:
        chosen = ctx.resolver.condition(arg[0])
        return _UNKNOWN if chosen is None else _render(arg[1 if chosen else 2], bucket, ctx)
    return _known_text(ctx.resolver.resolve(value))


def _render_sub(arg: Any, bucket: Resource, ctx: CheckContext) -> str:
    text, variables = (arg[0], arg[1]) if isinstance(arg, list) and len(arg) == 2 else (arg, {})
    if not isinstance(text, str) or not isinstance(variables, dict):
        return _UNKNOWN
    template = _name_expression(bucket, ctx, "Fn::Sub")
    if template and template in text and bucket.logical_id not in variables:
        # `arn:...:s3:::${AppName}-logs/*` for a bucket named `!Sub ${AppName}-logs`
        text = text.replace(template, "${" + bucket.logical_id + "}")

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("!"):
            return "${" + name[1:] + "}"
        if name in variables:
            return _render(variables[name], bucket, ctx)
        return _reference(name, bucket, ctx)

    return _SUB_VARIABLE.sub(substitute, text)


def _reference(name: str, bucket: Resource, ctx: CheckContext) -> str:
    """`Ref`/`Fn::GetAtt` (or `${...}`) text: the bucket's name and ARN have known shapes,
    and another resource of the template is never this bucket."""
    target, _, attribute = name.partition(".")
    if target == bucket.logical_id or (not attribute and target == _name_parameter(bucket, ctx)):
        if attribute == "Arn":
            return f"arn:{_partition(ctx)}:s3:::{_bucket_name(bucket, ctx)}"
        return _bucket_name(bucket, ctx) if not attribute else _UNKNOWN
    if target in ctx.template.resources:
        return f"\x00{name}\x00"
    return _UNKNOWN if attribute else _known_text(ctx.resolver.ref(name))


def _name_parameter(bucket: Resource, ctx: CheckContext) -> str | None:
    """The parameter the bucket is named after (`BucketName: !Ref Name`), if any."""
    return _name_expression(bucket, ctx, "Ref")


def _name_expression(bucket: Resource, ctx: CheckContext, function: str) -> str | None:
    """The argument of `BucketName` when it is written as `{function: "<text>"}`."""
    properties = ctx.template.data["Resources"][bucket.logical_id].get("Properties")
    name = properties.get("BucketName") if isinstance(properties, dict) else None
    if isinstance(name, dict) and len(name) == 1 and isinstance(name.get(function), str):
        return str(name[function])
    return None


def _known_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Unknown) and value.partial is not None:
        return value.partial.replace(PLACEHOLDER, _UNKNOWN)
    return _UNKNOWN


@lru_cache(maxsize=512)
def _arn_pattern(text: str) -> re.Pattern[str]:
    """An IAM resource pattern: `*` any run of characters, `?` one; case-sensitive. An
    unknown part may be anything, so it matches like `*`."""
    pieces = (
        "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in piece)
        for piece in text.split(_UNKNOWN)
    )
    return re.compile(".*".join(pieces), re.DOTALL)


def policy_without_tls_deny(policy: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """ENC035: an SQS queue policy or SNS topic policy with no `aws:SecureTransport` Deny."""
    document, _ = lookup(ctx.resolved_focus(policy), "Properties.PolicyDocument")
    found = _statements(policy, ctx)
    if found is None or isinstance(document, Unknown) or document is ABSENT:
        return
    for statement in found:
        if _denies_insecure_transport(statement) is not False:
            return  # a Deny on insecure transport, or one an unknown value might make
    yield Violation(_document_path(policy, ctx), {"resource": policy.logical_id}, at_key=True)
