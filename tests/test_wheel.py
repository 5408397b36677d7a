"""The rule pack ships inside the built wheel: build it, install it into a fresh virtual
environment (offline, from the tools cache's wheelhouse) and run `iaclint rules` there."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT
from tools import hook_requirements, wheelhouse


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    wheels, reason = wheelhouse(hook_requirements())
    if wheels is None:
        pytest.skip(reason)
    out = tmp_path_factory.mktemp("wheel")
    offline = ["--no-index", "--find-links", str(wheels)]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            *offline,
            "--wheel-dir",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = out.glob("iaclint-*.whl")
    env_dir = tmp_path_factory.mktemp("venv")
    venv.create(env_dir, with_pip=True)
    subprocess.run(
        [str(env_dir / "bin" / "python"), "-m", "pip", "install", "--quiet", *offline, str(wheel)],
        check=True,
        capture_output=True,
    )
    return env_dir


def test_wheel_carries_the_rule_pack(installed, tmp_path):
    listing = subprocess.run(
        [str(installed / "bin" / "iaclint"), "rules", "--format", "json"],
        capture_output=True, text=True, cwd=tmp_path, check=True,
    )  # fmt: skip
    rules = json.loads(listing.stdout)
    ids = {rule["id"] for rule in (rules["rules"] if isinstance(rules, dict) else rules)}
    shipped = {p.stem for p in (ROOT / "rules").glob("*.yaml")}
    assert ids == shipped and len(ids) >= 60
    # the rules come from inside the installed package, not from this checkout
    where = subprocess.run(
        [str(installed / "bin" / "python"), "-c",
         "from iaclint.policy.loader import builtin_rules_dir; print(builtin_rules_dir())"],
        capture_output=True, text=True, cwd=tmp_path, check=True,
    ).stdout.strip()  # fmt: skip
    assert str(installed) in where and where.endswith("iaclint/builtin_rules")


def test_installed_wheel_checks_a_template(installed, tmp_path):
    template = str(FIXTURES / "rules" / "ENC001" / "bad.yaml")
    result = subprocess.run(
        [str(installed / "bin" / "iaclint"), "check", template],
        capture_output=True, text=True, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert "[ENC001]" in result.stdout


def test_installed_wheel_carries_the_resource_schemas(installed, tmp_path):
    version = subprocess.run(
        [str(installed / "bin" / "iaclint"), "--version"],
        capture_output=True, text=True, cwd=tmp_path, check=True,
    ).stdout  # fmt: skip
    assert "resource schemas: " in version
    template = str(FIXTURES / "rules" / "VAL007" / "bad.yaml")
    result = subprocess.run(
        [str(installed / "bin" / "iaclint"), "check", "--select", "VAL", template],
        capture_output=True, text=True, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert "must be between 0 and 35, got 40" in result.stdout
