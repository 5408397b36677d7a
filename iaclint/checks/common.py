"""Value helpers shared by the Python checks: known numbers, SAM `Globals` inheritance,
where a finding about a missing property points, the items of a list or map with their
source paths, and a resource's tags. Every helper answers "not known" (None) for a value
iaclint cannot know."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from iaclint.load.document import Path
from iaclint.model.template import Resource
from iaclint.policy.context import CheckContext
from iaclint.policy.language import Focus, as_float, contains_unknown, lookup
from iaclint.resolve.values import ABSENT, Unknown, child_source

FUNCTION_TYPES = ("AWS::Lambda::Function", "AWS::Serverless::Function")


def as_number(value: Any) -> float | None:
    """A known number (CloudFormation also takes numbers as strings), else None."""
    return None if contains_unknown(value) else as_float(value)


def as_integer(value: Any) -> int | None:
    """A known integer (also from a string), else None."""
    if isinstance(value, bool) or contains_unknown(value):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def raw_at(data: Any, path: Path) -> Any:
    """The template's value at a source path as written, or None."""
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def show_number(number: float) -> str:
    return f"{int(number)}" if number.is_integer() else f"{number}"


def as_text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def type_path(resource: Resource) -> Path:
    return (*resource.path, "Type")


def sam_globals(ctx: CheckContext, section: str) -> Focus | None:
    """`Globals.<section>` of a SAM template, resolved for the scenario."""
    raw = ctx.template.data.get("Globals")
    if not ctx.template.is_sam or not isinstance(raw, dict):
        return None
    if not isinstance(raw.get(section), dict):
        return None
    value = ctx.resolver.resolve(raw[section], ("Globals", section))
    return Focus(value, ("Globals", section)) if isinstance(value, dict) else None


def inherited_setting(
    ctx: CheckContext, resource: Resource, dotted: str, section: str | None = None
) -> tuple[Any, Path, bool]:
    """A property of the resource or, for a SAM resource that omits it, the value it inherits
    from `Globals.<section>`. Returns the value (ABSENT if neither sets it), its source path,
    and whether it came from Globals."""
    value, path = lookup(ctx.resolved_focus(resource), f"Properties.{dotted}")
    if value is ABSENT and section and resource.type.startswith("AWS::Serverless::"):
        shared = sam_globals(ctx, section)
        if shared is not None:
            inherited, shared_path = lookup(shared, dotted)
            if inherited is not ABSENT:
                return inherited, shared_path, True
    return value, path, False


def present_parent(ctx: CheckContext, resource: Resource, dotted: str) -> Path:
    """Where a finding about a missing property points: its deepest present parent below
    `Properties`, else the resource's Type line."""
    focus = ctx.resolved_focus(resource)
    parts = dotted.split(".")[:-1]
    while parts:
        value, path = lookup(focus, "Properties." + ".".join(parts))
        if value is not ABSENT:
            return path
        parts.pop()
    return type_path(resource)


def waits_for(ctx: CheckContext, resource: Resource, other: Resource) -> bool:
    """Does `resource` wait for `other` (DependsOn, Ref or GetAtt, directly or through
    other resources)?"""
    seen: set[str] = set()
    todo = [resource.logical_id]
    while todo:
        current = todo.pop()
        if current == other.logical_id:
            return True
        if current in seen:
            continue
        seen.add(current)
        todo.extend(r.logical_id for r in ctx.query.targets(current))
    return False


def active_resources(ctx: CheckContext, types: Iterable[str]) -> Iterator[Resource]:
    """The resources of these types whose condition is not false, in template order."""
    for resource in ctx.template.of_types(types):
        if ctx.is_active(resource):
            yield resource


def points_here(value: Any, resource: Resource, ctx: CheckContext) -> bool | None:
    """Does a resolved reference name `resource`? True, False, or None when it cannot be
    told (an unknown value not built from a template resource)."""
    if not isinstance(value, Unknown):
        return False
    if resource.logical_id in value.refs:
        return True
    return False if any(ref in ctx.template.resources for ref in value.refs) else None


def outside_bounds(value: Any, low: int, high: int, unit: str) -> dict[str, str] | None:
    """Message arguments when a known number lies outside [low, high]."""
    number = as_number(value)
    if number is None or low <= number <= high:
        return None
    return {"value": f"`{show_number(number)}`", "limit": f"{low:,} to {high:,} {unit}"}


def items_with_paths(value: Any, path: Path) -> Iterator[tuple[Any, Path]]:
    """The items of a resolved list, or the values of a resolved map, with source paths."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield item, child_source(value, path, index)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield item, child_source(value, path, key)


def resource_tags(
    ctx: CheckContext, resource: Resource, prop: str = "Tags"
) -> dict[str, Any] | None:
    """The resource's tags as key -> value (a value may be Unknown), from either the
    `[{Key, Value}]` list form or the map form; None when the keys cannot be known."""
    tags, _ = lookup(ctx.resolved_focus(resource), f"Properties.{prop}")
    if tags is ABSENT:
        return {}
    if isinstance(tags, dict):
        return None if any(isinstance(k, Unknown) for k in tags) else dict(tags)
    if not isinstance(tags, list):
        return None
    found: dict[str, Any] = {}
    for item in tags:
        if item is ABSENT:
            continue
        key = item.get("Key", ABSENT) if isinstance(item, dict) else ABSENT
        if not isinstance(key, str):
            return None  # an unknown item or key: any key might be there
        found[key] = item.get("Value", "")
    return found
