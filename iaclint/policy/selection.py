"""Rule selection (`select` / `ignore`) and per-rule level overrides, by selector.

A selector is `ALL`, a category (`encryption`), an id prefix (`ENC`, `ENC0`) or a rule id
(or a former id, an alias). Like ruff's selection (docs/linter.md, "Rule selection"), the most
specific selector that matches a rule decides, whatever the order they were given in; at equal
specificity `ignore` wins. A selector that matches no known rule is a usage error that names
where it came from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from iaclint.policy.rule import Rule

ALL = "ALL"
_RULE_SPECIFICITY = 1000  # a full id outranks any prefix


class SelectionError(Exception):
    """An unknown selector; the message is one user-facing line."""


@dataclass(frozen=True, slots=True)
class Selector:
    """A rule selector as written (`ENC`, `encryption`, `IAM001`) and where."""

    text: str
    origin: str  # e.g. "--select", ".iaclint.yaml: at key `ignore[1]`"


@dataclass(frozen=True, slots=True, eq=False)
class _Compiled:
    """A selector and what it names, for ordering by specificity."""

    selector: Selector
    kind: str  # "all", "category", "prefix", "rule"

    def specificity(self) -> int:
        if self.kind == "all":
            return 0
        if self.kind == "category":
            return 1
        if self.kind == "prefix":
            return 1 + len(self.selector.text)
        return _RULE_SPECIFICITY

    def matches(self, rule: Rule) -> bool:
        text = self.selector.text
        if self.kind == "all":
            return True
        if self.kind == "category":
            return rule.category == text
        if self.kind == "prefix":
            return rule.id.startswith(text)
        return text == rule.id or text in rule.aliases


def _compile(selector: Selector, rules: Sequence[Rule]) -> _Compiled:
    text = selector.text
    if text == ALL:
        return _Compiled(selector, "all")
    if any(text == r.id or text in r.aliases for r in rules):
        return _Compiled(selector, "rule")
    if any(text == r.category for r in rules):
        return _Compiled(selector, "category")
    if text and any(r.id.startswith(text) for r in rules):
        return _Compiled(selector, "prefix")
    raise SelectionError(
        f"{selector.origin}: unknown rule selector `{text}` (expected ALL, a category, "
        "a rule id or an id prefix; `iaclint rules` lists them)"
    )


def _best(compiled: Iterable[_Compiled], rule: Rule) -> int:
    return max((c.specificity() for c in compiled if c.matches(rule)), default=-1)


def select_rules(
    rules: Sequence[Rule], select: Sequence[Selector], ignore: Sequence[Selector]
) -> list[Rule]:
    """The rules that run: those whose most specific `select` match is more specific than
    their most specific `ignore` match. Deprecated and removed rules only run when named."""
    chosen = [_compile(s, rules) for s in select]
    dropped = [_compile(s, rules) for s in ignore]
    result = []
    for rule in rules:
        selected = _best(chosen, rule)
        if rule.status in ("deprecated", "removed") and selected < _RULE_SPECIFICITY:
            continue
        if selected >= 0 and selected > _best(dropped, rule):
            result.append(rule)
    return result


def level_overrides(rules: Sequence[Rule], overrides: Mapping[Selector, str]) -> dict[str, str]:
    """Rule id -> level, from selector -> level; the most specific selector wins."""
    compiled = [(_compile(selector, rules), level) for selector, level in overrides.items()]
    result: dict[str, str] = {}
    for rule in rules:
        best = -1
        for item, level in compiled:
            if item.matches(rule) and item.specificity() > best:
                best, result[rule.id] = item.specificity(), level
    return result
