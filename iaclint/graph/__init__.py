"""Graph stage: the resource dependency graph and queries over it."""

from iaclint.graph.build import NodeKey, Reference, build_graph, collect_references, target_node
from iaclint.graph.query import GraphQuery

__all__ = [
    "GraphQuery",
    "NodeKey",
    "Reference",
    "build_graph",
    "collect_references",
    "target_node",
]
