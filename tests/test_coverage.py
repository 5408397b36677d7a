"""docs/coverage.md accounts for every entry of the best-practice catalogue."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT, SHARED

from iaclint.policy.coverage import coverage_page, load_exceptions
from iaclint.policy.loader import builtin_rules_dir, load_rule_files

RULES = load_rule_files([builtin_rules_dir()])
EXCEPTIONS = load_exceptions()
CATALOGUE = SHARED / "best-practices.md"


def test_coverage_page_is_current():
    expected = coverage_page(RULES, EXCEPTIONS)
    assert (ROOT / "docs" / "coverage.md").read_text() == expected, (
        "docs/coverage.md is stale; run `python -m iaclint.policy.coverage`"
    )


def test_exceptions_are_well_formed_and_not_covered_by_a_rule():
    covered = {entry for rule in RULES for entry in rule.catalogue}
    for entry, info in EXCEPTIONS.items():
        assert info["status"] in ("not-yet", "not-checkable"), entry
        if info["status"] == "not-checkable":
            assert info.get("why"), f"{entry}: say why it cannot be checked"
        assert entry not in covered, (
            f"{entry} has a rule now; remove it from docs/coverage-exceptions/"
        )


@pytest.mark.skipif(not CATALOGUE.is_file(), reason="../shared/best-practices.md is not present")
def test_every_catalogue_entry_is_accounted_for():
    text = CATALOGUE.read_text()
    entries = set()
    in_category = False
    for line in text.splitlines():
        if line.startswith("## "):
            in_category = line.startswith("## Category:")
        elif in_category and (match := re.match(r"^### (.+)$", line)):
            entries.add(match.group(1).strip())
    covered = {entry for rule in RULES for entry in rule.catalogue}
    assert covered <= entries, f"rules name entries the catalogue lacks: {covered - entries}"
    assert set(EXCEPTIONS) <= entries, f"unknown entries: {set(EXCEPTIONS) - entries}"
    assert entries == covered | set(EXCEPTIONS), (
        f"unaccounted: {entries - covered - set(EXCEPTIONS)}"
    )
