"""Condition scenarios: the parameter values under which conditions are evaluated.

A parameter that drives a condition and is not fixed by `--parameter` is enumerated over
its AllowedValues; without AllowedValues it takes its Default, and without a Default it
is enumerated over the literals the conditions compare it with plus OTHER (any other
value). When the combinations exceed the cap, the default scenario plus one scenario per
single-parameter change are used, so every branch that one parameter can reach is still
checked, and the cap is reported.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Final

from iaclint.model.template import Template

DEFAULT_SCENARIO_CAP = 64


class _Other:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<other>"


OTHER: Final = _Other()


@dataclass(frozen=True, slots=True)
class Scenario:
    """Values of the enumerated parameters; empty when the template has none."""

    values: tuple[tuple[str, Any], ...] = ()

    def describe(self) -> str:
        return ", ".join(f"{name}={_show(value)}" for name, value in self.values)


def _show(value: Any) -> str:
    if value is OTHER:
        return "<other>"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True, slots=True, eq=False)
class ScenarioSet:
    """The scenarios a template is checked in, and how many there would be uncapped."""

    scenarios: tuple[Scenario, ...]
    total: int  # how many combinations there are; more than len(scenarios) when capped

    @property
    def capped(self) -> bool:
        return self.total > len(self.scenarios)


def _walk(value: Any, found: list[tuple[str, Any]]) -> None:
    """Collect (parameter, compared-with literal) pairs; literal None for a bare Ref."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                found.append((item, None))
            elif key == "Fn::Equals" and isinstance(item, list) and len(item) == 2:
                for mine, other in (item, item[::-1]):
                    if (
                        isinstance(mine, dict)
                        and set(mine) == {"Ref"}
                        and not isinstance(other, dict | list)
                    ):
                        found.append((str(mine["Ref"]), other))
                _walk(item, found)
            else:
                _walk(item, found)
    elif isinstance(value, list):
        for item in value:
            _walk(item, found)


def enumerate_scenarios(
    template: Template,
    overrides: dict[str, str] | None = None,
    cap: int = DEFAULT_SCENARIO_CAP,
) -> ScenarioSet:
    overrides = overrides or {}
    pairs: list[tuple[str, Any]] = []
    _walk(template.conditions, pairs)
    domains: dict[str, list[Any]] = {}
    for name, _ in pairs:
        param = template.parameters.get(name)
        if param is None or name in overrides or name in domains:
            continue
        if param.allowed_values:
            domains[name] = list(dict.fromkeys(param.allowed_values))
        elif not param.has_default:
            literals = [lit for n, lit in pairs if n == name and lit is not None]
            # sorted: the scenarios must not depend on the order of keys in the template
            domains[name] = [*sorted(dict.fromkeys(literals), key=repr), OTHER]
    if not domains:
        return ScenarioSet((Scenario(),), 1)
    names = sorted(domains)
    total = 1
    for name in names:
        total *= len(domains[name])
    if total <= cap:
        combos = itertools.product(*(domains[n] for n in names))
        scenarios = tuple(Scenario(tuple(zip(names, combo, strict=True))) for combo in combos)
        return ScenarioSet(scenarios, total)
    base = {name: _base_value(template, name, domains[name]) for name in names}
    chosen = [Scenario(tuple(base.items()))]
    for name in names:
        for value in domains[name]:
            if value != base[name] and len(chosen) < cap:
                chosen.append(Scenario(tuple({**base, name: value}.items())))
    return ScenarioSet(tuple(chosen), total)


def _base_value(template: Template, name: str, domain: list[Any]) -> Any:
    param = template.parameters[name]
    if param.has_default and param.default in domain:
        return param.default
    return domain[0]
