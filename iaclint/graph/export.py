"""Serialise the resource graph as DOT, Mermaid or JSON for `iaclint graph`."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from iaclint.graph.build import NodeKey

if TYPE_CHECKING:
    import networkx as nx

_SHAPES = {
    "resource": "box",
    "parameter": "ellipse",
    "condition": "diamond",
    "mapping": "folder",
    "output": "note",
}
_MERMAID = {
    "resource": ("[", "]"),
    "parameter": ("([", "])"),
    "condition": ("{", "}"),
    "mapping": ("[(", ")]"),
    "output": (">", "]"),
}


def _node_id(node: NodeKey) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", f"{node[0]}_{node[1]}")


def _label(graph: nx.DiGraph, node: NodeKey) -> str:
    data = graph.nodes[node]
    kind = data.get("kind", "resource")
    return f"{node[1]}\\n{data['type']}" if kind == "resource" and data.get("type") else node[1]


def _edge_kinds(graph: nx.DiGraph, source: NodeKey, target: NodeKey) -> str:
    return ",".join(sorted({ref.kind for ref in graph.edges[source, target]["refs"]}))


def to_dot(graph: nx.DiGraph) -> str:
    lines = ["digraph template {", "  rankdir=LR;"]
    for node in sorted(graph.nodes):
        shape = _SHAPES.get(graph.nodes[node].get("kind", ""), "box")
        lines.append(
            f"  {_node_id(node)} [label={json.dumps(_label(graph, node))}, shape={shape}];"
        )
    for source, target in sorted(graph.edges):
        label = json.dumps(_edge_kinds(graph, source, target))
        lines.append(f"  {_node_id(source)} -> {_node_id(target)} [label={label}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_mermaid(graph: nx.DiGraph) -> str:
    lines = ["flowchart LR"]
    for node in sorted(graph.nodes):
        opening, closing = _MERMAID.get(graph.nodes[node].get("kind", ""), ("[", "]"))
        label = _label(graph, node).replace("\\n", "<br/>").replace('"', "#quot;")
        lines.append(f'  {_node_id(node)}{opening}"{label}"{closing}')
    for source, target in sorted(graph.edges):
        lines.append(
            f"  {_node_id(source)} -->|{_edge_kinds(graph, source, target)}| {_node_id(target)}"
        )
    return "\n".join(lines) + "\n"


def to_json(graph: nx.DiGraph) -> str:
    nodes = [
        {"id": f"{n[0]}/{n[1]}", "section": n[0], "name": n[1], **dict(graph.nodes[n])}
        for n in sorted(graph.nodes)
    ]
    edges = [
        {
            "source": f"{s[0]}/{s[1]}",
            "target": f"{t[0]}/{t[1]}",
            "references": [
                {"kind": r.kind, "path": list(r.path), "attribute": r.attribute}
                for r in graph.edges[s, t]["refs"]
            ],
        }
        for s, t in sorted(graph.edges)
    ]
    return json.dumps({"version": 1, "nodes": nodes, "edges": edges}, indent=2) + "\n"
