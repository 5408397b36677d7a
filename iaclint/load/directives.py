"""`# iaclint: ignore[RULE] reason` comments, found by a cheap line scan at load time.

libyaml drops comments, so the load stage scans the text once, and only when it contains
`iaclint:` at all. The scan is line based: a `#` that starts a YAML comment (at the start of a
line or after whitespace) is taken as a comment even inside a quoted string; that is a known
limit, documented in docs/suppressions.md. JSON has no comments and is never scanned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MARKER = "iaclint:"
# The comment, after `#`: `iaclint: ignore[ID, ID] free-text reason`.
_COMMENT = re.compile(r"(?:^|(?<=\s))#\s*iaclint:(?P<body>.*)$")
_IGNORE = re.compile(r"^\s*ignore\[(?P<ids>[^\]]*)\]\s*(?P<reason>.*?)\s*$")
_ID = re.compile(r"^[A-Za-z]{2,4}[0-9]{3}$")


@dataclass(frozen=True, slots=True)
class CommentDirective:
    """One suppression comment. `target_line` is the line it applies to: its own line when it
    trails code, else the next line that is neither blank nor a comment."""

    line: int
    column: int
    target_line: int
    rule_ids: tuple[str, ...]
    reason: str
    text: str  # the directive as written, for messages
    error: str = ""  # why it could not be read; such a directive suppresses nothing


def scan_directives(text: str) -> tuple[CommentDirective, ...]:
    if MARKER not in text:
        return ()
    lines = text.splitlines()
    found: list[CommentDirective] = []
    for index, line in enumerate(lines):
        if MARKER not in line:
            continue
        match = _COMMENT.search(line)
        if match is None:
            continue
        column = match.start() + 1
        own_line = not line[: match.start()].strip()
        target = _next_code_line(lines, index) if own_line else index + 1
        found.append(_parse(match.group("body"), index + 1, column, target))
    return tuple(found)


def _next_code_line(lines: list[str], index: int) -> int:
    for later in range(index + 1, len(lines)):
        stripped = lines[later].strip()
        if stripped and not stripped.startswith("#"):
            return later + 1
    return index + 1  # nothing follows: it can only match its own line, i.e. nothing


def _parse(body: str, line: int, column: int, target: int) -> CommentDirective:
    text = f"iaclint:{body}".strip()
    match = _IGNORE.match(body)
    if match is None:
        return CommentDirective(
            line, column, target, (), "", text, "is not of the form `ignore[RULE] reason`"
        )
    ids = tuple(part.strip() for part in match.group("ids").split(",") if part.strip())
    bad = [rule_id for rule_id in ids if not _ID.match(rule_id)]
    if not ids or bad:
        what = f"names `{bad[0]}`, which is not a rule id" if bad else "names no rule"
        return CommentDirective(line, column, target, ids, "", text, what)
    return CommentDirective(line, column, target, ids, match.group("reason"), text)
