"""What a check function receives, and what it returns."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

from iaclint.graph.build import GraphIndex, Reference
from iaclint.load.document import Path
from iaclint.model.template import Resource, Template
from iaclint.policy.language import Focus
from iaclint.resolve.resolver import Resolver
from iaclint.resolve.scenarios import Scenario

if TYPE_CHECKING:
    import networkx as nx

    from iaclint.graph.query import GraphQuery


@dataclass(frozen=True, slots=True)
class Violation:
    """One problem a check found. `path` is a source path from the template root."""

    path: Path
    args: dict[str, Any] = field(default_factory=dict)
    logical_id: str | None = None
    level: str | None = None  # overrides the rule's level, e.g. warning when near a quota
    at_key: bool = False  # point at the mapping key instead of the value


class CheckContext:
    """Per template and scenario; the graph is built on first use."""

    def __init__(
        self,
        template: Template,
        scenario: Scenario,
        resolver: Resolver,
        references: list[Reference],
        index_factory: Callable[[], GraphIndex],
        shared: dict[str, Any] | None = None,
    ) -> None:
        self.template = template
        self.scenario = scenario
        self.resolver = resolver
        self.references = references
        self._index_factory = index_factory
        self._resolved: dict[str, Focus] = {}
        self._memo: dict[str, Any] = {}
        self._shared = {} if shared is None else shared

    @cached_property
    def index(self) -> GraphIndex:
        """The resource graph as adjacency maps (what `query` answers from)."""
        return self._index_factory()

    @cached_property
    def graph(self) -> nx.DiGraph:
        """The resource graph as a networkx DiGraph, for graph algorithms."""
        return self.index.to_networkx()

    @cached_property
    def query(self) -> GraphQuery:
        from iaclint.graph.query import GraphQuery

        return GraphQuery(self.template, self.index)

    def resolved_properties(self, resource: Resource) -> Any:
        return self.resolved_focus(resource).value.get("Properties", {})

    def resolved_focus(self, resource: Resource) -> Focus:
        """The resource's whole body (Properties, DeletionPolicy, ...) resolved for this
        scenario, as a Focus for the check language; computed once per scenario."""
        focus = self._resolved.get(resource.logical_id)
        if focus is None:
            body = self.template.data["Resources"][resource.logical_id]
            value = self.resolver.resolve(body, resource.path)
            if not isinstance(value, dict):
                value = {}
            focus = Focus(value, resource.path, resource)
            self._resolved[resource.logical_id] = focus
        return focus

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        """A value computed once per template and scenario and shared by the checks
        that need it (e.g. every IAM policy document)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def template_memo(self, key: str, compute: Callable[[], Any]) -> Any:
        """A value computed once per template for all its scenarios: only for what the
        template's text alone decides, never for resolved values."""
        if key not in self._shared:
            self._shared[key] = compute()
        return self._shared[key]

    def is_active(self, resource: Resource) -> bool:
        """False only when the resource's condition is false in this scenario."""
        return (
            resource.condition is None or self.resolver.condition(resource.condition) is not False
        )

    def is_certain(self, resource: Resource) -> bool:
        """True when the resource surely exists in this scenario."""
        return resource.condition is None or self.resolver.condition(resource.condition) is True


class TemplateCheck(Protocol):
    def __call__(self, ctx: CheckContext) -> Iterable[Violation]: ...


class ResourceCheck(Protocol):
    def __call__(self, resource: Resource, ctx: CheckContext) -> Iterable[Violation]: ...
