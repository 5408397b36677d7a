"""Where iaclint keeps its caches: `IACLINT_CACHE_DIR`, else `$XDG_CACHE_HOME/iaclint`,
else `~/.cache/iaclint`. Caches are only ever an optimisation: any failure to read or write
one is ignored."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    explicit = os.environ.get("IACLINT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "iaclint"


def write_atomically(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so concurrent runs never read half a file."""
    import tempfile  # only when writing: its import costs start-up on every run

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", dir=path.parent, delete=False, encoding="utf-8"
        ) as tmp:
            tmp.write(text)
        os.replace(tmp.name, path)
    except OSError:
        pass
