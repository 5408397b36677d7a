"""Template validity against AWS's resource provider schemas (VAL001-VAL010; VAL011 is in
validity_intrinsics.py).

Each resource's `Properties`, resolved for the scenario, are validated once: a compiled
fast path (`iaclint/schemas/precheck.py`) clears the valid ones, and jsonschema
(`iaclint/schemas/validate.py`, imported only then) words the problems of the rest; every
rule reads the share of the problems that is its family. Only the types a template uses
are loaded. Templates with a macro other than SAM are skipped: a macro may rewrite anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

from iaclint.checks.structural import has_macro
from iaclint.load.document import Path
from iaclint.model.template import Resource
from iaclint.policy.context import CheckContext, Violation
from iaclint.resolve.values import Unknown, child_source
from iaclint.schemas.precheck import Check, compile_schema
from iaclint.schemas.store import SchemaStore, properties_schema

if TYPE_CHECKING:
    from iaclint.checks.validity_errors import Problem

# Types without a fixed schema: a custom resource takes whatever its provider reads.
_FREE_FORM = "AWS::CloudFormation::CustomResource"


class _Schemas:
    """The store plus, per type, a compiled fast check and a validator, for one process."""

    def __init__(self) -> None:
        self.store = SchemaStore()
        self._validators: dict[str, Any] = {}
        self._prechecks: dict[str, Check] = {}
        self._read_only: dict[str, tuple[tuple[str, ...], ...]] = {}
        self._attributes: dict[str, frozenset[str]] = {}

    def validator(self, type_name: str) -> Any:
        found = self._validators.get(type_name)
        if found is None:
            from iaclint.schemas.validate import validator_for

            schema = self.store.get(type_name)
            found = self._validators[type_name] = validator_for(schema or {})
        return found

    def read_only(self, type_name: str) -> tuple[tuple[str, ...], ...]:
        """The type's read-only properties as property paths, in the schema's order."""
        found = self._read_only.get(type_name)
        if found is None:
            schema = self.store.get(type_name) or {}
            pointers = (_pointer_parts(p) for p in schema.get("readOnlyProperties", []))
            found = self._read_only[type_name] = tuple(p for p in pointers if p is not None)
        return found

    def attributes(self, type_name: str) -> frozenset[str]:
        """The names `Fn::GetAtt` accepts: read-only properties (`Endpoint.Address`) and,
        leniently, any property (some writable ones are attributes too, as `TopicName`)."""
        found = self._attributes.get(type_name)
        if found is None:
            schema = self.store.get(type_name) or {}
            paths = (".".join(parts) for parts in self.read_only(type_name))
            found = self._attributes[type_name] = frozenset({*schema.get("properties", {}), *paths})
        return found

    def surely_valid(self, type_name: str, properties: Any) -> bool:
        check = self._prechecks.get(type_name)
        if check is None:
            schema = self.store.get(type_name) or {}
            check = self._prechecks[type_name] = compile_schema(properties_schema(schema))
        return check(properties)


@cache
def schemas() -> _Schemas:
    """Read-only data shared by the files of a run; each worker process has its own."""
    return _Schemas()


def _validated(ctx: CheckContext, resource: Resource) -> bool:
    if resource.type.startswith("Custom::") or resource.type == _FREE_FORM:
        return False
    return ctx.is_active(resource) and schemas().store.get(resource.type) is not None


def _properties(ctx: CheckContext, resource: Resource) -> tuple[Any, Path]:
    focus = ctx.resolved_focus(resource)
    body = focus.value
    if "Properties" not in body:
        return {}, resource.path  # a missing property is reported at the resource's key
    return body["Properties"], child_source(body, resource.path, "Properties")


def suggest(name: str, candidates: Any) -> str:
    """validity_errors.suggest, imported (with difflib) only when there is a problem."""
    from iaclint.checks.validity_errors import suggest as closest

    return closest(name, candidates)


def problems(ctx: CheckContext) -> list[Problem]:
    """Every schema problem of the template in this scenario, computed once; each
    resource's problems are reused in a later scenario that resolves it alike."""
    if has_macro(ctx.template):
        return []

    def compute() -> list[Problem]:
        return [
            problem
            for resource in ctx.template.resources.values()
            for problem in ctx.memo(
                f"validity:schema:{resource.logical_id}",
                lambda resource=resource: list(_resource_problems(ctx, resource)),
            )
        ]

    return ctx.memo("validity:schema", compute)  # type: ignore[no-any-return]


def _resource_problems(ctx: CheckContext, resource: Resource) -> Iterator[Problem]:
    if not _validated(ctx, resource):
        return
    props, where = _properties(ctx, resource)
    if type(props) is Unknown or not isinstance(props, dict):
        return
    if schemas().surely_valid(resource.type, props):
        return
    from iaclint.checks.validity_errors import classify  # only for the invalid ones

    validator = schemas().validator(resource.type)
    for error in validator.iter_errors(props):
        yield from classify(error, props, where, resource)


def _family(ctx: CheckContext, family: str) -> Iterator[Violation]:
    for problem in problems(ctx):
        if problem.family == family:
            yield Violation(
                problem.path,
                {"resource": problem.logical_id, "detail": problem.message},
                problem.logical_id,
                at_key=problem.at_key,
            )


# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-product-attribute-reference.html
_RESOURCE_KEYS = frozenset(
    {
        "Type", "Properties", "Condition", "DependsOn", "Metadata", "DeletionPolicy",
        "UpdateReplacePolicy", "UpdatePolicy", "CreationPolicy",
        "Version",  # legacy, still accepted on custom resources
    }
)  # fmt: skip


def unknown_property(ctx: CheckContext) -> Iterator[Violation]:
    template = ctx.template
    if not has_macro(template):
        for resource in template.resources.values():
            body = template.data["Resources"].get(resource.logical_id)
            if not isinstance(body, dict) or not ctx.is_active(resource):
                continue
            if resource.type.startswith("AWS::Serverless::"):
                continue  # SAM rewrites these resources and drops what it does not read
            for key in body:
                if key not in _RESOURCE_KEYS:
                    yield Violation(
                        (*resource.path, key),
                        {
                            "resource": resource.logical_id,
                            "detail": f"`{key}` is not a resource attribute"
                            f"{suggest(key, sorted(_RESOURCE_KEYS))}",
                        },
                        resource.logical_id,
                        at_key=True,
                    )
    yield from _family(ctx, "unknown-property")


def missing_required_property(ctx: CheckContext) -> Iterator[Violation]:
    yield from _family(ctx, "required")


def wrong_value_type(ctx: CheckContext) -> Iterator[Violation]:
    yield from _family(ctx, "type")


def value_not_allowed(ctx: CheckContext) -> Iterator[Violation]:
    yield from _family(ctx, "enum")


def string_pattern_or_length(ctx: CheckContext) -> Iterator[Violation]:
    yield from _family(ctx, "pattern")


def number_out_of_range(ctx: CheckContext) -> Iterator[Violation]:
    yield from _family(ctx, "range")


def property_combination(ctx: CheckContext) -> Iterator[Violation]:
    yield from _family(ctx, "combination")


def unknown_resource_type(ctx: CheckContext) -> Iterator[Violation]:
    template = ctx.template
    if has_macro(template):
        return
    store = schemas().store
    for resource in template.resources.values():
        type_name = resource.type
        if not isinstance(type_name, str) or store.get(type_name) is not None:
            continue
        if type_name.startswith("AWS::Serverless::") and template.is_sam:
            continue
        # Other namespaces are registry extensions and modules an account may have
        # registered (https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/registry.html).
        if not type_name.startswith(("AWS::", "Alexa::")):
            continue
        hint = suggest(type_name, store.type_names)
        if type_name.startswith("AWS::Serverless::"):
            hint = "; it needs `Transform: AWS::Serverless-2016-10-31`"
        yield Violation(
            (*resource.path, "Type"),
            {"resource": resource.logical_id, "type": type_name, "hint": hint},
            resource.logical_id,
        )


def _pointer_parts(pointer: str) -> tuple[str, ...] | None:
    parts = pointer.split("/")
    if len(parts) < 3 or parts[1] != "properties" or "*" in parts:
        return None
    return tuple(parts[2:])


def read_only_property(ctx: CheckContext) -> Iterator[Violation]:
    if has_macro(ctx.template):
        return
    for resource in ctx.template.resources.values():
        if not _validated(ctx, resource):
            continue
        props, where = _properties(ctx, resource)
        if not isinstance(props, dict):
            continue
        reported: list[tuple[str, ...]] = []
        for parts in schemas().read_only(resource.type):
            if parts[0] not in props or any(parts[: len(r)] == r for r in reported):
                continue
            node: Any = props
            path = where
            for part in parts:
                if not isinstance(node, dict) or part not in node:
                    break
                path = child_source(node, path, part)
                node = node[part]
            else:
                reported.append(parts)
                yield Violation(
                    path,
                    {
                        "resource": resource.logical_id,
                        "detail": f"`{'.'.join(parts)}` is read-only on {resource.type}: "
                        "CloudFormation sets it and a template cannot",
                    },
                    resource.logical_id,
                    at_key=True,
                )


def getatt_unknown_attribute(ctx: CheckContext) -> Iterator[Violation]:
    template = ctx.template
    if has_macro(template):
        return
    for ref in ctx.references:
        if ref.kind not in ("getatt", "sub") or not isinstance(ref.attribute, str):
            continue
        resource = template.resources.get(ref.target)
        if resource is None or resource.type.startswith("Custom::") or resource.type == _FREE_FORM:
            continue
        if resource.type == "AWS::CloudFormation::Stack" and ref.attribute.startswith("Outputs."):
            continue
        if schemas().store.get(resource.type) is None:
            continue
        names = schemas().attributes(resource.type)
        if ref.attribute in names:
            continue
        source = ref.source[1] if ref.source[0] in ("Resources", "Outputs") else ref.source[0]
        yield Violation(
            ref.path,
            {
                "source": source,
                "target": ref.target,
                "type": resource.type,
                "attribute": ref.attribute,
                "hint": suggest(ref.attribute, sorted(names)),
            },
            logical_id=ref.source[1] if ref.source[0] == "Resources" else None,
        )
