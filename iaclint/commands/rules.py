"""`iaclint rules` and `iaclint explain ID`."""

from __future__ import annotations

import json
import sys

from iaclint.commands.setup import Flags, Setup, UsageError, build_setup
from iaclint.exit_codes import OK, USAGE


def _setup(config: str | None) -> Setup | None:
    try:
        return build_setup(Flags(config=config))
    except UsageError as exc:
        sys.stderr.write(f"iaclint: {exc}\n")
        return None


def run_rules(fmt: str, config: str | None) -> int:
    setup = _setup(config)
    if setup is None:
        return USAGE
    selected = {rule.id: rule for rule in setup.rules}
    rows = [selected.get(rule.id, rule) for rule in setup.all_rules]
    if fmt == "json":
        data = [
            {
                "id": r.id,
                "name": r.name,
                "level": r.level,
                "category": r.category,
                "title": r.title,
                "security": r.security,
                "status": r.status,
                "selected": r.id in selected,
            }
            for r in rows
        ]
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return OK
    widths = [max((len(getattr(r, key)) for r in rows), default=0) for key in ("id", "level")]
    category_width = max((len(r.category) for r in rows), default=0)
    for r in rows:
        mark = "" if r.id in selected else "  (not selected)"
        sys.stdout.write(
            f"{r.id:<{widths[0]}}  {r.level:<{widths[1]}}  {r.category:<{category_width}}  "
            f"{r.title}{mark}\n"
        )
    return OK


def run_explain(rule_id: str, config: str | None) -> int:
    from iaclint.policy.docs import rule_page

    setup = _setup(config)
    if setup is None:
        return USAGE
    wanted = rule_id.upper()
    for rule in setup.all_rules:
        if wanted == rule.id or wanted in rule.aliases:
            sys.stdout.write(rule_page(rule, setup.docs[rule.id]))
            return OK
    sys.stderr.write(f"iaclint: unknown rule `{rule_id}`; `iaclint rules` lists them\n")
    return USAGE
