from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"


@pytest.fixture(scope="session")
def _session_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("iaclint-cache")


@pytest.fixture(autouse=True)
def _no_home(tmp_path_factory, monkeypatch, _session_cache):
    """Tests must not read or write the user's home directory. They share one cache
    directory, so the validated rule pack is cached once per session."""
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
    monkeypatch.setenv("IACLINT_CACHE_DIR", str(_session_cache))
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture
def cli(capsys):
    """Run the CLI in-process; returns (exit code, stdout, stderr)."""
    from iaclint.__main__ import main

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def fixture_path(*parts: str) -> str:
    return os.path.relpath(FIXTURES.joinpath(*parts))


SNAPSHOTS = ROOT / "tests" / "snapshots"


def pytest_addoption(parser):
    parser.addoption(
        "--update-snapshots",
        action="store_true",
        help="Rewrite tests/snapshots/ from the current output instead of comparing.",
    )


@pytest.fixture
def snapshot(request):
    """Compare text with tests/snapshots/<name>; `pytest --update-snapshots` rewrites it."""
    update = request.config.getoption("--update-snapshots")

    def check(name: str, text: str) -> None:
        path = SNAPSHOTS / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        assert path.is_file(), f"no snapshot {path}; run pytest --update-snapshots"
        assert text == path.read_text(encoding="utf-8"), (
            f"{name} differs from its snapshot; review, then run pytest --update-snapshots"
        )

    return check
