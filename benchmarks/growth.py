"""Does any rule's work grow faster than the template? Copies each corpus template's resources
2 and 8 times (logical ids and the references to them renamed), counts the Python calls each
rule makes on both, and lists the rules whose count grows more than `--factor` times: with
four times the resources, linear work grows about 4x, and a rule that looks at every resource
for each resource about 16x. Counts, not timings: the result does not depend on the machine.

    python benchmarks/growth.py [--corpus ../shared/corpus] [--factor 5] [--min-calls 3000]
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import iaclint.policy.engine as engine
from iaclint.load.document import LoadError
from iaclint.load.reader import load_path, load_text
from iaclint.model.build import NotATemplate, build_template
from iaclint.policy.engine import AnalysisOptions, analyse
from iaclint.policy.loader import builtin_rules_dir, load_rule_files
from iaclint.policy.ruleset import RuleSet

_SUB_NAME = re.compile(r"\$\{([A-Za-z0-9]+)")


def renamed(value: Any, ids: set[str], suffix: str) -> Any:
    """`value` with every reference to one of `ids` (Ref, GetAtt, Sub, DependsOn) renamed."""

    def name(text: str) -> str:
        return text + suffix if text in ids else text

    def sub(text: str) -> str:
        return _SUB_NAME.sub(lambda m: "${" + name(m.group(1)), text)

    if isinstance(value, list):
        return [renamed(item, ids, suffix) for item in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key == "Ref" and isinstance(item, str):
            out[key] = name(item)
        elif key == "Fn::GetAtt" and isinstance(item, str):
            target, _, attribute = item.partition(".")
            out[key] = f"{name(target)}.{attribute}"
        elif key == "Fn::GetAtt" and isinstance(item, list) and item:
            out[key] = [name(item[0]), *item[1:]]
        elif key == "DependsOn":
            out[key] = (
                name(item)
                if isinstance(item, str)
                else [name(i) for i in item]
                if isinstance(item, list)
                else item
            )
        elif key == "Fn::Sub" and isinstance(item, str):
            out[key] = sub(item)
        elif key == "Fn::Sub" and isinstance(item, list) and item and isinstance(item[0], str):
            out[key] = [sub(item[0]), *renamed(item[1:], ids, suffix)]
        else:
            out[key] = renamed(item, ids, suffix)
    return out


def copied(data: dict[str, Any], copies: int) -> dict[str, Any]:
    """The template with its resources `copies` times over, each copy referring to itself."""
    result = copy.deepcopy(data)
    resources = data["Resources"]
    ids = set(resources)
    result["Resources"] = {
        logical_id + suffix: renamed(body, ids, suffix) if suffix else body
        for suffix in ["", *(f"Copy{i}" for i in range(1, copies))]
        for logical_id, body in resources.items()
    }
    return result


def calls_per_rule(data: dict[str, Any], rules: RuleSet) -> Counter[str]:
    """Python calls (function and C function) made while each rule checks the template."""
    calls: Counter[str] = Counter()
    current: list[str] = []
    run = engine._run

    def traced(rule: Any, *args: Any) -> Iterator[Any]:
        current.append(rule.id)
        try:
            yield from run(rule, *args)
        finally:
            current.pop()

    def count(_frame: Any, event: str, _arg: Any) -> None:
        if current and event in ("call", "c_call"):
            calls[current[-1]] += 1

    template = build_template(load_text(json.dumps(data), "copied.json"))
    engine._run = traced  # type: ignore[assignment]
    sys.setprofile(count)
    try:
        analyse(template, rules, AnalysisOptions())
    finally:
        sys.setprofile(None)
        engine._run = run  # type: ignore[assignment]
    return calls


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = Path(__file__).resolve().parents[1]
    parser.add_argument("--corpus", type=Path, default=here.parent / "shared" / "corpus")
    parser.add_argument("--factor", type=float, default=5.0)
    parser.add_argument("--min-calls", type=int, default=3000)
    args = parser.parse_args(argv)
    rules = RuleSet(load_rule_files([builtin_rules_dir()]))
    paths = sorted(p for p in args.corpus.rglob("*") if p.suffix in (".yaml", ".yml", ".json"))
    found: list[tuple[float, str, str]] = []
    checked = 0
    for path in paths:
        try:
            doc = load_path(str(path))
            build_template(doc)
        except (LoadError, NotATemplate):
            continue
        data = doc.data
        if not isinstance(data.get("Resources"), dict) or "Transform" in data:
            continue  # the SAM stage expands on its own terms
        checked += 1
        small, large = (
            calls_per_rule(copied(data, 2), rules),
            calls_per_rule(copied(data, 8), rules),
        )
        for rule_id, count in large.items():
            growth = count / max(small[rule_id], 1)
            if growth > args.factor and count > args.min_calls:
                found.append((growth, rule_id, str(path.relative_to(args.corpus))))
    print(f"{checked} templates, resources copied 2 and 8 times; rules over {args.factor}x:")
    for growth, rule_id, path in sorted(found, reverse=True):
        print(f"{growth:6.1f}x {rule_id} {path}")
    if not found:
        print("none")
    return 0


if __name__ == "__main__":
    sys.exit(main())
