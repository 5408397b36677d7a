"""What the configuration allows of in-template suppressions."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, eq=False)
class SuppressionPolicy:
    """How a run treats the suppressions written in templates."""

    # A team's CI can refuse self-granted exceptions: with this off, directives are reported
    # and ignored, and the findings they name stay.
    allow_in_template: bool = True
    require_reason: bool = False
    source: str = "the configuration"  # named in messages, e.g. `.iaclint.yaml`
