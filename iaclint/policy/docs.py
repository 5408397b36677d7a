"""Rule documentation pages, generated from the rule files.

`python -m iaclint.policy.docs` rewrites docs/rules/; a test fails when they are stale.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

from iaclint.policy.loader import builtin_rules_dir, load_rule_docs, load_rule_files
from iaclint.policy.rule import Rule, RuleDocs

REPO_URL = "https://github.com/iaclint/iaclint/blob/main"


def rule_page(rule: Rule, docs: RuleDocs) -> str:
    lines = [
        f"# {rule.id}: {rule.name}",
        "",
        f"**{rule.title}**",
        "",
        "| level | category | status | since | rule file |",
        "| --- | --- | --- | --- | --- |",
        f"| {rule.level} | {rule.category} | {rule.status} | {rule.since} "
        f"| [rules/{rule.id}.yaml]({REPO_URL}/rules/{rule.id}.yaml) |",
        "",
        "## What it does",
        "",
        rule.title + ".",
        "",
        f"Message: {rule.message}",
        "",
        "## Why is this bad?",
        "",
        docs.rationale["text"],
        "",
    ]
    if docs.rationale.get("quote"):
        lines += [
            f"> {docs.rationale['quote']}",
            ">",
            f"> — `{docs.rationale.get('seed', '')}`",
            "",
        ]
    if docs.examples:
        lines += ["## Example", "", "```yaml", docs.examples["bad"].rstrip(), "```", ""]
        lines += ["## Use instead", "", "```yaml", docs.examples["good"].rstrip(), "```", ""]
    else:
        lines += [
            "## Example",
            "",
            f"See the violating and compliant templates in "
            f"[fixtures/rules/{rule.id}]({REPO_URL}/fixtures/rules/{rule.id}).",
            "",
        ]
    lines += ["## Remediation", "", docs.remediation["text"], ""]
    lines += ["## Known problems", "", docs.known_problems or "None known.", ""]
    lines += ["## References", ""]
    lines += [f"- <{url}>" for url in docs.references] or ["- None."]
    return "\n".join(lines) + "\n"


def index_page(rules: list[Rule]) -> str:
    lines = [
        "# Rules",
        "",
        "Generated from `rules/*.yaml` by `python -m iaclint.policy.docs`; do not edit by hand.",
        "",
        "| id | name | level | category | title |",
        "| --- | --- | --- | --- | --- |",
    ]
    for rule in rules:
        link = f"[{rule.id}]({rule.id}.md)"
        lines.append(f"| {link} | {rule.name} | {rule.level} | {rule.category} | {rule.title} |")
    return "\n".join(lines) + "\n"


def expected_pages(rules: list[Rule], docs: Mapping[str, RuleDocs]) -> dict[str, str]:
    pages = {f"{rule.id}.md": rule_page(rule, docs[rule.id]) for rule in rules}
    pages["index.md"] = index_page(rules)
    return pages


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    target = Path(args[0]) if args else Path("docs/rules")
    target.mkdir(parents=True, exist_ok=True)
    directories = [builtin_rules_dir()]
    pages = expected_pages(load_rule_files(directories), load_rule_docs(directories))
    for stale in target.glob("*.md"):
        if stale.name not in pages:
            stale.unlink()
    for name, text in pages.items():
        (target / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(pages)} pages to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
