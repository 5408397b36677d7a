"""docs/editor.md's problem matcher applied to real `iaclint check --format text` output."""

from __future__ import annotations

import json
import re

from conftest import ROOT, fixture_path

DOC = (ROOT / "docs" / "editor.md").read_text()
SEVERITY = {"error": "error", "warning": "warning", "note": "note"}


def _documented_regex() -> re.Pattern[str]:
    [plain] = re.findall(r"```regex\n(.*?)\n```", DOC, re.S)
    [tasks] = re.findall(r"```json\n(.*?)\n```", DOC, re.S)
    matcher = json.loads(tasks)["tasks"][0]["problemMatcher"]
    # The VS Code task and the plain pattern are the same expression.
    assert matcher["pattern"]["regexp"] == plain
    assert (matcher["pattern"]["file"], matcher["pattern"]["message"]) == (1, 6)
    return re.compile(plain)


def test_documented_matcher_reads_every_finding_line(cli):
    pattern = _documented_regex()
    files = [
        fixture_path("report", "stack.yaml"),
        fixture_path("report", "odd name, 100%.yaml"),
        fixture_path("report", "broken.yaml"),
    ]
    code, out, _ = cli("check", "--select", "TPL001,TPL006,ENC001", *files)
    assert code == 2
    lines = out.splitlines()
    parsed = [pattern.match(line) for line in lines]
    assert all(parsed[:-1]) and parsed[-1] is None  # the summary is not a problem
    assert [m.groups() for m in parsed[:-1]] == [
        (
            fixture_path("report", "broken.yaml"),
            "3",
            "1",
            "error",
            "parse-error",
            "tab character where YAML needs spaces for indentation",
        ),
        (
            fixture_path("report", "odd name, 100%.yaml"),
            "4",
            "16",
            "error",
            "TPL001",
            "`Queue` uses DependsOn to `Missing`, which is not a resource, parameter or "
            "pseudo parameter",
        ),
        (
            fixture_path("report", "stack.yaml"),
            "4",
            "3",
            "note",
            "TPL006",
            "parameter `Unused` is never referenced",
        ),
        (
            fixture_path("report", "stack.yaml"),
            "11",
            "16",
            "error",
            "TPL001",
            "`Queue` uses DependsOn to `Topik`, which is not a resource, parameter or pseudo "
            "parameter; did you mean `Topic`?",
        ),
        (
            fixture_path("report", "stack.yaml"),
            "25",
            "25",
            "error",
            "ENC001",
            "RDS instance `Archive` does not encrypt its storage (`StorageEncrypted` is false)",
        ),
    ]


def test_matcher_reads_a_message_that_contains_the_separator(cli):
    """A message may itself contain `: ` and `[...]`; the file group stops at the first
    `:line:col: level [` and the message takes the rest."""
    pattern = _documented_regex()
    line = "a.yaml:1:2: warning [X001] odd: text [with] brackets: 3:4: error [Y]"
    assert pattern.match(line).groups() == (
        "a.yaml",
        "1",
        "2",
        "warning",
        "X001",
        "odd: text [with] brackets: 3:4: error [Y]",
    )
