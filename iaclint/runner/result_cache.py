"""A per-file result cache, keyed by the file's content and everything that decides its
findings: the iaclint code, the rules, the analysis options and the stage settings.

An unchanged repository re-lints from the cache. Entries are JSON (never pickle: a cache
directory is not trusted to hold code), written atomically so concurrent runs are safe.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from iaclint.cache_dir import cache_dir, write_atomically
from iaclint.findings.finding import Finding, Suppression
from iaclint.load.document import Diagnostic

_FORMAT = 1


def code_signature() -> str:
    """Changes whenever iaclint's own code or bundled data changes (not only its version),
    so a development checkout never serves results of older code."""
    from iaclint import __version__

    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256(f"{_FORMAT}:{__version__}".encode())
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".json", ".yaml", ".gz", ".zip") and path.is_file():
            stat = path.stat()
            digest.update(
                f"{path.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns}\n".encode()
            )
    # The SAM translator decides what SAM templates expand to; its installed files stand
    # for its version without importing it.
    from importlib.util import find_spec

    spec = find_spec("samtranslator")
    if spec is not None and spec.origin:
        stat = Path(spec.origin).stat()
        digest.update(f"samtranslator:{spec.origin}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


class ResultCache:
    """Stores and finds one file's findings and diagnostics by a key."""

    def __init__(self, context: str, directory: Path | None = None) -> None:
        # `context` covers everything but the file: code, rules, options, settings.
        self._context = context
        self._directory = (directory or cache_dir()) / "results"

    def key(self, path: str, content: bytes) -> str:
        digest = hashlib.sha256(self._context.encode())
        digest.update(path.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(content)
        return digest.hexdigest()

    def get(self, key: str) -> tuple[list[Finding], list[Diagnostic], bool] | None:
        try:
            data = json.loads(
                (self._directory / key[:2] / f"{key}.json").read_text(encoding="utf-8")
            )
            findings = [_finding(item) for item in data["findings"]]
            diagnostics = [Diagnostic(**item) for item in data["diagnostics"]]
            return findings, diagnostics, bool(data["checked"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

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
    return hashlib.sha256("\0".join(repr(p) for p in parts).encode()).hexdigest()
