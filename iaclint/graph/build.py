"""Graph stage: a networkx DiGraph of resources, parameters, conditions, mappings, outputs.

An edge A -> B means "A uses B"; its `refs` attribute lists every Reference that makes
it (kind ref/getatt/sub/depends_on/condition/findinmap and the source property path).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from iaclint.load.document import Path
from iaclint.model.template import Template
from iaclint.resolve.resolver import PSEUDO_PARAMETERS

if TYPE_CHECKING:
    import networkx as nx

NodeKey = tuple[str, str]  # (section, name): ("Resources", "Bucket"), ("Parameters", "Env")

_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


@dataclass(frozen=True, slots=True)
class Reference:
    """One reference in a template: from a node (resource, output, ...) to a name."""

    source: NodeKey
    target: str  # the name as written (logical id, parameter, condition or mapping)
    kind: str  # ref | getatt | sub | depends_on | condition | findinmap
    path: Path  # source path of the reference itself
    attribute: str | None = None  # for getatt (and sub `${Res.Attr}`)

    @property
    def property_path(self) -> str:
        """The property it sits under, without list indices and intrinsic names,
        e.g. `VpcConfig.SubnetIds` for a Ref inside a Lambda function's VpcConfig."""
        parts = self.path[3:] if self.path[2:3] == ("Properties",) else self.path[2:]
        return ".".join(
            p for p in parts if isinstance(p, str) and p != "Ref" and not p.startswith("Fn::")
        )


def _collect(value: Any, path: Path, source: NodeKey, out: list[Reference]) -> None:
    stack: list[tuple[Any, Path]] = [(value, path)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, list):
            stack.extend((item, (*where, i)) for i, item in enumerate(node))
            continue
        if not isinstance(node, dict):
            continue
        for key, arg in node.items():
            at = (*where, key)
            if key == "Ref" and isinstance(arg, str):
                out.append(Reference(source, arg, "ref", at))
            elif key == "Fn::GetAtt":
                target, attribute = _getatt_parts(arg)
                if target is not None:
                    out.append(Reference(source, target, "getatt", at, attribute))
            elif key == "Fn::Sub":
                _collect_sub(arg, at, source, out)
            elif key == "Condition" and isinstance(arg, str) and source[0] == "Conditions":
                out.append(Reference(source, arg, "condition", at))
            elif key == "Fn::If" and isinstance(arg, list) and arg and isinstance(arg[0], str):
                out.append(Reference(source, arg[0], "condition", (*at, 0)))
            elif key == "Fn::FindInMap" and isinstance(arg, list) and arg:
                # A computed map name is recorded with an empty target: it may read any map.
                name = arg[0] if isinstance(arg[0], str) else ""
                out.append(Reference(source, name, "findinmap", (*at, 0)))
            stack.append((arg, at))


def _getatt_parts(arg: Any) -> tuple[str | None, str | None]:
    if isinstance(arg, str):
        target, _, attribute = arg.partition(".")
        return target, attribute or None
    if isinstance(arg, list) and arg and isinstance(arg[0], str):
        attribute = arg[1] if len(arg) > 1 and isinstance(arg[1], str) else None
        return arg[0], attribute
    return None, None


def _collect_sub(arg: Any, path: Path, source: NodeKey, out: list[Reference]) -> None:
    if isinstance(arg, list) and arg and isinstance(arg[0], str):
        text, variables = arg[0], arg[1] if len(arg) > 1 and isinstance(arg[1], dict) else {}
        text_path: Path = (*path, 0)
    elif isinstance(arg, str):
        text, variables, text_path = arg, {}, path
    else:
        return
    for match in _SUB_VARIABLE.finditer(text):
        name = match.group(1).strip()
        if name in variables:
            continue
        target, _, attribute = name.partition(".")
        if name in PSEUDO_PARAMETERS:
            target, attribute = name, ""
        out.append(Reference(source, target, "sub", text_path, attribute or None))


def collect_references(template: Template) -> list[Reference]:
    refs: list[Reference] = []
    data = template.data
    for logical_id, resource in template.resources.items():
        key: NodeKey = ("Resources", logical_id)
        body = data["Resources"][logical_id]
        for section in ("Properties", "Metadata", "CreationPolicy", "UpdatePolicy"):
            if section in body:
                _collect(body[section], (*resource.path, section), key, refs)
        depends = body.get("DependsOn")
        names = (
            [depends] if isinstance(depends, str) else depends if isinstance(depends, list) else []
        )
        for i, name in enumerate(names):
            if isinstance(name, str):
                at = (
                    (*resource.path, "DependsOn")
                    if isinstance(depends, str)
                    else (*resource.path, "DependsOn", i)
                )
                refs.append(Reference(key, name, "depends_on", at))
        if resource.condition is not None:
            refs.append(
                Reference(key, resource.condition, "condition", (*resource.path, "Condition"))
            )
    for name, expr in template.conditions.items():
        _collect(expr, ("Conditions", name), ("Conditions", name), refs)
    # SAM Globals and template Rules read parameters and conditions too.
    for section in ("Globals", "Rules"):
        if isinstance(data.get(section), dict):
            _collect(data[section], (section,), (section, section), refs)
    for name, output in template.outputs.items():
        key = ("Outputs", name)
        body = data["Outputs"][name]
        for section in ("Value", "Export"):
            if section in body:
                _collect(body[section], (*output.path, section), key, refs)
        if output.condition is not None:
            refs.append(Reference(key, output.condition, "condition", (*output.path, "Condition")))
    return refs


def target_node(template: Template, ref: Reference) -> NodeKey | None:
    """The node a reference points at, or None when the name is not defined."""
    if ref.kind == "condition":
        return ("Conditions", ref.target) if ref.target in template.conditions else None
    if ref.kind == "findinmap":
        return ("Mappings", ref.target) if ref.target in template.mappings else None
    if ref.target in template.resources:
        return ("Resources", ref.target)
    if ref.kind in ("ref", "sub") and ref.target in template.parameters:
        return ("Parameters", ref.target)
    return None


@dataclass(frozen=True, slots=True, eq=False)
class GraphIndex:
    """The resource graph as plain adjacency maps, cheap to build on every template.

    Queries run on this; `to_networkx` gives the same graph as a networkx DiGraph for
    graph algorithms and export, importing networkx (~0.15 s) only when that is needed."""

    nodes: dict[NodeKey, dict[str, str]]
    successors: dict[NodeKey, dict[NodeKey, list[Reference]]]
    predecessors: dict[NodeKey, dict[NodeKey, list[Reference]]]

    def to_networkx(self) -> nx.DiGraph:
        import networkx as nx

        graph = nx.DiGraph()
        for node, attributes in self.nodes.items():
            graph.add_node(node, **attributes)
        for source, targets in self.successors.items():
            for target, refs in targets.items():
                graph.add_edge(source, target, refs=refs)
        return graph


def build_index(template: Template, references: list[Reference] | None = None) -> GraphIndex:
    refs = collect_references(template) if references is None else references
    nodes: dict[NodeKey, dict[str, str]] = {}
    for name, resource in template.resources.items():
        nodes[("Resources", name)] = {"kind": "resource", "type": resource.type}
    for name, param in template.parameters.items():
        nodes[("Parameters", name)] = {"kind": "parameter", "type": param.type}
    for name in template.conditions:
        nodes[("Conditions", name)] = {"kind": "condition"}
    for name in template.mappings:
        nodes[("Mappings", name)] = {"kind": "mapping"}
    for name in template.outputs:
        nodes[("Outputs", name)] = {"kind": "output"}
    for section in ("Globals", "Rules"):
        if isinstance(template.data.get(section), dict):
            nodes[(section, section)] = {"kind": section.lower()}
    successors: dict[NodeKey, dict[NodeKey, list[Reference]]] = {}
    predecessors: dict[NodeKey, dict[NodeKey, list[Reference]]] = {}
    for ref in refs:
        target = target_node(template, ref)
        if target is None:
            continue
        successors.setdefault(ref.source, {}).setdefault(target, []).append(ref)
        predecessors.setdefault(target, {}).setdefault(ref.source, []).append(ref)
    return GraphIndex(nodes, successors, predecessors)


def build_graph(template: Template, references: list[Reference] | None = None) -> nx.DiGraph:
    """The resource graph as a networkx DiGraph (nodes with `kind`/`type`, edges with
    `refs`)."""
    return build_index(template, references).to_networkx()
