"""Immutable dataclasses for a CloudFormation template and its parts.

Property values stay the loader's plain data (dicts, lists, scalars); every value can be
traced to its source through `Template.spans` and the part's `path`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from iaclint.load.directives import CommentDirective
from iaclint.load.document import Path, SpanIndex

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"


@dataclass(frozen=True, slots=True)
class Parameter:
    """A template parameter, as declared."""

    name: str
    type: str
    default: Any
    has_default: bool
    allowed_values: tuple[Any, ...] | None
    no_echo: bool
    path: Path


@dataclass(frozen=True, slots=True)
class Resource:
    """A resource as written: its properties are unresolved."""

    logical_id: str
    type: str
    properties: dict[str, Any]
    condition: str | None
    depends_on: tuple[str, ...]
    deletion_policy: Any
    update_replace_policy: Any
    metadata: dict[str, Any]
    path: Path

    @property
    def properties_path(self) -> Path:
        return (*self.path, "Properties")


@dataclass(frozen=True, slots=True)
class Output:
    """A template output, as declared."""

    name: str
    value: Any
    condition: str | None
    export: Any
    path: Path


@dataclass(frozen=True, slots=True)
class Problem:
    """A part of the template that does not have the shape CloudFormation requires."""

    path: Path
    message: str


@dataclass(frozen=True, slots=True, eq=False)
class Template:
    """One loaded template: its sections, the positions of its values, and its problems."""

    source: str
    format: str
    format_version: str | None
    description: str | None
    transform: tuple[str, ...]
    parameters: dict[str, Parameter]
    mappings: dict[str, Any]
    conditions: dict[str, Any]
    resources: dict[str, Resource]
    outputs: dict[str, Output]
    metadata: dict[str, Any]
    spans: SpanIndex
    size: int
    data: dict[str, Any] = field(repr=False)
    problems: tuple[Problem, ...] = ()
    # Parts come from something iaclint cannot expand (a Rain module tag), so
    # cross-references into them cannot be judged.
    opaque: bool = False
    # Resources whose Type is a module reference (Rain) rather than a resource type.
    foreign_resources: tuple[str, ...] = ()
    # Suppression comments found by the load stage (YAML only).
    directives: tuple[CommentDirective, ...] = ()
    # The resources of each type, in template order, and each logical id's place: so that
    # checks looking for a few types do not walk every resource (for each resource).
    by_type: dict[str, tuple[Resource, ...]] = field(init=False, repr=False)
    _positions: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        by_type: dict[str, list[Resource]] = {}
        for resource in self.resources.values():
            by_type.setdefault(resource.type, []).append(resource)
        object.__setattr__(self, "by_type", {name: tuple(found) for name, found in by_type.items()})
        object.__setattr__(self, "_positions", {name: i for i, name in enumerate(self.resources)})

    def of_types(self, types: Iterable[str]) -> list[Resource]:
        """The resources of these types, in template order."""
        groups = [self.by_type[name] for name in dict.fromkeys(types) if name in self.by_type]
        if len(groups) == 1:
            return list(groups[0])
        return sorted((r for group in groups for r in group), key=self._position)

    def _position(self, resource: Resource) -> int:
        return self._positions[resource.logical_id]

    @property
    def is_sam(self) -> bool:
        return SAM_TRANSFORM in self.transform
