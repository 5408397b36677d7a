"""TPL100's check function: the rule only describes what the suppress stage reports.

Directives can only be judged once every other rule has run on the file, so the engine's
pass over TPL100 finds nothing and `iaclint.suppress.apply` adds its findings.
"""

from __future__ import annotations

from collections.abc import Iterable

from iaclint.policy.context import CheckContext, Violation


def reported_by_suppress_stage(ctx: CheckContext) -> Iterable[Violation]:
    return ()
