"""SAM `Globals` merged into the serverless resources, with where each merged value came from.

SAM merges a `Globals.<Section>` value into each resource of the matching type: mappings
merge key by key (the resource wins), lists are the Globals items followed by the
resource's, anything else (a scalar, or an intrinsic function such as `Fn::If`) is taken
from the resource when it sets one
(https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-template-anatomy-globals.html).
`origin` walks the same rules backwards, so a merged value still leads to its source line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from iaclint.load.document import Path

# Resource type -> its `Globals` section.
GLOBAL_SECTIONS: dict[str, str] = {
    "AWS::Serverless::Function": "Function",
    "AWS::Serverless::Api": "Api",
    "AWS::Serverless::HttpApi": "HttpApi",
    "AWS::Serverless::SimpleTable": "SimpleTable",
    "AWS::Serverless::StateMachine": "StateMachine",
    "AWS::Serverless::LayerVersion": "LayerVersion",
}

_MISSING = object()


def _is_intrinsic(value: Any) -> bool:
    if not isinstance(value, dict) or len(value) != 1:
        return False
    key = next(iter(value))
    return isinstance(key, str) and (key == "Ref" or key.startswith("Fn::"))


def _mergeable(value: Any) -> bool:
    return isinstance(value, dict) and not _is_intrinsic(value)


def merge(global_value: Any, local_value: Any) -> Any:
    """The value SAM deploys for one property that Globals and the resource may both set."""
    if _mergeable(global_value) and _mergeable(local_value):
        merged = dict(global_value)
        for key, value in local_value.items():
            merged[key] = merge(global_value[key], value) if key in global_value else value
        return merged
    if isinstance(global_value, list) and isinstance(local_value, list):
        return global_value + local_value
    return local_value


def origin(
    global_value: Any, local_value: Any, global_path: Path, local_path: Path, sub: Path
) -> Path:
    """The source path of the merged value at `sub`: under `local_path` when the resource set
    it, under `global_path` when Globals did; the deepest part of `sub` that can be followed."""
    g, r, gp, lp = global_value, local_value, global_path, local_path
    for part in sub:
        if r is not _MISSING and g is not _MISSING and _mergeable(g) and _mergeable(r):
            g_next, r_next = g.get(part, _MISSING), r.get(part, _MISSING)
            if r_next is _MISSING and g_next is _MISSING:
                break
            g, r = g_next, r_next
            gp, lp = (*gp, part), (*lp, part)
            continue
        if r is not _MISSING and g is not _MISSING and isinstance(g, list) and isinstance(r, list):
            if not isinstance(part, int) or part >= len(g) + len(r):
                break
            if part < len(g):
                g, r, gp = g[part], _MISSING, (*gp, part)
            else:
                g, r, lp = _MISSING, r[part - len(g)], (*lp, part - len(g))
            continue
        if r is not _MISSING:  # the resource's value replaces the Globals one
            g = _MISSING
            nxt = _step(r, part)
            if nxt is _MISSING:
                break
            r, lp = nxt, (*lp, part)
        elif g is not _MISSING:
            nxt = _step(g, part)
            if nxt is _MISSING:
                break
            g, gp = nxt, (*gp, part)
        else:
            break
    return lp if r is not _MISSING or g is _MISSING else gp


def _step(value: Any, part: str | int) -> Any:
    if isinstance(value, dict) and isinstance(part, str):
        return value.get(part, _MISSING)
    if isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
        return value[part]
    return _MISSING


@dataclass(frozen=True, slots=True, eq=False)
class MergedResources:
    """The template's data with Globals merged into each serverless resource."""

    data: dict[str, Any]
    globals: dict[str, Any]  # section -> its mapping, as written
    originals: dict[str, Any]  # logical id -> its `Properties` as written, for merged ones
    sections: dict[str, str]  # logical id -> the Globals section merged into it

    def origin(self, path: Path) -> Path:
        """A path of `data` as a path of the template as written."""
        if len(path) < 3 or path[0] != "Resources" or path[2] != "Properties":
            return path
        logical_id = path[1]
        section = self.sections.get(logical_id) if isinstance(logical_id, str) else None
        if section is None:
            return path
        base: Path = ("Resources", logical_id, "Properties")
        return origin(
            self.globals[section], self.originals[logical_id], ("Globals", section), base, path[3:]
        )


def merge_globals(data: dict[str, Any]) -> MergedResources:
    """Globals merged into every serverless resource of a section it sets; the rest of the
    data is shared with `data`, never copied or changed."""
    raw = data.get("Globals")
    sections = {
        name: value
        for name, value in (raw.items() if isinstance(raw, dict) else ())
        if isinstance(value, dict)
    }
    resources = data.get("Resources")
    if not sections or not isinstance(resources, dict):
        return MergedResources(data, sections, {}, {})
    new_resources: dict[str, Any] = {}
    originals: dict[str, Any] = {}
    merged_into: dict[str, str] = {}
    for logical_id, body in resources.items():
        rtype = body.get("Type") if isinstance(body, dict) else None
        section = GLOBAL_SECTIONS.get(rtype) if isinstance(rtype, str) else None
        if section is None or section not in sections:
            new_resources[logical_id] = body
            continue
        props = body.get("Properties")
        props = props if isinstance(props, dict) else {}
        originals[logical_id] = props
        merged_into[logical_id] = section
        new_resources[logical_id] = {**body, "Properties": merge(sections[section], props)}
    return MergedResources({**data, "Resources": new_resources}, sections, originals, merged_into)
