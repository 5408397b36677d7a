"""Semgrep-style expectations in rule fixtures.

In YAML, `# ruleid: ID` says the next non-comment line must carry a finding of rule ID,
`# ok: ID` that it must not; `todoruleid` / `todook` record known misses and false alarms.
JSON cannot hold comments, so `<file>.json.expect.yaml` lists the lines instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

_ANNOTATION = re.compile(r"#\s*(ruleid|ok|todoruleid|todook):\s*([A-Z0-9, ]+)")


@dataclass
class Expectations:
    must: dict[str, set[int]] = field(default_factory=dict)
    must_not: dict[str, set[int]] = field(default_factory=dict)
    todo_must: dict[str, set[int]] = field(default_factory=dict)
    todo_must_not: dict[str, set[int]] = field(default_factory=dict)

    def bucket(self, kind: str) -> dict[str, set[int]]:
        return {
            "ruleid": self.must,
            "ok": self.must_not,
            "todoruleid": self.todo_must,
            "todook": self.todo_must_not,
        }[kind]


def read_expectations(path: Path) -> Expectations:
    expectations = Expectations()
    if path.suffix == ".json":
        sidecar = yaml.safe_load(path.with_name(path.name + ".expect.yaml").read_text())
        for kind, rules in sidecar.items():
            for rule_id, lines in rules.items():
                expectations.bucket(kind).setdefault(rule_id, set()).update(lines)
        return expectations
    pending: list[tuple[str, list[str]]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        stripped = line.strip()
        match = _ANNOTATION.search(stripped)
        if match and stripped.startswith("#"):
            pending.append(
                (match.group(1), [r.strip() for r in match.group(2).split(",") if r.strip()])
            )
            continue
        if stripped.startswith("#") or not stripped:
            continue
        for kind, rule_ids in pending:
            for rule_id in rule_ids:
                expectations.bucket(kind).setdefault(rule_id, set()).add(number)
        pending = []
    return expectations
