"""Checks in the `other` category on one service's settings that the rule language
cannot express: Fargate task sizes and approvals in CodePipeline."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from iaclint.model.template import Resource
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import (
    FALSE,
    UNKNOWN,
    Evaluator,
    Focus,
    Hit,
    Result,
    Tri,
    contains_unknown,
    lookup,
)

# -- Fargate task size (GEN020) ---------------------------------------------------------
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html
# (task CPU and memory): CPU units -> (lowest MiB, highest MiB, step MiB).
_FARGATE_SIZES = {
    256: ((512, 512, 1), (1024, 2048, 1024)),
    512: ((1024, 4096, 1024),),
    1024: ((2048, 8192, 1024),),
    2048: ((4096, 16384, 1024),),
    4096: ((8192, 30720, 1024),),
    8192: ((16384, 61440, 4096),),
    16384: ((32768, 122880, 8192),),
}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?|\.\d+)\s*(vcpu|gb)?\s*$", re.IGNORECASE)


def _units(value: Any) -> float | None:
    """CPU units or MiB from `1024`, `"1 vCPU"`, `"2 GB"`, `".25 vCPU"`."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str) or not (match := _SIZE.match(value)):
        return None
    number = float(match.group(1))
    return number * 1024 if match.group(2) else number


def fargate_size_invalid(evaluator: Evaluator, focus: Focus, node: dict[str, Any]) -> Result:
    """`{python: fargate_size_invalid}`: task-level `Cpu` and `Memory` are both known and
    are not a combination Fargate offers."""
    cpu_value, _ = lookup(focus, "Properties.Cpu")
    memory_value, memory_path = lookup(focus, "Properties.Memory")
    cpu, memory = _units(cpu_value), _units(memory_value)
    if cpu is None or memory is None:
        return UNKNOWN if contains_unknown([cpu_value, memory_value]) else FALSE
    ranges = _FARGATE_SIZES.get(int(cpu)) if cpu.is_integer() else None
    fits = ranges is not None and any(
        low <= memory <= high and (memory - low) % step == 0 for low, high, step in ranges
    )
    return FALSE if fits else Result(Tri.TRUE, (Hit(memory_path, memory_value),))


# -- CodePipeline approvals (GEN021) ----------------------------------------------------
_PRODUCTION = re.compile(r"(?:^|[^a-z])prod(?:uction)?(?:[^a-z]|$)", re.IGNORECASE)


def _category(action: Any) -> Any:
    type_id = action.get("ActionTypeId") if isinstance(action, dict) else None
    return type_id.get("Category") if isinstance(type_id, dict) else None


def _run_order(action: dict[str, Any]) -> float | None:
    order = action.get("RunOrder", 1)
    try:
        return float(order)
    except (TypeError, ValueError):
        return None


def pipeline_without_approval(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """A Deploy action in a production stage (by stage or action name) with no Approval
    action before it: in an earlier stage, or earlier in the same stage by RunOrder."""
    properties = ctx.resolved_focus(resource).value.get("Properties")
    stages = properties.get("Stages") if isinstance(properties, dict) else None
    if not isinstance(stages, list):
        return
    approved = False  # an Approval action (or one that might be) ran in an earlier stage
    for index, stage in enumerate(stages):
        if not isinstance(stage, dict) or not isinstance(stage.get("Actions"), list):
            return  # cannot tell what this stage does
        actions = [a for a in stage["Actions"] if isinstance(a, dict)]
        approvals = [
            _run_order(a)
            for a in actions
            if not isinstance(_category(a), str) or _category(a) == "Approval"
        ]
        stage_name = stage.get("Name")
        for action in actions:
            if _category(action) != "Deploy" or approved:
                continue
            names = [n for n in (stage_name, action.get("Name")) if isinstance(n, str)]
            if not any(_PRODUCTION.search(n) for n in names):
                continue
            order = _run_order(action)
            if order is None or any(o is None or o < order for o in approvals):
                continue
            _, where = lookup(ctx.resolved_focus(resource), f"Properties.Stages.{index}.Name")
            yield Violation(
                where,
                {
                    "resource": resource.logical_id,
                    "stage": stage_name if isinstance(stage_name, str) else index,
                    "action": action.get("Name"),
                },
                logical_id=resource.logical_id,
            )
            break
        approved = approved or bool(approvals)
