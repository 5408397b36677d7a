"""The Rule value object, as read from a rule file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from iaclint.findings.finding import Level


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule as loaded from its YAML file."""

    id: str
    name: str
    title: str
    level: Level
    category: str
    scope: str
    check: dict[str, Any]
    message: str
    rationale: dict[str, str]
    remediation: dict[str, str]
    status: str
    since: str
    source_file: str
    security: bool = False
    tags: tuple[str, ...] = ()
    resource_types: tuple[str, ...] = ()
    examples: dict[str, str] | None = None
    known_problems: str = ""
    references: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    catalogue: tuple[str, ...] = ()

    @classmethod
    def from_data(cls, data: dict[str, Any], source_file: str) -> Rule:
        fields = dict(data)
        for key in ("tags", "resource_types", "references", "aliases", "catalogue"):
            if key in fields:
                fields[key] = tuple(fields[key])
        return cls(source_file=source_file, **fields)
