"""Resolve stage: parameters, conditions and intrinsic functions, three-valued."""

from iaclint.resolve.resolver import PSEUDO_PARAMETERS, Resolver
from iaclint.resolve.scenarios import OTHER, Scenario, ScenarioSet, enumerate_scenarios
from iaclint.resolve.values import ABSENT, RDict, RList, Unknown, child_source, is_unknown

__all__ = [
    "ABSENT",
    "OTHER",
    "PSEUDO_PARAMETERS",
    "RDict",
    "RList",
    "Resolver",
    "Scenario",
    "ScenarioSet",
    "Unknown",
    "child_source",
    "enumerate_scenarios",
    "is_unknown",
]
