"""Baselines: an earlier SARIF or JSON report whose findings are not reported again.

Matching is by (rule id, fingerprint), never by line, so findings that only moved stay
matched; it counts, so a second identical finding is new. A rule's former ids (aliases)
match too, which keeps a baseline valid across a rename.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from iaclint.findings.finding import Finding
from iaclint.findings.fingerprint import VERSION as FINGERPRINT_KEY
from iaclint.findings.fingerprint import fingerprint_as
from iaclint.policy.rule import Rule


class BaselineError(Exception):
    """A baseline file that cannot be used; the message is one user-facing line."""


@dataclass(slots=True, eq=False)
class Baseline:
    """Accepted findings, counted by (rule id, fingerprint)."""

    entries: Counter[tuple[str, str]] = field(default_factory=Counter)

    def filter(
        self, findings: list[Finding], rules: Iterable[Rule], root: str
    ) -> tuple[list[Finding], int]:
        """The findings the baseline does not have, and how many it had."""
        aliases = {rule.id: rule.aliases for rule in rules}
        remaining = self.entries.copy()
        kept = []
        for finding in findings:
            keys = [(finding.rule_id, finding.fingerprint)] + [
                (alias, fingerprint_as(finding, alias, root))
                for alias in aliases.get(finding.rule_id, ())
            ]
            key = next((k for k in keys if remaining[k] > 0), None)
            if key is None:
                kept.append(finding)
            else:
                remaining[key] -= 1
        return kept, len(findings) - len(kept)


def read_baseline(path: str) -> Baseline:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BaselineError(f"{path}: baseline is not JSON: {exc}") from exc
    if isinstance(data, dict) and isinstance(data.get("runs"), list):
        return _from_sarif(data, path)
    if isinstance(data, dict) and data.get("version") == 1 and "findings" in data:
        return _from_json(data, path)
    raise BaselineError(f"{path}: not an iaclint SARIF or JSON report (`--format sarif|json`)")


def _from_sarif(data: dict[str, Any], path: str) -> Baseline:
    baseline = Baseline()
    for run in data["runs"]:
        for result in run.get("results", []) if isinstance(run, dict) else []:
            rule_id = result.get("ruleId") or result.get("rule", {}).get("id")
            fingerprint = result.get("partialFingerprints", {}).get(FINGERPRINT_KEY)
            if not isinstance(rule_id, str) or not isinstance(fingerprint, str):
                raise BaselineError(
                    f"{path}: a result has no `{FINGERPRINT_KEY}` fingerprint; "
                    "baselines must come from iaclint's own SARIF"
                )
            baseline.entries[(rule_id, fingerprint)] += 1
    return baseline


def _from_json(data: dict[str, Any], path: str) -> Baseline:
    baseline = Baseline()
    for finding in data["findings"]:
        rule_id, fingerprint = finding.get("rule_id"), finding.get("fingerprint")
        if not isinstance(rule_id, str) or not isinstance(fingerprint, str):
            raise BaselineError(f"{path}: a finding has no rule_id or fingerprint")
        baseline.entries[(rule_id, fingerprint)] += 1
    return baseline
