"""PyYAML, imported with the regular expressions it compiles at import time deferred to first use.

Importing PyYAML compiles some twenty regular expressions for its pure-Python reader,
resolver and constructor. The reader's class of non-printable characters (ranges up to
U+10FFFF) alone costs 57 M instructions, about 9% of a whole one-template run. iaclint parses
with libyaml's C parser, which never uses the pure-Python reader; so each pattern compiled
while PyYAML is imported is compiled when first used instead, and those never used cost nothing.
Every module of iaclint imports PyYAML from here; a pattern behaves the same either way.
"""

from __future__ import annotations

import re
import sys
from types import ModuleType
from typing import Any


class PatternOnFirstUse:
    """Stands for `re.compile(pattern, flags)` and compiles it on first attribute access."""

    __slots__ = ("_arguments", "_compiled")

    def __init__(self, pattern: str | bytes, flags: int) -> None:
        self._arguments = (pattern, flags)
        self._compiled: re.Pattern[Any] | None = None

    def __getattr__(self, name: str) -> Any:
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = re.compile(*self._arguments)
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"PatternOnFirstUse({self._arguments[0]!r})"


def _import_pyyaml() -> ModuleType:
    loaded = sys.modules.get("yaml")
    if loaded is not None:
        return loaded
    compile_now = re.compile

    def compile_on_first_use(pattern: Any, flags: int = 0) -> Any:
        # Only PyYAML's own modules get a deferred pattern (they use one only through its
        # methods); any other caller meanwhile, another thread's, say, is served as usual.
        caller = sys._getframe(1).f_globals.get("__name__", "")
        if caller != "yaml" and not caller.startswith("yaml."):
            return compile_now(pattern, flags)
        return PatternOnFirstUse(pattern, flags)

    re.compile = compile_on_first_use  # type: ignore[assignment]
    try:
        import yaml
    finally:
        re.compile = compile_now
    return yaml


yaml = _import_pyyaml()
