"""Immutable dataclasses for a CloudFormation template and its parts.

Property values stay the loader's plain data (dicts, lists, scalars); every value can be
traced to its source through `Template.spans` and the part's `path`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from iaclint.load.directives import CommentDirective
from iaclint.load.document import Path, SpanIndex

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    type: str
    default: Any
    has_default: bool
    allowed_values: tuple[Any, ...] | None
    no_echo: bool
    path: Path


@dataclass(frozen=True, slots=True)
class Resource:
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


@dataclass(frozen=True, slots=True)
class Template:
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

    @property
    def is_sam(self) -> bool:
        return SAM_TRANSFORM in self.transform
