"""Find every IAM policy document in a template and normalise its statements.

Documents are read from resolved resources (one scenario), so `Fn::If`, `Fn::Sub` and
parameters are already applied; what cannot be known stays `Unknown` and is never taken for
a wildcard.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from iaclint.load.document import Path
from iaclint.resolve.values import Unknown, child_source

if TYPE_CHECKING:
    from iaclint.model.template import Resource
    from iaclint.policy.context import CheckContext

Kind = Literal["identity", "trust", "resource"]

# (resource type, dotted path to a document, kind). A `*` segment is each list item.
DOCUMENT_LOCATIONS: tuple[tuple[str, str, Kind], ...] = (
    ("AWS::IAM::Role", "AssumeRolePolicyDocument", "trust"),
    ("AWS::IAM::Role", "Policies.*.PolicyDocument", "identity"),
    ("AWS::IAM::User", "Policies.*.PolicyDocument", "identity"),
    ("AWS::IAM::Group", "Policies.*.PolicyDocument", "identity"),
    ("AWS::IAM::Policy", "PolicyDocument", "identity"),
    ("AWS::IAM::ManagedPolicy", "PolicyDocument", "identity"),
    ("AWS::IAM::RolePolicy", "PolicyDocument", "identity"),
    ("AWS::IAM::UserPolicy", "PolicyDocument", "identity"),
    ("AWS::IAM::GroupPolicy", "PolicyDocument", "identity"),
    ("AWS::S3::BucketPolicy", "PolicyDocument", "resource"),
    ("AWS::SQS::QueuePolicy", "PolicyDocument", "resource"),
    ("AWS::SNS::TopicPolicy", "PolicyDocument", "resource"),
    ("AWS::KMS::Key", "KeyPolicy", "resource"),
    ("AWS::ECR::Repository", "RepositoryPolicyText", "resource"),
    ("AWS::OpenSearchService::Domain", "AccessPolicies", "resource"),
    ("AWS::Elasticsearch::Domain", "AccessPolicies", "resource"),
    ("AWS::SecretsManager::ResourcePolicy", "ResourcePolicy", "resource"),
    ("AWS::EFS::FileSystem", "FileSystemPolicy", "resource"),
    ("AWS::Events::EventBus", "Policy", "resource"),
    ("AWS::Serverless::Function", "Policies.*", "identity"),
    ("AWS::Serverless::StateMachine", "Policies.*", "identity"),
)
POLICY_TYPES = frozenset(t for t, _, _ in DOCUMENT_LOCATIONS) | {"AWS::Lambda::Permission"}

# Condition keys that confine a wildcard principal to known callers.
RESTRICTING_CONDITION_KEYS = frozenset(
    key.lower()
    for key in (
        "aws:SourceArn", "aws:SourceAccount", "aws:SourceOwner", "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths", "aws:PrincipalAccount", "aws:PrincipalArn", "aws:SourceVpce",
        "aws:SourceVpc", "aws:SourceIp", "aws:SourceOrgID", "aws:SourceOrgPaths",
        "aws:PrincipalServiceName", "kms:CallerAccount", "kms:ViaService", "sts:ExternalId",
        "aws:userid", "aws:username", "s3:DataAccessPointAccount", "s3:DataAccessPointArn",
    )
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Statement:
    """One IAM policy statement, normalised: single values become tuples."""

    effect: Any  # "Allow" / "Deny" / Unknown
    actions: tuple[Any, ...]  # strings or Unknown
    not_actions: tuple[Any, ...] | None
    resources: tuple[Any, ...] | None
    not_resources: tuple[Any, ...] | None
    principal: Any  # "*", dict of type -> tuple, Unknown, or None
    not_principal: Any
    condition: Any
    path: Path
    # Source paths of the statement's keys (a key's value may come from an `Fn::If` branch).
    key_paths: tuple[tuple[str, Path], ...] = ()

    def source(self, key: str) -> Path:
        return dict(self.key_paths).get(key, (*self.path, key))

    @property
    def allows(self) -> bool:
        return isinstance(self.effect, str) and self.effect == "Allow"


@dataclass(frozen=True, slots=True, eq=False)
class PolicyDocument:
    """An IAM policy document and the resource that carries or names it."""

    resource: Resource
    kind: Kind
    path: Path  # source path of the document
    statements: tuple[Statement, ...]
    managed_name: str | None = None  # SAM `Policies: AdministratorAccess`


def _as_tuple(value: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    return tuple(value) if isinstance(value, list) else (value,)


def _principal(value: Any) -> Any:
    if value is None or isinstance(value, str | Unknown):
        return value
    if isinstance(value, dict):
        return {key: _as_tuple(item) for key, item in value.items()}
    return Unknown("principal of an unexpected shape")


def statements(document: Any, path: Path) -> tuple[Statement, ...]:
    """Normalise a policy document: one statement or a list; strings or lists."""
    if not isinstance(document, dict):
        return ()
    raw = document.get("Statement")
    if raw is None:
        return ()
    items = raw if isinstance(raw, list) else [raw]
    base = child_source(document, path, "Statement")
    result = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        where = child_source(raw, base, index) if isinstance(raw, list) else base
        result.append(
            Statement(
                effect=item.get("Effect"),
                actions=_as_tuple(item.get("Action")),
                not_actions=_as_tuple(item["NotAction"]) if "NotAction" in item else None,
                resources=_as_tuple(item["Resource"]) if "Resource" in item else None,
                not_resources=_as_tuple(item["NotResource"]) if "NotResource" in item else None,
                principal=_principal(item.get("Principal")),
                not_principal=item.get("NotPrincipal"),
                condition=item.get("Condition"),
                path=where,
                key_paths=tuple((key, child_source(item, where, key)) for key in item),
            )
        )
    return tuple(result)


@lru_cache(maxsize=1024)
def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(
        "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text), re.I
    )


def action_matches(pattern: Any, action: str) -> bool:
    """IAM action wildcard matching, case-insensitive (`s3:Get*` matches `s3:GetObject`)."""
    if not isinstance(pattern, str):
        return False
    text = pattern.strip()
    if "*" not in text and "?" not in text:
        return text.lower() == action.lower()  # most actions are named in full: no regex
    return bool(_pattern(text).fullmatch(action))


def grants(statement: Statement, action: str) -> bool:
    """Does this Allow statement grant `action` (through Action or NotAction)?"""
    if not statement.allows:
        return False
    if statement.not_actions is not None:
        if any(isinstance(a, Unknown) for a in statement.not_actions):
            return False
        return not any(action_matches(a, action) for a in statement.not_actions)
    return any(action_matches(a, action) for a in statement.actions)


def is_wildcard(value: Any) -> bool:
    return isinstance(value, str) and value.strip() in ("*", "*:*")


def on_every_resource(statement: Statement) -> bool:
    """Resource `*` (or NotResource, which is everything but a few)."""
    if statement.not_resources is not None:
        return True
    return statement.resources is not None and any(is_wildcard(r) for r in statement.resources)


def principal_is_everyone(principal: Any) -> bool:
    if isinstance(principal, str):
        return principal.strip() == "*"
    if isinstance(principal, dict):
        return any(is_wildcard(v) for v in principal.get("AWS", ()))
    return False


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


def has_restricting_condition(statement: Statement) -> bool | None:
    """True/False, or None when the condition cannot be read."""
    condition = statement.condition
    if condition is None:
        return False
    if not isinstance(condition, dict):
        return None
    for clauses in condition.values():
        if not isinstance(clauses, dict):
            return None
        for key in clauses:
            if isinstance(key, str) and key.lower() in RESTRICTING_CONDITION_KEYS:
                return True
    return False


def _documents_at(
    resource: Resource, body: Any, body_path: Path, dotted: str, kind: Kind
) -> Iterator[PolicyDocument]:
    nodes: list[tuple[Any, Path]] = [(body, body_path)]
    for part in dotted.split("."):
        following: list[tuple[Any, Path]] = []
        for value, path in nodes:
            if part == "*":
                if isinstance(value, list):
                    following.extend(
                        (item, child_source(value, path, i)) for i, item in enumerate(value)
                    )
                elif value is not None:
                    following.append((value, path))  # SAM allows a single policy, not a list
            elif isinstance(value, dict) and part in value:
                following.append((value[part], child_source(value, path, part)))
        nodes = following
    for value, path in nodes:
        if isinstance(value, str) and resource.type.startswith("AWS::Serverless::"):
            yield PolicyDocument(resource, kind, path, (), managed_name=value)
        elif isinstance(value, dict) and "Statement" in value:
            yield PolicyDocument(resource, kind, path, statements(value, path))


def _lambda_permission(resource: Resource, properties: Any, path: Path) -> PolicyDocument | None:
    """`AWS::Lambda::Permission` as the resource-policy statement it adds."""
    if not isinstance(properties, dict):
        return None
    condition: dict[str, Any] = {}
    for prop, key in (("SourceArn", "aws:SourceArn"), ("SourceAccount", "aws:SourceAccount")):
        if prop in properties:
            condition.setdefault("StringEquals", {})[key] = properties[prop]
    if "PrincipalOrgID" in properties:
        condition["StringEquals"] = {
            **condition.get("StringEquals", {}),
            "aws:PrincipalOrgID": properties["PrincipalOrgID"],
        }
    statement = Statement(
        effect="Allow",
        actions=_as_tuple(properties.get("Action")),
        not_actions=None,
        resources=_as_tuple(properties.get("FunctionName")),
        not_resources=None,
        principal=properties.get("Principal"),
        not_principal=None,
        condition=condition or None,
        path=child_source(properties, path, "Principal"),
    )
    return PolicyDocument(resource, "resource", path, (statement,))


def policy_documents(
    ctx: CheckContext, kinds: tuple[Kind, ...] = ("identity", "trust", "resource")
) -> Iterator[PolicyDocument]:
    """Every policy document of the template in this scenario, from active resources."""
    documents: list[PolicyDocument] = ctx.memo(
        "iam.policy_documents", lambda: list(_all_documents(ctx))
    )
    return (doc for doc in documents if doc.kind in kinds)


def _all_documents(ctx: CheckContext) -> Iterator[PolicyDocument]:
    kinds: tuple[Kind, ...] = ("identity", "trust", "resource")
    for resource in ctx.template.resources.values():
        if resource.type not in POLICY_TYPES or not ctx.is_active(resource):
            continue
        focus = ctx.resolved_focus(resource)
        properties = focus.value.get("Properties")
        props_path = child_source(focus.value, focus.path, "Properties")
        if resource.type == "AWS::Lambda::Permission":
            if "resource" in kinds:
                document = _lambda_permission(resource, properties, props_path)
                if document is not None:
                    yield document
            continue
        for rtype, dotted, kind in DOCUMENT_LOCATIONS:
            if rtype == resource.type and kind in kinds:
                yield from _documents_at(resource, properties, props_path, dotted, kind)
