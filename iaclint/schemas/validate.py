"""jsonschema, taught CloudFormation's rules: resolved template values are validated
against a resource's provider schema, with the template's coercions and unknowns.

CloudFormation passes every scalar to the resource provider as text and converts it to
the schema's type, so `"5"` is an integer, `"true"` a boolean and `5` a string
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html).
A value the resolver could not know (`Unknown`) satisfies every keyword: an unknown is
never a violation.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator
from typing import Any

from jsonschema import Draft7Validator, ValidationError, validators

from iaclint.resolve.values import Unknown

Keyword = Callable[[Any, Any, Any, dict[str, Any]], Iterator[ValidationError] | None]
_INTEGER = re.compile(r"^[+-]?\d+$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def as_number(value: Any) -> int | float | None:
    """The number CloudFormation would read from `value`, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str) and _NUMBER.match(value.strip()):
        text = value.strip()
        return int(text) if _INTEGER.match(text) else float(text)
    return None


def as_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    return None


def _is_string(_checker: Any, value: Any) -> bool:
    return isinstance(value, str | int | float)  # bool is an int


def _is_integer(_checker: Any, value: Any) -> bool:
    number = as_number(value)
    return isinstance(number, int) or (isinstance(number, float) and number.is_integer())


def _is_number(_checker: Any, value: Any) -> bool:
    return as_number(value) is not None


def _is_boolean(_checker: Any, value: Any) -> bool:
    return isinstance(value, bool) or (
        isinstance(value, str) and value.lower() in ("true", "false")
    )


TYPES = Draft7Validator.TYPE_CHECKER.redefine_many(
    {"string": _is_string, "integer": _is_integer, "number": _is_number, "boolean": _is_boolean}
)


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, dict | list) or isinstance(right, dict | list):
        return bool(left == right)
    left_text, right_text = as_text(left), as_text(right)
    return left_text is not None and left_text == right_text


def _enum(_v: Any, allowed: list[Any], value: Any, _s: dict[str, Any]) -> Iterator[ValidationError]:
    if isinstance(value, str) and value in allowed:
        return  # the common case, without the text comparison of every option
    if not any(_same(value, option) for option in allowed):
        yield ValidationError("enum", validator_value=allowed)


def _const(_v: Any, allowed: Any, value: Any, _s: dict[str, Any]) -> Iterator[ValidationError]:
    if not _same(value, allowed):
        yield ValidationError("const")


def _bound(test: Callable[[float, float], bool]) -> Keyword:
    def check(_v: Any, limit: Any, value: Any, _s: dict[str, Any]) -> Iterator[ValidationError]:
        number = as_number(value)
        if number is not None and isinstance(limit, int | float) and not test(number, limit):
            yield ValidationError("range")

    return check


def _compiled(pattern: str) -> re.Pattern[str] | None:
    # Provider schemas are written for ECMA-262 regexes; the few that Python cannot
    # compile are skipped rather than guessed at. (`re` keeps its own compile cache.)
    try:
        return re.compile(pattern)
    except re.error:
        return None


def _pattern(_v: Any, pattern: str, value: Any, _s: dict[str, Any]) -> Iterator[ValidationError]:
    text = value if isinstance(value, str) else None
    regex = _compiled(pattern) if isinstance(pattern, str) else None
    if text is not None and regex is not None and not regex.search(text):
        yield ValidationError("pattern")


def _length(test: Callable[[int, int], bool], kind: type) -> Keyword:
    def check(_v: Any, limit: Any, value: Any, _s: dict[str, Any]) -> Iterator[ValidationError]:
        if isinstance(value, kind) and not test(len(value), limit):
            yield ValidationError("length")

    return check


# Any of the four ways to name a KMS key, whichever of them the schema's format names:
# https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id
_KMS_KEY = re.compile(
    r"^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)/.+|alias/.+"
    r"|mrk-[0-9a-fA-F]{32}|[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12})$"
)
KMS_FORMATS = frozenset({"AWS::KMS::Key.Arn", "AWS::KMS::Key.Id", "AWS::KMS::Alias.AliasName"})


def _format(_v: Any, name: str, value: Any, _s: dict[str, Any]) -> Iterator[ValidationError]:
    """Network and KMS key formats only: the others in provider schemas are informal
    names (`AWS::IAM::Role.Arn`, `json`, `int64`) rather than checkable formats."""
    if not isinstance(value, str):
        return
    if name in KMS_FORMATS:
        if not _KMS_KEY.match(value.strip()):
            yield ValidationError("format")
        return
    if name not in _NETWORKS:
        return
    try:
        _NETWORKS[name](value.strip(), strict=True)
    except ValueError:
        yield ValidationError("format")


_NETWORKS: dict[str, Callable[..., Any]] = {
    "ipv4-network": ipaddress.IPv4Network,
    "ipv6-network": ipaddress.IPv6Network,
}


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
    patterns = [p for p in schema.get("patternProperties", {}) if _compiled(p) is not None]
    for key in value:
        if key in known or any(_compiled(p).search(key) for p in patterns):  # type: ignore[union-attr]
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


def _is_rain_directive(value: Any) -> bool:
    """`{"Rain::Embed": file}` and friends in JSON: Rain replaces them before deploying."""
    return (
        isinstance(value, dict)
        and len(value) == 1
        and next(iter(value)).startswith(("Rain::", "Fn::Rain::"))
    )


def _skip_unknown(keyword: Keyword) -> Keyword:
    def check(validator: Any, arg: Any, value: Any, schema: dict[str, Any]) -> Any:
        if type(value) is Unknown or _is_rain_directive(value):
            return None
        return keyword(validator, arg, value, schema)

    return check


_OVERRIDES: dict[str, Keyword] = {
    "enum": _enum,
    "const": _const,
    "minimum": _bound(lambda n, limit: n >= limit),
    "maximum": _bound(lambda n, limit: n <= limit),
    "exclusiveMinimum": _bound(lambda n, limit: n > limit),
    "exclusiveMaximum": _bound(lambda n, limit: n < limit),
    "pattern": _pattern,
    "minLength": _length(lambda n, limit: n >= limit, str),
    "maxLength": _length(lambda n, limit: n <= limit, str),
    "minItems": _length(lambda n, limit: n >= limit, list),
    "maxItems": _length(lambda n, limit: n <= limit, list),
    "required": _required,
    "additionalProperties": _additional,
    "dependencies": _dependencies,
    "dependentRequired": _dependencies,
    # Not checked: `uniqueItems` (two unknowns
    # would look equal), `propertyNames`, `contains`.
    "format": _format,
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


def properties_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A provider schema as the schema of a resource's `Properties`."""
    body = {key: value for key, value in schema.items() if key != "readOnlyProperties"}
    body.setdefault("type", "object")
    return body


def validator_for(schema: dict[str, Any]) -> Any:
    """A validator for a resource's `Properties` under its provider schema."""
    return CloudFormationValidator(properties_schema(schema))
