"""Checks on the template's own wiring: references, conditions, cycles, unused parts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from iaclint.graph.build import NodeKey, Reference, target_node
from iaclint.model.template import Template
from iaclint.policy.context import CheckContext, Violation
from iaclint.resolve.resolver import PSEUDO_PARAMETERS

_VALUE_KINDS = ("ref", "getatt", "sub", "depends_on")
_SAM_IMPLICIT = ("ServerlessRestApi", "ServerlessHttpApi", "ServerlessDeploymentBucket")


def has_macro(template: Template) -> bool:
    """Macros other than SAM (and Rain modules) can add anything; references into what
    they generate cannot be judged."""
    return template.opaque or any(t != "AWS::Serverless-2016-10-31" for t in template.transform)


def _source_name(ref: Reference) -> str:
    return (
        ref.source[1] if ref.source[0] in ("Resources", "Outputs", "Conditions") else ref.source[0]
    )


def _sam_generated(template: Template, name: str) -> bool:
    """Names SAM creates from a serverless resource (`FnRole`, `Api.Stage`, ...)."""
    if not template.is_sam:
        return False
    if name in _SAM_IMPLICIT:
        return True
    return any(
        name.startswith(logical_id)
        for logical_id, r in template.resources.items()
        if r.type.startswith("AWS::Serverless::")
    )


def _suggest(name: str, candidates: list[str]) -> str:
    import difflib  # only with a misspelling to suggest for

    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.75)
    return f"; did you mean `{close[0]}`?" if close else ""


def undefined_reference(ctx: CheckContext) -> Iterator[Violation]:
    template = ctx.template
    if has_macro(template):
        return
    names = [*template.resources, *template.parameters]
    for ref in ctx.references:
        if ref.kind not in _VALUE_KINDS:
            continue
        target = ref.target
        if ref.kind in ("ref", "sub") and (
            target in PSEUDO_PARAMETERS or target in template.parameters
        ):
            continue
        if target in template.resources or _sam_generated(template, target):
            continue
        if ref.kind in ("getatt", "depends_on") and target in template.parameters:
            continue  # a parameter there is TPL002's finding, or harmless for depends_on
        kind = {"ref": "Ref", "getatt": "Fn::GetAtt", "sub": "Fn::Sub", "depends_on": "DependsOn"}[
            ref.kind
        ]
        yield Violation(
            ref.path,
            {
                "source": _source_name(ref),
                "kind": kind,
                "target": target,
                "hint": _suggest(target, names),
            },
            logical_id=ref.source[1] if ref.source[0] == "Resources" else None,
        )


def getatt_on_non_resource(ctx: CheckContext) -> Iterator[Violation]:
    for ref in ctx.references:
        if ref.kind == "getatt" and ref.target in ctx.template.parameters:
            yield Violation(
                ref.path,
                {"source": _source_name(ref), "target": ref.target},
                logical_id=ref.source[1] if ref.source[0] == "Resources" else None,
            )


def circular_dependency(ctx: CheckContext) -> Iterator[Violation]:
    # A serverless resource becomes several resources with their own edges when SAM
    # expands it, so a cycle through one cannot be judged before expansion.
    resources = {
        name
        for name, resource in ctx.template.resources.items()
        if not resource.type.startswith("AWS::Serverless::")
    }
    # The graph's resource-to-resource edges, straight from the references (most templates
    # need no graph index for anything else).
    uses: dict[str, set[str]] = {}
    for ref in ctx.references:
        if ref.source[0] != "Resources" or ref.source[1] not in resources:
            continue
        target = target_node(ctx.template, ref)
        if target is not None and target[0] == "Resources" and target[1] in resources:
            uses.setdefault(ref.source[1], set()).add(target[1])
    if not uses:
        return
    # The standard library finds out whether there is a cycle at all; networkx, imported
    # only then, names each one.
    from graphlib import CycleError, TopologicalSorter

    try:
        TopologicalSorter(uses).prepare()
    except CycleError:
        yield from _name_cycles(ctx, {("Resources", name) for name in resources})


def _name_cycles(ctx: CheckContext, resources: set[NodeKey]) -> Iterator[Violation]:
    import networkx as nx

    sub = ctx.graph.subgraph(resources)
    # Each cycle starts at its alphabetically first resource and follows the shortest way
    # back, neighbours in name order: the same cycle whatever the template's layout.
    for component in nx.strongly_connected_components(sub):
        start = min(component)
        if len(component) == 1 and not sub.has_edge(start, start):
            continue
        names = _shortest_cycle(sub, start, component)
        first_ref = sub.edges[start, names[1]]["refs"][0]
        labels = " -> ".join(f"`{node[1]}`" for node in names)
        yield Violation(first_ref.path, {"cycle": labels}, logical_id=start[1])


def _shortest_cycle(graph: Any, start: NodeKey, component: set[NodeKey]) -> list[NodeKey]:
    previous: dict[NodeKey, NodeKey] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for succ in sorted(s for s in graph.successors(node) if s in component):
                if succ == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [*reversed(path), start]
                if succ not in previous:
                    previous[succ] = node
                    following.append(succ)
        frontier = following
    return [start, start]


def undefined_condition(ctx: CheckContext) -> Iterator[Violation]:
    conditions = list(ctx.template.conditions)
    for ref in ctx.references:
        if ref.kind == "condition" and ref.target not in ctx.template.conditions:
            yield Violation(
                ref.path,
                {
                    "source": _source_name(ref),
                    "target": ref.target,
                    "hint": _suggest(ref.target, conditions),
                },
                logical_id=ref.source[1] if ref.source[0] == "Resources" else None,
            )


def undefined_mapping_key(ctx: CheckContext) -> Iterator[Violation]:
    """`Fn::FindInMap` with literal names that are not in Mappings."""
    mappings = ctx.template.mappings
    for ref in ctx.references:
        if ref.kind != "findinmap":
            continue
        args = ctx.template.data
        for part in ref.path[:-1]:
            args = args[part]
        if not isinstance(args, list) or len(args) < 3:
            continue
        has_default = len(args) == 4 and isinstance(args[3], dict) and "DefaultValue" in args[3]
        node: object = mappings
        for depth, key in enumerate(args[:3]):
            if not isinstance(key, str) or not isinstance(node, dict):
                break  # a computed key: the resolver decides it per scenario
            if key not in node:
                if has_default:
                    break
                what = ("mapping", "top-level key", "second-level key")[depth]
                yield Violation(
                    (*ref.path[:-1], depth),
                    {
                        "source": _source_name(ref),
                        "what": what,
                        "key": key,
                        "hint": _suggest(key, list(node)),
                    },
                    logical_id=ref.source[1] if ref.source[0] == "Resources" else None,
                )
                break
            node = node[key]


def _used(ctx: CheckContext, kinds: tuple[str, ...]) -> set[str]:
    return {ref.target for ref in ctx.references if ref.kind in kinds}


def unused_parameter(ctx: CheckContext) -> Iterator[Violation]:
    if has_macro(ctx.template):
        return
    used = _used(ctx, ("ref", "sub", "getatt"))  # a GetAtt on it is TPL002, not "unused"
    for name, param in ctx.template.parameters.items():
        if name not in used:
            yield Violation(param.path, {"name": name}, at_key=True)


def unused_mapping(ctx: CheckContext) -> Iterator[Violation]:
    if has_macro(ctx.template):
        return
    used = _used(ctx, ("findinmap",))
    if "" in used:
        return  # some Fn::FindInMap computes its mapping name
    for name in ctx.template.mappings:
        if name not in used:
            yield Violation(("Mappings", name), {"name": name}, at_key=True)


def unused_condition(ctx: CheckContext) -> Iterator[Violation]:
    if has_macro(ctx.template):
        return
    used = _used(ctx, ("condition",))
    for name in ctx.template.conditions:
        if name not in used:
            yield Violation(("Conditions", name), {"name": name}, at_key=True)


def malformed_section(ctx: CheckContext) -> Iterator[Violation]:
    for problem in ctx.template.problems:
        logical_id = (
            problem.path[1]
            if problem.path[:1] == ("Resources",) and len(problem.path) > 1
            else None
        )
        yield Violation(problem.path, {"problem": problem.message}, logical_id=logical_id)
