"""Our SARIF through Microsoft's SARIF Multitool with GitHub's ingestion rules (Gh) and the
SARIF rules: no error and no warning may come back.

Runs `Sarif.Multitool validate --rule-kind "Gh;Sarif" FILE -o report.sarif`, the validator
GitHub's SARIF documentation points to. Installed from npm on first use (see tests/tools.py).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter

import pytest
from conftest import FIXTURES, ROOT, fixture_path
from tools import sarif_multitool

CASES = {
    # findings, a suppressed one, an unreadable file, a file name that needs percent-encoding
    "report": (
        "--select",
        "TPL001,TPL006,TPL100,ENC001",
        *(
            fixture_path("report", name)
            for name in ("stack.yaml", "odd name, 100%.yaml", "broken.yaml")
        ),
    ),
    # every rule, the bundled example, TPL100's fixtures and a non-template (a note)
    "all-rules": (
        fixture_path("examples"),
        fixture_path("rules", "TPL100"),
        fixture_path("load", "plain-config.yaml"),
    ),
}


@pytest.fixture
def multitool():  # function scope: after conftest has pointed HOME at a temporary directory
    binary, reason = sarif_multitool()
    if binary is None:
        pytest.skip(reason)
    return binary


def test_sarif_passes_the_sarif_multitool_with_gh_and_sarif_rules(multitool, cli, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(FIXTURES / "report" / "stack.yaml", outside / "stack.yaml")
    # A file outside the project root: an absolute file URI plus the checkout root (GH1006).
    cases = {**CASES, "outside": ("--select", "TPL,ENC001", str(outside / "stack.yaml"))}
    files = []
    for name, args in cases.items():
        target = tmp_path / f"{name}.sarif"
        code, _, err = cli("check", "--format", f"sarif={target}", *args)
        assert code in (1, 2) and err == ""
        files.append(str(target))
    output = tmp_path / "validation.sarif"
    result = subprocess.run(
        [
            str(multitool),
            "validate",
            "--rule-kind",
            "Gh;Sarif",
            "--level",
            "Error;Warning;Note",
            "--config",
            str(ROOT / "tests" / "data" / "sarif-validator.xml"),
            *files,
            "-o",
            str(output),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    validation = json.loads(output.read_text(encoding="utf-8-sig"))
    run = validation["runs"][0]
    levels = Counter(r.get("level", "warning") for r in run["results"])
    problems = [
        f"{r['ruleId']}: {r['message'].get('text', r['message'])}"
        for r in run["results"]
        if r.get("level", "warning") in ("error", "warning")
    ]
    assert problems == [], "\n".join(problems)
    assert levels["error"] == 0 and levels["warning"] == 0
    # It did read both files: its notes (advice such as SARIF2012's PascalCase rule names,
    # which we do not follow) point into each of them.
    seen = {
        loc["physicalLocation"]["artifactLocation"]["uri"].rsplit("/", 1)[-1]
        for r in run["results"]
        for loc in r.get("locations", [])
    }
    assert {"report.sarif", "all-rules.sarif", "outside.sarif"} <= seen
