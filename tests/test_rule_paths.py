"""Like trivy's `schemas:` annotations: every `Properties.X` path a rule's `match` or
`unless` names exists in the CloudFormation resource schema of one of its resource types
(a rule over several types names each type's own paths), so a typo in a rule is caught
here instead of silently never matching."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from iaclint.policy.loader import builtin_rules_dir, load_rule_files
from iaclint.schemas.store import SchemaStore

RULES = [
    r
    for r in load_rule_files([builtin_rules_dir()])
    if r.scope == "resource" and "match" in r.check
]
STORE = SchemaStore()
# Nodes whose `path`s are relative to a list item or to another resource.
_RELATIVE = ("each", "every", "related", "count")


def _paths(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("path"), str):
            yield node["path"]
        if isinstance(node.get("report"), str):
            yield node["report"]
        for key, value in node.items():
            if key in _RELATIVE:
                if isinstance(value, str):
                    yield value  # `each: Properties.X` names the list itself
                continue
            yield from _paths(value)
    elif isinstance(node, list):
        for item in node:
            yield from _paths(item)


def _exists(schema: dict[str, Any], parts: list[str]) -> bool:
    node: Any = schema
    for part in parts:
        if part.isdigit():
            node = node.get("items", {}) if isinstance(node, dict) else {}
        else:
            props = _properties(schema, node)
            if props is None:
                return True  # free-form below this point (`json`, a mapping of anything)
            if part not in props:
                return False
            node = props[part]
        node = _deref(schema, node)
    return True


def _deref(schema: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        node = schema["definitions"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _properties(schema: dict[str, Any], node: Any) -> dict[str, Any] | None:
    node = _deref(schema, node)
    if not isinstance(node, dict):
        return None
    if "items" in node and "properties" not in node:
        node = _deref(schema, node["items"])
    merged: dict[str, Any] = dict(node.get("properties", {}))
    for key in ("oneOf", "anyOf", "allOf"):
        for branch in node.get(key, []):
            merged.update((_deref(schema, branch) or {}).get("properties", {}))
    if not merged:
        return None
    return merged


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_property_paths_exist_in_the_resource_schemas(rule):
    problems = []
    for path in set(_paths([rule.check.get("match"), rule.check.get("unless")])):
        parts = path.split(".")
        if parts[0] != "Properties" or len(parts) < 2:
            continue
        schemas = [s for t in rule.resource_types if (s := STORE.get(t)) is not None]
        if schemas and not any(_exists(schema, parts[1:]) for schema in schemas):
            problems.append(f"{path} is not a property path of {', '.join(rule.resource_types)}")
    assert not problems, "\n".join(problems)
