"""Lint the rule pack itself, like semgrep-rules and trivy-checks do."""

from __future__ import annotations

import importlib
import json
import os
import string

import pytest
from conftest import ROOT

from iaclint.load.discover import Candidate
from iaclint.pipeline import lint_file
from iaclint.policy.docs import expected_pages
from iaclint.policy.engine import AnalysisOptions
from iaclint.policy.loader import (
    RuleFileError,
    builtin_rules_dir,
    load_rule_docs,
    load_rule_files,
)
from iaclint.policy.registry import CHECKS, PREDICATES

RULES = load_rule_files([builtin_rules_dir()])
DOCS = load_rule_docs([builtin_rules_dir()])
PREFIXES = {
    "TPL": "validity",
    "LIM": "limits",
    "ENC": "encryption",
    "IAM": "iam",
    "HA": "availability",
    "NET": "network",
    "LOG": "logging",
    "DP": "data-protection",
    "COST": "cost",
    "VAL": "validity",
    "SAM": "other",
    "GEN": "other",
}


def test_docs_pages_are_current():
    pages = expected_pages(RULES, DOCS)
    docs = ROOT / "docs" / "rules"
    stale = [
        name
        for name, text in pages.items()
        if not (docs / name).is_file() or (docs / name).read_text() != text
    ]
    extra = [p.name for p in docs.glob("*.md") if p.name not in pages]
    assert not stale and not extra, (
        f"stale: {stale}, extra: {extra}; run `python -m iaclint.policy.docs`"
    )


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_metadata(rule):
    prefix = rule.id.rstrip(string.digits)
    assert PREFIXES[prefix] == rule.category, (
        f"{rule.id}: prefix {prefix} does not fit {rule.category}"
    )
    if "python" in rule.check:
        assert rule.check["python"] in CHECKS
    docs = DOCS[rule.id]
    assert docs.rationale.get("seed") and docs.rationale.get("quote"), (
        "rationale needs seed and quote"
    )
    seed = ROOT.parent / "shared" / "seeds" / docs.rationale["seed"]
    if seed.exists():  # the seeds live beside the project, not in it
        assert " ".join(docs.rationale["quote"].split()) in " ".join(seed.read_text().split())
    assert docs.references and all(url.startswith("https://") for url in docs.references)


@pytest.mark.parametrize("rule", [r for r in RULES if DOCS[r.id].examples], ids=lambda r: r.id)
def test_doc_examples_fire_exactly_this_rule(rule, tmp_path):
    """Like trivy-checks' example tests: each rule runs alone on its own doc examples, so
    the page shows what this rule reports; the bad example fires it, the good one does not,
    and both are templates iaclint reads without a diagnostic."""
    bad = tmp_path / "bad.yaml"
    good = tmp_path / "good.yaml"
    examples = DOCS[rule.id].examples
    assert examples is not None
    bad.write_text(examples["bad"])
    good.write_text(examples["good"])
    bad_result = lint_file(Candidate(str(bad), True), [rule], AnalysisOptions())
    good_result = lint_file(Candidate(str(good), True), [rule], AnalysisOptions())
    assert bad_result.findings and {f.rule_id for f in bad_result.findings} == {rule.id}
    assert not good_result.findings
    assert not bad_result.diagnostics and not good_result.diagnostics


def test_names_are_unique():
    names = [r.name for r in RULES]
    assert len(names) == len(set(names))


def test_bad_rule_file_error_names_file_rule_and_key(tmp_path):
    (tmp_path / "XYZ001.yaml").write_text(
        (builtin_rules_dir() / "TPL006.yaml")
        .read_text()
        .replace("id: TPL006", "id: XYZ001")
        .replace("level: note", "level: loud")
    )
    with pytest.raises(RuleFileError) as info:
        load_rule_files([tmp_path])
    message = str(info.value)
    assert "XYZ001.yaml" in message and "rule XYZ001" in message and "`level`" in message
    assert "'loud' is not one of" in message


def test_rule_file_must_be_named_after_its_id(tmp_path):
    (tmp_path / "OTHER.yaml").write_text((builtin_rules_dir() / "TPL006.yaml").read_text())
    with pytest.raises(RuleFileError, match=r"must be named TPL006\.yaml"):
        load_rule_files([tmp_path])


def test_rule_cache_follows_edits(tmp_path):
    source = (builtin_rules_dir() / "TPL006.yaml").read_text()
    rule_file = tmp_path / "TPL006.yaml"
    rule_file.write_text(source)
    assert load_rule_files([tmp_path])[0].level == "note"
    rule_file.write_text(source.replace("level: note", "level: warning"))
    os.utime(rule_file, ns=(1, 2))  # a different mtime even within the clock's resolution
    assert load_rule_files([tmp_path])[0].level == "warning"
    rule_file.write_text(source.replace("level: note", "level: loud"))
    os.utime(rule_file, ns=(3, 4))
    with pytest.raises(RuleFileError, match="'loud' is not one of"):
        load_rule_files([tmp_path])


def test_rule_cache_keeps_the_most_recently_used_entries(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("IACLINT_CACHE_DIR", str(cache))
    source = (builtin_rules_dir() / "TPL006.yaml").read_text()
    rules = tmp_path / "rules"
    rules.mkdir()
    rule_file = rules / "TPL006.yaml"
    for edit in range(8):
        rule_file.write_text(f"{source}\n# edit {edit}\n")
        os.utime(rule_file, ns=(edit, edit))
        load_rule_files([rules])
    caches = sorted(cache.glob("rules-*.json"))
    assert len(caches) == 4
    os.utime(rule_file, ns=(7, 7))  # the last edit again: read from its cache entry
    assert load_rule_files([rules])[0].id == "TPL006"
    assert sorted(cache.glob("rules-*.json")) == caches


def test_rule_naming_an_unregistered_check_is_a_rule_file_error(tmp_path):
    source = (builtin_rules_dir() / "TPL006.yaml").read_text()
    (tmp_path / "TPL006.yaml").write_text(
        source.replace("python: unused_parameter", "python: no_such_check")
    )
    with pytest.raises(RuleFileError, match="no check named `no_such_check`"):
        load_rule_files([tmp_path])


@pytest.mark.parametrize("target", sorted({*CHECKS.values(), *PREDICATES.values()}))
def test_every_registered_check_imports(target):
    module, _, function = target.partition(":")
    assert callable(getattr(importlib.import_module(module), function))


def test_every_registered_check_is_used_by_a_rule():
    named = {r.check.get("python") for r in RULES}
    unused = sorted(set(CHECKS) - named)
    assert not unused, f"registered but no rule names them: {unused}"


def test_a_run_reads_the_rules_documentation_only_for_a_report_that_shows_it(
    cli, tmp_path, monkeypatch
):
    cache = tmp_path / "cache"
    monkeypatch.setenv("IACLINT_CACHE_DIR", str(cache))
    template = str(ROOT / "fixtures" / "rules" / "ENC001" / "bad.yaml")
    cli("check", "--no-cache", template)  # reads the rule files: caches rules and docs apart
    (docs_cache,) = cache.glob("rule-docs-*.json")
    docs_cache.unlink()
    cli("check", "--no-cache", template)
    assert not docs_cache.exists()  # a text report shows no documentation: not read
    _, sarif, _ = cli("check", "--no-cache", "--format", "sarif", template)
    assert docs_cache.exists()  # read again from the rule files, and cached
    rules = json.loads(sarif)["runs"][0]["tool"]["driver"]["rules"]
    enc001 = next(rule for rule in rules if rule["id"] == "ENC001")
    rationale = " ".join(DOCS["ENC001"].rationale["text"].split())
    assert enc001["fullDescription"]["text"] == rationale
    assert "Example:" in enc001["help"]["markdown"]
