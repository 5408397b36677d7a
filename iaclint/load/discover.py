"""Find template files under the paths a user names."""

from __future__ import annotations

import os
from dataclasses import dataclass

from iaclint.load.document import Diagnostic

EXTENSIONS = (".yaml", ".yml", ".json", ".template")
SKIP_DIRS = frozenset({".git", "node_modules", ".aws-sam", "cdk.out", ".venv", "__pycache__"})


@dataclass(frozen=True, slots=True)
class Candidate:
    path: str
    explicit: bool  # named by the user, so a non-template gets a note instead of silence


def discover(paths: list[str]) -> tuple[list[Candidate], list[Diagnostic]]:
    """Files to lint, in a stable order, plus diagnostics for paths that cannot be used."""
    found: dict[str, Candidate] = {}
    diagnostics: list[Diagnostic] = []
    for path in paths:
        if path == "-":
            found.setdefault(path, Candidate(path, True))
        elif os.path.isdir(path):
            for file in _walk(path, diagnostics):
                found.setdefault(file, Candidate(file, False))
        elif os.path.exists(path):
            found.setdefault(path, Candidate(path, True))
        else:
            diagnostics.append(Diagnostic(path, 1, 1, "no such file or directory", "read-error"))
    return list(found.values()), diagnostics


def _walk(root: str, diagnostics: list[Diagnostic]) -> list[str]:
    files: list[str] = []

    def on_error(error: OSError) -> None:
        diagnostics.append(
            Diagnostic(
                error.filename or root,
                1,
                1,
                f"cannot read directory: {error.strerror}",
                "read-error",
                "warning",
            )
        )

    # followlinks=False: a symlink loop cannot make the walk endless.
    for directory, subdirs, names in os.walk(root, onerror=on_error, followlinks=False):
        subdirs[:] = sorted(d for d in subdirs if d not in SKIP_DIRS)
        for name in sorted(names):
            if name.endswith(EXTENSIONS):
                files.append(os.path.join(directory, name))
    return files
