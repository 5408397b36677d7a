"""Every rule's fixtures: findings exactly where `ruleid` says, none where `ok` says."""

from __future__ import annotations

from pathlib import Path

import pytest
from annotations import read_expectations
from conftest import FIXTURES

from iaclint.load.discover import Candidate
from iaclint.pipeline import lint_file
from iaclint.policy.engine import AnalysisOptions
from iaclint.policy.loader import builtin_rules_dir, load_rule_files

RULES = load_rule_files([builtin_rules_dir()])
RULE_IDS = [rule.id for rule in RULES]
FIXTURE_FILES = sorted(
    p
    for p in (FIXTURES / "rules").rglob("*")
    if p.suffix in (".yaml", ".json") and not p.name.endswith(".expect.yaml")
)


def _lines_by_rule(path: Path) -> dict[str, set[int]]:
    result = lint_file(Candidate(str(path), True), RULES, AnalysisOptions())
    errors = [d for d in result.diagnostics if d.level == "error"]
    assert not errors, errors
    lines: dict[str, set[int]] = {}
    for finding in result.findings:
        lines.setdefault(finding.rule_id, set()).add(finding.start_line)
    return lines


@pytest.mark.parametrize(
    "path", FIXTURE_FILES, ids=lambda p: str(p.relative_to(FIXTURES / "rules"))
)
def test_fixture_annotations(path):
    expectations = read_expectations(path)
    found = _lines_by_rule(path)
    rule_id = path.relative_to(FIXTURES / "rules").parts[0]
    problems = []
    for rid, lines in expectations.must.items():
        missing = lines - found.get(rid, set())
        if missing:
            problems.append(f"false negative: {rid} expected on lines {sorted(missing)}")
    for rid, lines in expectations.must_not.items():
        extra = lines & found.get(rid, set())
        if extra:
            problems.append(f"false positive: {rid} reported on ok lines {sorted(extra)}")
    # The rule a fixture folder is for must fire nowhere else than annotated.
    annotated = expectations.must.get(rule_id, set()) | expectations.todo_must_not.get(
        rule_id, set()
    )
    unexpected = found.get(rule_id, set()) - annotated
    if unexpected:
        problems.append(
            f"false positive: {rule_id} reported on unannotated lines {sorted(unexpected)}"
        )
    for rid, lines in expectations.todo_must.items():
        assert not lines <= found.get(rid, set()), f"todoruleid {rid} now fires: make it ruleid"
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_every_rule_has_violating_and_compliant_fixtures(rule_id):
    folder = FIXTURES / "rules" / rule_id
    files = [
        p
        for p in folder.iterdir()
        if p.suffix in (".yaml", ".json") and not p.name.endswith(".expect.yaml")
    ]
    assert files, f"no fixtures in {folder}"
    must = any(rule_id in read_expectations(p).must for p in files)
    must_not = any(rule_id in read_expectations(p).must_not for p in files)
    assert must and must_not, f"{rule_id} needs a ruleid and an ok case"
