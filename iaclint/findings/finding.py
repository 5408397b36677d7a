"""The Finding value object and its stable ordering."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from iaclint.load.document import Path

Level = Literal["error", "warning", "note"]
# Lower rank is more severe; `--fail-level warning` fails on error and warning.
LEVELS: dict[str, int] = {"error": 0, "warning": 1, "note": 2}


def format_property_path(path: Path) -> str:
    """("Properties", "Ingress", 0, "CidrIp") -> "Properties.Ingress[0].CidrIp"."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


@dataclass(frozen=True, slots=True)
class Suppression:
    """Why a finding is not reported: an in-template directive and its justification."""

    source: Literal["comment", "resource-metadata", "template-metadata"]
    reason: str
    line: int  # where the directive is written
    # SARIF's suppression kind; every in-template directive is `inSource`.
    kind: Literal["inSource", "external"] = "inSource"


@dataclass(frozen=True, slots=True)
class Finding:
    """One violation of a rule: where it is, what it says, and how it was suppressed."""

    rule_id: str
    level: Level
    message: str
    file: str
    start_line: int
    start_column: int
    end_line: int
    end_column: int
    logical_id: str | None = None
    # Relative to the resource for resource findings (`Properties.X[0].Y`), else from the root.
    property_path: str = ""
    # The parameter values under which it holds; empty when it holds in every scenario.
    scenario: str = ""
    # Identity that survives line moves (see iaclint/findings/fingerprint.py); set by the
    # pipeline after the engine, together with the normalised value it hashes.
    fingerprint: str = ""
    value_key: str = field(default="", repr=False)
    suppression: Suppression | None = None

    @property
    def suppressed(self) -> bool:
        return self.suppression is not None

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file, self.start_line, self.start_column, self.rule_id, self.message)
