"""Hostile and broken input: a clear diagnostic, bounded time and memory, and every other
file in the run still checked."""

from __future__ import annotations

import json
import os
import resource
import shutil
import socket
import subprocess
import time
import xml.etree.ElementTree as ET

import pytest
from conftest import FIXTURES, fixture_path

GOOD = FIXTURES / "rules" / "ENC001" / "bad.yaml"  # fires ENC001: proves it was checked


def _check(cli, *paths: str, fmt: str = "text"):
    return cli("check", "--no-cache", "--select", "ENC001,TPL", "--format", fmt, *paths)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("nul-byte.yaml", "control characters are not allowed"),
        ("binary-garbage.yaml", "not valid UTF-8"),
    ],
)
def test_garbage_is_a_diagnostic_and_the_run_goes_on(cli, name, message):
    code, out, _ = _check(cli, fixture_path("hostile", name), str(GOOD))
    assert code == 2
    assert message in out
    assert "[ENC001]" in out


def test_fifty_megabyte_file_is_refused_without_reading_it(cli, tmp_path):
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    shutil.copy(GOOD, tmp_path / "good.yaml")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    code, out, _ = _check(cli, str(tmp_path))
    assert time.perf_counter() - start < 5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 40 * 1024  # KB
    assert code == 2
    assert "big.yaml:1:1: error [read-error] file is 50.0 MB" in out
    assert "good.yaml" in out and "[ENC001]" in out


def test_symlink_loops_and_dangling_links_in_a_walk(cli, tmp_path):
    shutil.copy(GOOD, tmp_path / "good.yaml")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "loop").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    (tmp_path / "dangling.yaml").symlink_to(tmp_path / "missing.yaml")
    start = time.perf_counter()
    code, out, _ = _check(cli, str(tmp_path))
    assert time.perf_counter() - start < 10
    assert "[ENC001]" in out
    assert "a.yaml:1:1: error [read-error] cannot read file" in out
    assert "dangling.yaml:1:1: error [read-error] cannot read file" in out
    assert code == 2


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read a file without permissions")
def test_unreadable_file_in_a_walk(cli, tmp_path):
    shutil.copy(GOOD, tmp_path / "good.yaml")
    secret = tmp_path / "secret.yaml"
    shutil.copy(GOOD, secret)
    secret.chmod(0)
    code, out, _ = _check(cli, str(tmp_path))
    assert "secret.yaml:1:1: error [read-error] cannot read file: Permission denied" in out
    assert "good.yaml" in out and code == 2


def test_unreadable_file_as_root_through_a_directory_named_like_a_template(cli, tmp_path):
    """What root can test: a path that cannot be read as a file."""
    shutil.copy(GOOD, tmp_path / "good.yaml")
    code, out, _ = _check(cli, str(GOOD), str(tmp_path / "missing.yaml"))
    assert "missing.yaml:1:1: error [read-error] no such file or directory" in out
    assert "[ENC001]" in out and code == 2


def test_a_directory_of_five_thousand_templates(cli, tmp_path):
    template = FIXTURES / "hostile" / "small-topic.yaml"
    for i in range(5000):
        shutil.copy(template, tmp_path / f"t{i:04d}.yaml")
    start = time.perf_counter()
    code, out, _ = cli("check", "--no-cache", "--quiet", "--format", "json", str(tmp_path))
    assert time.perf_counter() - start < 120
    report = json.loads(out)
    assert code in (0, 1)
    assert len({f["file"] for f in report["findings"]}) == 5000  # ENC008 on every topic


def test_escape_sequences_never_reach_the_terminal(cli):
    path = fixture_path("hostile", "escape-sequences.yaml")
    _, text, _ = cli("check", "--no-cache", "--fail-level", "note", path)
    assert "\x1b" not in text and "\x07" not in text
    assert "Bad\\x1b[31mId" in text
    _, raw_json, _ = cli("check", "--no-cache", "--format", "json", path)
    findings = json.loads(raw_json)["findings"]
    assert any("\x1b" in f["message"] for f in findings)  # JSON keeps the text, escaped
    assert "\x1b" not in raw_json  # ...as \u001b
    _, xml_text, _ = cli("check", "--no-cache", "--format", "junit", path)
    ET.fromstring(xml_text)  # well-formed XML 1.0 despite the control characters
    _, github, _ = cli("check", "--no-cache", "--format", "github", path)
    assert "\x1b" not in github and "\x07" not in github


def test_no_network_and_no_subprocess(cli, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("iaclint tried to open a network connection or run a program")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(subprocess, "Popen", refuse)
    monkeypatch.setattr(os, "system", refuse)
    paths = [str(FIXTURES / "rules"), str(FIXTURES / "examples"), str(FIXTURES / "load")]
    if (FIXTURES / "sam").is_dir():
        paths.append(str(FIXTURES / "sam"))
    code, out, err = cli("check", "--no-cache", "--jobs", "1", "--format", "json", *paths)
    assert "AssertionError" not in out + err
    assert code in (1, 2)
    diagnostics = json.loads(out)["diagnostics"]
    assert not [d for d in diagnostics if d["code"] in ("internal-error", "analysis-error")]
