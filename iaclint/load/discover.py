"""Find template files under the paths a user names."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from iaclint.load.document import Diagnostic

EXTENSIONS = (".yaml", ".yml", ".json", ".template")
SKIP_DIRS = frozenset({".git", "node_modules", ".aws-sam", "cdk.out", ".venv", "__pycache__"})


@dataclass(frozen=True, slots=True)
class Candidate:
    """A file to check, and whether the user named it."""

    path: str
    explicit: bool  # named by the user, so a non-template gets a note instead of silence


# (path, is_directory, named by the user) -> whether to take it; see config/globs.py.
Accept = Callable[[str, bool, bool], bool]


def _accept_all(path: str, is_dir: bool, explicit: bool) -> bool:
    return True


def discover(
    paths: list[str], accept: Accept = _accept_all, explicit: bool = True
) -> tuple[list[Candidate], list[Diagnostic]]:
    """Files to lint, in a stable order, plus diagnostics for paths that cannot be used.

    `explicit=False` treats named files like files met in a directory walk: a file that is
    not a template is skipped quietly (the pre-commit hook passes every YAML and JSON file).
    """
    found: dict[str, Candidate] = {}
    diagnostics: list[Diagnostic] = []
    for path in paths:
        if path == "-":
            found.setdefault(path, Candidate(path, True))
        elif os.path.isdir(path):
            if not accept(path, True, True):
                continue
            for file in _walk(path, diagnostics, accept):
                found.setdefault(file, Candidate(file, False))
        elif os.path.exists(path):
            if accept(path, False, True):
                found.setdefault(path, Candidate(path, explicit))
        else:
            diagnostics.append(Diagnostic(path, 1, 1, "no such file or directory", "read-error"))
    return list(found.values()), diagnostics


def _walk(root: str, diagnostics: list[Diagnostic], accept: Accept) -> list[str]:
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
        subdirs[:] = sorted(
            d
            for d in subdirs
            if d not in SKIP_DIRS and accept(os.path.join(directory, d), True, False)
        )
        for name in sorted(names):
            path = os.path.join(directory, name)
            if name.endswith(EXTENSIONS) and accept(path, False, False):
                files.append(path)
    return files
