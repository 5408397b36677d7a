"""The Rule value object, as read from a rule file, and its documentation (RuleDocs)."""

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
    status: str
    since: str
    source_file: str
    security: bool = False
    tags: tuple[str, ...] = ()
    resource_types: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    catalogue: tuple[str, ...] = ()

    @classmethod
    def from_data(cls, data: dict[str, Any], source_file: str) -> Rule:
        """The rule from a rule file's data; its documentation keys are left to RuleDocs."""
        fields = {key: value for key, value in data.items() if key not in DOC_KEYS}
        for key in ("tags", "resource_types", "aliases", "catalogue"):
            if key in fields:
                fields[key] = tuple(fields[key])
        return cls(source_file=source_file, **fields)


# The keys of a rule file that document the rule and decide no finding. They are most of a
# rule file's text, and only what shows documentation reads them (SARIF's rule help,
# `iaclint explain`, docs/rules/), so a run reads them only when one of those asks.
DOC_KEYS = ("rationale", "remediation", "examples", "known_problems", "references")


@dataclass(frozen=True, slots=True)
class RuleDocs:
    """A rule's documentation, as its rule file gives it."""

    rationale: dict[str, str]
    remediation: dict[str, str]
    examples: dict[str, str] | None = None
    known_problems: str = ""
    references: tuple[str, ...] = ()

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> RuleDocs:
        """From a rule file's data (other keys are ignored)."""
        fields = {key: data[key] for key in DOC_KEYS if key in data}
        if "references" in fields:
            fields["references"] = tuple(fields["references"])
        return cls(**fields)
