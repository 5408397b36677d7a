"""What a check function receives, and what it returns."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from operator import itemgetter
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


class EarlierScenarios:
    """Values computed in the scenarios of a template checked so far, each kept with the
    values of the enumerated parameters its computation read. A computation reads the
    scenario only through the resolver, which records every such read, so a later scenario
    that gives those parameters the same values would compute the same value."""

    def __init__(self) -> None:
        # key -> the names a computation read (sorted) -> (those names as a set, a getter of
        # their values, their values -> the value)
        self._entries: dict[Hashable, dict[tuple[str, ...], _Computed]] = {}

    def find(self, key: Hashable, values: dict[str, Any]) -> tuple[Any, frozenset[str]] | None:
        for names, read, computed in self._entries.get(key, {}).values():
            found = computed.get(read(values), _MISSING)
            if found is not _MISSING:
                return found, names
        return None

    def keep(
        self, key: Hashable, names: frozenset[str], values: dict[str, Any], value: Any
    ) -> None:
        order = tuple(sorted(names))
        by_names = self._entries.setdefault(key, {})
        entry = by_names.get(order)
        if entry is None:
            entry = by_names[order] = (names, _reader(order), {})
        entry[2][entry[1](values)] = value


# (the names read, a function from a scenario's values to theirs, their values -> the value)
_Computed = tuple[frozenset[str], Callable[[dict[str, Any]], Any], dict[Any, Any]]


def _reader(order: tuple[str, ...]) -> Callable[[dict[str, Any]], Any]:
    """The values of the names in `order`, as a key (itemgetter runs in C: `find` is hot)."""
    if not order:
        return lambda values: ()
    return itemgetter(*order)


_MISSING = object()


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
        earlier: EarlierScenarios | None = None,
    ) -> None:
        self.template = template
        self.scenario = scenario
        self.resolver = resolver
        self.references = references
        self._index_factory = index_factory
        # Cached with the names of the scenario values computing them read.
        self._resolved: dict[Hashable, tuple[Any, frozenset[str]]] = {}
        self._memo: dict[Hashable, tuple[Any, frozenset[str]]] = {}
        self._shared = {} if shared is None else shared
        self._earlier = earlier
        self._values = dict(scenario.values)

    def reuse(
        self,
        key: Hashable,
        compute: Callable[[], Any],
        cache: dict[Hashable, tuple[Any, frozenset[str]]] | None = None,
    ) -> Any:
        """compute(), or its value from this scenario's `cache` or from an earlier scenario
        that gave the parameters it read the same values."""
        if self._earlier is None:  # one scenario: nothing to trace or reuse
            if cache is None:
                return compute()
            if key not in cache:
                cache[key] = (compute(), frozenset())
            return cache[key][0]
        return self.reuse_traced(key, compute, cache)[0]

    def reuse_traced(
        self,
        key: Hashable,
        compute: Callable[[], Any],
        cache: dict[Hashable, tuple[Any, frozenset[str]]] | None = None,
    ) -> tuple[Any, frozenset[str]]:
        """`reuse` with several scenarios: the value and the enumerated parameters that
        computing it read (none: it is the same in every scenario)."""
        assert self._earlier is not None, "only several scenarios are traced"
        resolver = self.resolver
        if cache is not None and key in cache:
            value, names = cache[key]
            resolver.note_reads(names)
            return value, names
        found = self._earlier.find(key, self._values)
        if found is not None:
            value, names = found
            resolver.note_reads(names)
        else:
            resolver.begin_trace()
            try:
                value = compute()
            finally:
                names = resolver.end_trace()
            self._earlier.keep(key, names, self._values, value)
        if cache is not None:
            cache[key] = (value, names)
        return value, names

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

        def compute() -> Focus:
            body = self.template.data["Resources"][resource.logical_id]
            value = self.resolver.resolve(body, resource.path)
            return Focus(value if isinstance(value, dict) else {}, resource.path, resource)

        focus: Focus = self.reuse(("focus", resource.logical_id), compute, self._resolved)
        return focus

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        """A value computed once per template and scenario and shared by the checks
        that need it (e.g. every IAM policy document); reused in a later scenario when the
        parameters it read have the same values there."""
        return self.reuse(("memo", key), compute, self._memo)

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
