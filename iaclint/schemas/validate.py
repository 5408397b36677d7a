"""jsonschema, taught CloudFormation's rules: resolved template values are validated
against a resource's provider schema, with the template's coercions (keywords.py) and
unknowns. A value the resolver could not know (`Unknown`) satisfies every keyword: an
unknown is never a violation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from jsonschema import Draft7Validator, ValidationError, validators

from iaclint.resolve.values import Unknown
from iaclint.schemas.keywords import LEAVES, TYPE_TESTS, compiled, is_rain_directive
from iaclint.schemas.store import properties_schema

Keyword = Callable[[Any, Any, Any, dict[str, Any]], Iterator[ValidationError] | None]

TYPES = Draft7Validator.TYPE_CHECKER.redefine_many(
    {name: (lambda test: lambda _checker, value: test(value))(TYPE_TESTS[name])
     for name in ("string", "integer", "number", "boolean")}
)  # fmt: skip


def _leaf(name: str) -> Keyword:
    test, kind = LEAVES[name]

    def check(_v: Any, arg: Any, value: Any, _s: dict[str, Any]) -> Iterator[ValidationError]:
        if not test(arg, value):
            yield ValidationError(kind)

    return check


def _required(
    _v: Any, names: list[str], value: Any, _s: dict[str, Any]
) -> Iterator[ValidationError]:
    if isinstance(value, dict):
        for name in names:
            if name not in value:
                yield ValidationError("required", validator_value=name)


def _additional(
    validator: Any, allowed: Any, value: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    if not isinstance(value, dict):
        return
    known = schema.get("properties", {})
    patterns = [p for p in schema.get("patternProperties", {}) if compiled(p) is not None]
    for key in value:
        if key in known or any(compiled(p).search(key) for p in patterns):  # type: ignore[union-attr]
            continue
        if allowed is False:
            yield ValidationError("additionalProperties", path=[key], validator_value=sorted(known))
        elif isinstance(allowed, dict):
            yield from validator.descend(value[key], allowed, path=key)


def _dependencies(
    validator: Any, dependencies: dict[str, Any], value: Any, _s: dict[str, Any]
) -> Iterator[ValidationError]:
    if not isinstance(value, dict):
        return
    for name, needed in dependencies.items():
        if name not in value:
            continue
        if isinstance(needed, list):
            for other in needed:
                if other not in value:
                    yield ValidationError("dependencies", validator_value=(name, other))
        else:
            yield from validator.descend(value, needed, schema_path=name)


def _ignore(*_args: Any) -> None:
    return None


def _skip_unknown(keyword: Keyword) -> Keyword:
    def check(validator: Any, arg: Any, value: Any, schema: dict[str, Any]) -> Any:
        if type(value) is Unknown or is_rain_directive(value):
            return None
        return keyword(validator, arg, value, schema)

    return check


_OVERRIDES: dict[str, Keyword] = {
    **{name: _leaf(name) for name in LEAVES},
    "required": _required,
    "additionalProperties": _additional,
    "dependencies": _dependencies,
    "dependentRequired": _dependencies,
    # Not checked: `uniqueItems` (two unknowns
    # would look equal), `propertyNames`, `contains`.
    "uniqueItems": _ignore,
    "propertyNames": _ignore,
    "contains": _ignore,
}

CloudFormationValidator = validators.extend(
    Draft7Validator,
    validators={
        name: _skip_unknown(_OVERRIDES.get(name, keyword))
        for name, keyword in {**Draft7Validator.VALIDATORS, **_OVERRIDES}.items()
    },
    type_checker=TYPES,
)


def validator_for(schema: dict[str, Any]) -> Any:
    """A validator for a resource's `Properties` under its provider schema."""
    return CloudFormationValidator(properties_schema(schema))
