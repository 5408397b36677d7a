"""Helpers shared by the logging (LOG) checks: the template resources a resolved reference
names, values that might name any resource, list items and id lists for messages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from iaclint.model.template import Resource
from iaclint.policy.context import CheckContext
from iaclint.resolve.values import ABSENT, Unknown


def named_resources(value: Any, ctx: CheckContext, types: Iterable[str]) -> list[Resource]:
    """Active template resources of these types that a resolved reference names."""
    if not isinstance(value, Unknown):
        return []
    wanted = set(types)
    found = (ctx.template.resources.get(ref) for ref in value.refs)
    return [r for r in found if r is not None and r.type in wanted and ctx.is_active(r)]


def untraced(value: Any, ctx: CheckContext) -> bool:
    """An unknown value built from no template resource (a parameter, an import): it might
    name any resource, so the answer is unknown."""
    if isinstance(value, Unknown):
        return not any(ref in ctx.template.resources for ref in value.refs)
    if isinstance(value, dict):
        return any(untraced(item, ctx) for item in value.values())
    if isinstance(value, list):
        return any(untraced(item, ctx) for item in value)
    return False


def show_all_ids(ids: Iterable[str]) -> str:
    """Every id in backticks, sorted, for messages."""
    return ", ".join(f"`{i}`" for i in sorted(ids))


def list_items(value: Any) -> list[Any]:
    """A list's items; an unknown value is one unknown item; absent is none."""
    if value is ABSENT or value is None:
        return []
    return value if isinstance(value, list) else [value]
