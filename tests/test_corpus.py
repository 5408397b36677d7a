"""Smoke test over ../shared/corpus: no crash, and every template that parses loads."""

from __future__ import annotations

import json

import pytest
import yaml
from conftest import CORPUS

from iaclint.load.discover import Candidate, discover
from iaclint.pipeline import lint_file
from iaclint.policy.engine import AnalysisOptions
from iaclint.policy.loader import builtin_rules_dir, load_rule_files

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")


class _AnyTagLoader(yaml.SafeLoader):
    """An independent, permissive reader: accepts every tag, keeps the last duplicate."""


_AnyTagLoader.add_multi_constructor("", lambda loader, suffix, node: None)


def _independently_malformed(path: str) -> bool:
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    try:
        if path.endswith(".json"):
            json.loads(text)
            pairs_seen: list[bool] = []

            def hook(pairs):
                keys = [k for k, _ in pairs]
                pairs_seen.append(len(keys) != len(set(keys)))
                return dict(pairs)

            json.loads(text, object_pairs_hook=hook)
            return any(pairs_seen)
        node = yaml.compose(text, Loader=_AnyTagLoader)
    except (ValueError, yaml.YAMLError):
        return True
    stack = [node]
    while stack:  # duplicate keys are legal for PyYAML but not for CloudFormation
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            keys = [k.value for k, _ in current.value]
            if len(keys) != len(set(keys)):
                return True
            stack.extend(v for _, v in current.value)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return False


def test_corpus_runs_without_crash_and_parses_every_valid_template():
    rules = load_rule_files([builtin_rules_dir()])
    candidates, diagnostics = discover([str(CORPUS)])
    assert not diagnostics
    checked = 0
    unreadable = []
    for candidate in candidates:
        result = lint_file(Candidate(candidate.path, False), rules, AnalysisOptions())
        codes = {d.code for d in result.diagnostics}
        assert not codes & {"internal-error", "analysis-error"}, (
            candidate.path,
            result.diagnostics,
        )
        if codes & {"parse-error", "read-error"}:
            unreadable.append(candidate.path)
        checked += result.checked
    for path in unreadable:
        assert _independently_malformed(path), f"{path} is valid but iaclint could not read it"
    assert checked >= 400
    assert len(unreadable) <= 4
