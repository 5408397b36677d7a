"""A per-file result cache, keyed by the file's content and everything that decides its
findings: the iaclint code, the rules, the analysis options and the stage settings.

An unchanged repository re-lints from the cache. Entries are JSON (never pickle: a cache
directory is not trusted to hold code), written atomically so concurrent runs are safe.
Every edit, rule change or upgrade makes new entries, so the cache prunes itself: a hit
refreshes an entry's time, and at most once a day the entries unused for 30 days go.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from iaclint.cache_dir import cache_dir, write_atomically
from iaclint.findings.finding import Finding, Suppression
from iaclint.load.document import Diagnostic
from iaclint.sha256 import sha256

_FORMAT = 1
UNUSED_FOR = 30 * 24 * 3600  # seconds an entry may go unread before pruning removes it
PRUNE_EVERY = 24 * 3600


def code_signature() -> str:
    """Changes whenever iaclint's own code or bundled data changes (not only its version),
    so a development checkout never serves results of older code."""
    from iaclint import __version__

    package = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    digest = sha256(f"{_FORMAT}:{__version__}".encode())
    for relative, size, mtime in sorted(_package_files(package, len(package) + 1)):
        digest.update(f"{relative}:{size}:{mtime}\n".encode())
    # The SAM translator decides what SAM templates expand to; its installed files stand
    # for its version without importing it.
    from importlib.util import find_spec

    spec = find_spec("samtranslator")
    if spec is not None and spec.origin:
        stat = Path(spec.origin).stat()
        digest.update(f"samtranslator:{spec.origin}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


_CODE_AND_DATA = (".py", ".json", ".yaml", ".bin", ".gz", ".zip")


def _package_files(directory: str, cut: int) -> Iterator[tuple[str, int, int]]:
    """(path relative to the package, size, mtime) of its code and data files. os.scandir
    rather than Path.rglob, and no __pycache__: this runs in every cached run, and that walk
    took 12 ms of a pre-commit run's 170."""
    with os.scandir(directory) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name != "__pycache__":
                    yield from _package_files(entry.path, cut)
            elif entry.name.endswith(_CODE_AND_DATA):
                stat = entry.stat()
                yield entry.path[cut:], stat.st_size, stat.st_mtime_ns


class ResultCache:
    """Stores and finds one file's findings and diagnostics by a key."""

    def __init__(self, context: str, directory: Path | None = None) -> None:
        # `context` covers everything but the file: code, rules, options, settings.
        self._context = context
        self._directory = (directory or cache_dir()) / "results"

    def key(self, path: str, content: bytes) -> str:
        digest = sha256(self._context.encode())
        digest.update(path.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(content)
        return digest.hexdigest()

    def get(self, key: str) -> tuple[list[Finding], list[Diagnostic], bool] | None:
        entry = self._directory / key[:2] / f"{key}.json"
        try:
            data = json.loads(entry.read_text(encoding="utf-8"))
            findings = [_finding(item) for item in data["findings"]]
            diagnostics = [Diagnostic(**item) for item in data["diagnostics"]]
            os.utime(entry)  # still in use: pruning keeps it
            return findings, diagnostics, bool(data["checked"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def prune(self, now: float | None = None) -> int:
        """Remove entries unused for UNUSED_FOR seconds, if no run did so in the last
        PRUNE_EVERY seconds; the number removed. Errors (a concurrent run removing the
        same file, a read-only cache) are ignored: pruning is housekeeping."""
        now = time.time() if now is None else now
        marker = self._directory / ".pruned"
        try:
            if now - marker.stat().st_mtime < PRUNE_EVERY:
                return 0
        except OSError:
            pass  # never pruned
        removed = 0
        try:
            shards = list(os.scandir(self._directory))
        except OSError:
            return 0
        for shard in shards:
            if not shard.is_dir(follow_symlinks=False):
                continue
            try:
                entries = list(os.scandir(shard.path))
            except OSError:
                continue
            for entry in entries:
                try:
                    if now - entry.stat(follow_symlinks=False).st_mtime > UNUSED_FOR:
                        os.remove(entry.path)
                        removed += 1
                except OSError:
                    continue
        write_atomically(marker, "")
        with contextlib.suppress(OSError):
            os.utime(marker, (now, now))  # the run's clock, which tests set
        return removed

    def put(
        self,
        key: str,
        findings: tuple[Finding, ...],
        diagnostics: tuple[Diagnostic, ...],
        checked: bool,
    ) -> None:
        data = {
            "findings": [asdict(f) for f in findings],
            "diagnostics": [asdict(d) for d in diagnostics],
            "checked": checked,
        }
        write_atomically(self._directory / key[:2] / f"{key}.json", json.dumps(data))


def _finding(item: dict[str, Any]) -> Finding:
    suppression = item.pop("suppression", None)
    return Finding(**item, suppression=Suppression(**suppression) if suppression else None)


def context_key(*parts: Any) -> str:
    """A stable digest of the run's settings (their reprs are deterministic dataclasses)."""
    return sha256("\0".join(repr(p) for p in parts).encode()).hexdigest()
