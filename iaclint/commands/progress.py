"""A progress bar on standard error, for long runs on a terminal only.

It appears only after the run has taken a while (so short runs and the pre-commit hook never
see it), redraws at most ten times a second, and erases itself at the end, so standard output
stays exactly the report.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TextIO

DELAY = 0.5  # seconds before the bar appears
INTERVAL = 0.1  # seconds between redraws


class Progress:
    def __init__(
        self,
        stream: TextIO,
        total: int,
        enabled: bool,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._total = total
        self._clock = clock
        self._start = clock()
        self._last = 0.0
        self._done = 0
        self._shown = False
        self._enabled = enabled and total > 1 and _is_terminal(stream)

    def advance(self, path: str) -> None:
        self._done += 1
        if not self._enabled:
            return
        now = self._clock()
        if now - self._start < DELAY or now - self._last < INTERVAL:
            return
        self._last = now
        self._shown = True
        import shutil  # only when the bar is drawn

        width = shutil.get_terminal_size((80, 24)).columns
        bar_width = 20
        filled = bar_width * self._done // self._total
        label = f"[{'#' * filled}{'.' * (bar_width - filled)}] {self._done}/{self._total} "
        name = path[-max(0, width - len(label) - 1) :] if width > len(label) + 1 else ""
        self._stream.write("\r\x1b[K" + label + name)
        self._stream.flush()

    def close(self) -> None:
        if self._shown:
            self._stream.write("\r\x1b[K")
            self._stream.flush()
            self._shown = False


def _is_terminal(stream: TextIO) -> bool:
    if os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
