"""Where iaclint keeps its caches: `IACLINT_CACHE_DIR`, else `$XDG_CACHE_HOME/iaclint`,
else `~/.cache/iaclint`. Caches are only ever an optimisation: any failure to read or write
one is ignored."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path


def cache_dir() -> Path:
    explicit = os.environ.get("IACLINT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "iaclint"


def write_atomically(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so concurrent runs never read half a file.

    The temporary name is unique to this process and moment, and created exclusively:
    what `tempfile` would do, without the 10 ms its import adds to every run that writes."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{time.monotonic_ns()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
