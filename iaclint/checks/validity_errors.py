"""Turn jsonschema's errors on a resource into validity problems: which rule family each
belongs to, where in the template it points, and a plain message in the schema's words
("`BackupRetentionPeriod` must be between 0 and 35, got 40")."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from iaclint.findings.finding import format_property_path
from iaclint.load.document import Path
from iaclint.model.template import Resource
from iaclint.policy.engine import show_value
from iaclint.resolve.values import child_source
from iaclint.schemas.keywords import KMS_FORMATS, TYPE_TESTS

if TYPE_CHECKING:
    from jsonschema import ValidationError

_FAMILY = {
    "additionalProperties": "unknown-property",
    "required": "required",
    "type": "type",
    "enum": "enum",
    "const": "enum",
    "pattern": "pattern",
    "minLength": "pattern",
    "maxLength": "pattern",
    "minItems": "pattern",
    "maxItems": "pattern",
    "format": "pattern",
    "minimum": "range",
    "maximum": "range",
    "exclusiveMinimum": "range",
    "exclusiveMaximum": "range",
}
_TYPE_WORDS = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "object": "a mapping",
    "array": "a list",
    "null": "null",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One schema problem of a resource, worded for the rule of its family."""

    family: str
    path: Path
    message: str
    logical_id: str
    at_key: bool = False


def suggest(name: str, candidates: Any) -> str:
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.7)
    return f"; did you mean `{close[0]}`?" if close else ""


def source_of(value: Any, path: Path, steps: Any) -> tuple[Path, Any]:
    """Follow an error's path through resolved data to its source path and value."""
    for step in steps:
        path = child_source(value, path, step)
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            value = None
    return path, value


def classify(
    error: ValidationError, props: Any, where: Path, resource: Resource
) -> Iterator[Problem]:
    if error.validator in ("oneOf", "anyOf"):
        yield from _alternatives(error, props, where, resource)
        return
    family = _FAMILY.get(str(error.validator), "combination")
    path, value = source_of(props, where, error.absolute_path)
    name = _name(path, resource)
    yield Problem(
        family,
        path,
        _describe(error, name, value, resource),
        resource.logical_id,
        at_key=family in ("unknown-property", "required", "combination"),
    )


def _alternatives(
    error: ValidationError, props: Any, where: Path, resource: Resource
) -> Iterator[Problem]:
    subschemas = error.validator_value if isinstance(error.validator_value, list) else []
    path, value = source_of(props, where, error.absolute_path)
    name = _name(path, resource)
    types = [s.get("type") for s in subschemas if isinstance(s, dict)]
    flat = [t for group in types for t in (group if isinstance(group, list) else [group])]
    if (
        types
        and all(isinstance(t, str) for t in flat)
        and len(types) == len(subschemas)
        and not any(t in TYPE_TESTS and TYPE_TESTS[t](value) for t in flat)
    ):
        types = flat
        words = " or ".join(_TYPE_WORDS.get(t, t) for t in types)
        yield Problem(
            "type", path, f"`{name}` must be {words}, got {_kind(value)}", resource.logical_id
        )
        return
    choices = [s.get("required") for s in subschemas if isinstance(s, dict)]
    if choices and all(isinstance(c, list) and c for c in choices):
        options = ", ".join(" + ".join(f"`{n}`" for n in c) for c in choices)
        many = (
            error.message.endswith("is valid under each of") or "valid under each" in error.message
        )
        how = "only one" if many else ("exactly one" if error.validator == "oneOf" else "one")
        yield Problem(
            "combination",
            path,
            f"`{name}` needs {how} of {options}",
            resource.logical_id,
            at_key=True,
        )
        return
    # Otherwise report the error of the alternative that came closest.
    from jsonschema.exceptions import best_match

    # Prefer the alternatives whose type the value has: a list is judged by the list form.
    context = list(error.context or [])
    fitting = [e for e in context if not (e.validator == "type" and not e.relative_path)]
    best = best_match(fitting or context)
    if best is None or best.validator in ("oneOf", "anyOf"):
        yield Problem(
            "combination", path, f"`{name}` matches none of the allowed forms", resource.logical_id
        )
        return
    yield from classify(best, props, where, resource)


def _name(path: Path, resource: Resource) -> str:
    inner = path[len(resource.path) + 1 :] if path[: len(resource.path)] == resource.path else path
    kept: list[str | int] = []
    after_function = False
    for part in inner:  # `DelaySeconds.Fn::If[1]` reads as `DelaySeconds`
        if isinstance(part, str) and part.startswith("Fn::"):
            after_function = True
        elif not (after_function and isinstance(part, int)):
            kept.append(part)
            after_function = False
        else:
            after_function = False
    return format_property_path(tuple(kept)) or "Properties"


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return f"boolean `{show_value(value)}`"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        return f"number `{value}`"
    return f"`{show_value(value)}`"


def _describe(error: ValidationError, name: str, value: Any, resource: Resource) -> str:
    keyword, schema, arg = error.validator, error.schema, error.validator_value
    shown = show_value(value)
    if keyword == "additionalProperties":
        parent, _, key = name.rpartition(".")
        owner = f"`{parent}`" if parent else resource.type
        return f"`{key}` is not a property of {owner}{suggest(key, arg or [])}"
    if keyword == "required":
        owner = resource.type if name == "Properties" else f"`{name}`"
        return f"{owner} requires property `{arg}`, which is not set"
    if keyword == "type":
        wanted = [arg] if isinstance(arg, str) else list(arg)
        words = " or ".join(_TYPE_WORDS.get(t, t) for t in wanted)
        return f"`{name}` must be {words}, got {_kind(value)}"
    if keyword in ("enum", "const"):
        options = arg if keyword == "enum" else [schema.get("const")]
        listed = ", ".join(f"`{show_value(o)}`" for o in options[:8])
        more = f" (and {len(options) - 8} more)" if len(options) > 8 else ""
        hint = suggest(str(shown), [str(o) for o in options]) if isinstance(value, str) else ""
        return f"`{name}` must be one of {listed}{more}, got `{shown}`{hint}"
    if keyword == "pattern":
        return f"`{name}` must match the pattern `{arg}`, got `{shown}`"
    if keyword == "format" and arg in KMS_FORMATS:
        return (
            f"`{name}` must name a KMS key by key id, key ARN, alias (`alias/...`) or alias "
            f"ARN, got `{shown}`"
        )
    if keyword == "format":
        what = "an IPv4" if arg == "ipv4-network" else "an IPv6"
        return f"`{name}` must be {what} network in CIDR form with no host bits set, got `{shown}`"
    if keyword in ("minLength", "maxLength"):
        bounds = _between(schema, "minLength", "maxLength")
        return f"`{name}` must be {bounds} characters long, got {len(value)}"
    if keyword in ("minItems", "maxItems"):
        return (
            f"`{name}` must have {_between(schema, 'minItems', 'maxItems')} items, got {len(value)}"
        )
    if keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        low = schema.get("minimum", schema.get("exclusiveMinimum"))
        high = schema.get("maximum", schema.get("exclusiveMaximum"))
        if low is not None and high is not None:
            return f"`{name}` must be between {low} and {high}, got {shown}"
        if low is not None:
            return f"`{name}` must be at least {low}, got {shown}"
        return f"`{name}` must be at most {high}, got {shown}"
    if keyword in ("dependencies", "dependentRequired") and isinstance(arg, tuple):
        return f"`{name}` sets `{arg[0]}`, which also needs `{arg[1]}`"
    if keyword == "not":
        return f"`{name}` uses a combination of properties the schema forbids"
    return f"`{name}` does not match the schema ({keyword})"


def _between(schema: dict[str, Any], low_key: str, high_key: str) -> str:
    low, high = schema.get(low_key), schema.get(high_key)
    if low is not None and high is not None:
        return f"between {low} and {high}"
    return f"at least {low}" if low is not None else f"at most {high}"
