"""Path globs for `include` and `exclude`, matched against project-relative POSIX paths.

`*` and `?` stay within one path segment, `**` spans any number of segments, and a pattern
without a `/` matches any single segment (so `generated` or `*.json` match at any depth), as
in .gitignore. A trailing `/` matches everything below that directory.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache


@lru_cache(maxsize=256)
def _compile(pattern: str) -> re.Pattern[str]:
    anchored = "/" in pattern.rstrip("/")
    body = pattern.strip("/")
    out = ""
    i = 0
    while i < len(body):
        char = body[i]
        if body.startswith("**/", i):
            out += "(?:[^/]+/)*"
            i += 3
            continue
        if body.startswith("**", i):
            out += ".*"
            i += 2
            continue
        if char == "*":
            out += "[^/]*"
        elif char == "?":
            out += "[^/]"
        elif char == "[":
            end = body.find("]", i + 1)
            if end == -1:
                out += re.escape(char)
            else:
                out += "[" + body[i + 1 : end].replace("!", "^", 1) + "]"
                i = end
        else:
            out += re.escape(char)
        i += 1
    prefix = "^" if anchored else "^(?:.*/)?"
    # A match on a directory covers everything below it.
    return re.compile(prefix + out + "(?:/.*)?$")


def matches(pattern: str, path: str) -> bool:
    """Whether a project-relative POSIX path (or one of its parent directories) matches."""
    return _compile(pattern).match(path) is not None


@dataclass(frozen=True, slots=True, eq=False)
class FileFilter:
    """Which files a run takes, from the configuration's `include` and `exclude`."""

    root: str
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def excluded(self, relative: str) -> bool:
        return any(matches(p, relative) for p in self.exclude)

    def included(self, relative: str) -> bool:
        return not self.include or any(matches(p, relative) for p in self.include)

    def accept(self, path: str, is_dir: bool, explicit: bool) -> bool:
        """For discover(): excluded paths are never taken; `include` narrows what a directory
        walk takes (files named on the command line are taken when not excluded)."""
        if path == "-":
            return True
        relative = os.path.relpath(os.path.abspath(path), self.root).replace(os.sep, "/")
        if relative.startswith("../") or relative == "..":
            return True  # outside the project: the configuration does not speak for it
        if relative != "." and self.excluded(relative):
            return False
        return is_dir or explicit or self.included(relative)
