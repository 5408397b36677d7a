"""The rules of a run, indexed once.

Every template (and each view of a SAM template) is checked by the same few hundred rules;
without an index each analysis looked through all of them for the ones its resource types
need, loaded each rule's check function again and rebuilt the SAM stage's rule groups.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, overload

from iaclint.policy.registry import get_check
from iaclint.policy.rule import Rule

if TYPE_CHECKING:
    from iaclint.model.template import Resource
    from iaclint.policy.language import CompiledCheck

T = TypeVar("T")


class RuleSet(Sequence[Rule]):
    """An ordered, unchanging collection of rules with lookups computed once. The caches
    it fills (check functions, `derived` values) hold only what the rules alone decide."""

    __slots__ = (
        "_by_type",
        "_checks",
        "_compiled",
        "_derived",
        "_position",
        "_rules",
        "_template_rules",
        "by_id",
    )

    def __init__(self, rules: Iterable[Rule]) -> None:
        self._rules = tuple(rules)
        self._position = {rule.id: index for index, rule in enumerate(self._rules)}
        self.by_id = {rule.id: rule for rule in self._rules}
        by_type: dict[str, list[Rule]] = {}
        for rule in self._rules:
            if rule.scope != "template":
                for resource_type in dict.fromkeys(rule.resource_types):
                    by_type.setdefault(resource_type, []).append(rule)
        self._by_type = {name: tuple(found) for name, found in by_type.items()}
        self._template_rules = tuple(rule for rule in self._rules if rule.scope == "template")
        self._checks: dict[str, tuple[Any, str | None]] = {}
        self._compiled: dict[str, CompiledCheck] = {}
        self._derived: dict[str, Any] = {}

    @classmethod
    def of(cls, rules: Iterable[Rule]) -> RuleSet:
        return rules if isinstance(rules, RuleSet) else cls(rules)

    def __reduce__(self) -> tuple[type[RuleSet], tuple[tuple[Rule, ...]]]:
        # A worker process started by spawning gets the rules and builds its own caches.
        return (RuleSet, (self._rules,))

    def __len__(self) -> int:
        return len(self._rules)

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._rules)

    @overload
    def __getitem__(self, index: int) -> Rule: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Rule]: ...
    def __getitem__(self, index: int | slice) -> Rule | Sequence[Rule]:
        return self._rules[index]

    def __repr__(self) -> str:
        return f"RuleSet({len(self._rules)} rules)"

    def targets(self, resources: Iterable[Resource]) -> dict[str, list[Resource]]:
        """Each resource rule's resources of its types, in the order given (the template's);
        rules with none are left out."""
        by_type = self._by_type
        targets: dict[str, list[Resource]] = {}
        for resource in resources:
            for rule in by_type.get(resource.type, ()):
                found = targets.get(rule.id)
                if found is None:
                    targets[rule.id] = [resource]
                else:
                    found.append(resource)
        return targets

    def applicable(self, targets: dict[str, list[Resource]]) -> list[Rule]:
        """The template rules and the resource rules with targets, in this set's order."""
        chosen = [*self._template_rules, *(self.by_id[rule_id] for rule_id in targets)]
        chosen.sort(key=lambda rule: self._position[rule.id])
        return chosen

    def check(self, rule: Rule) -> tuple[Any, str | None]:
        """The rule's check function, loaded once, or None and why it cannot be loaded."""
        found = self._checks.get(rule.id)
        if found is None:
            try:
                found = (get_check(rule.check["python"]), None)
            except (KeyError, ImportError, AttributeError) as exc:
                found = (None, f"{type(exc).__name__}: {exc}")
            self._checks[rule.id] = found
        return found

    def compiled(self, rule: Rule) -> CompiledCheck:
        """The rule's declarative check (`match`, `unless`), compiled once."""
        found = self._compiled.get(rule.id)
        if found is None:
            from iaclint.policy.language import compile_check

            found = self._compiled[rule.id] = compile_check(rule.check)
        return found

    def derived(self, key: str, compute: Callable[[RuleSet], T]) -> T:
        """compute(self), once per rule set: groupings a later stage makes of the rules."""
        if key not in self._derived:
            self._derived[key] = compute(self)
        return self._derived[key]  # type: ignore[no-any-return]
