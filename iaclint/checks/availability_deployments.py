"""Safe deployments and error handling: Elastic Beanstalk environments that are not ready for
production, event sources that bypass a Lambda alias, and Step Functions tasks without a
timeout or retry. Every function answers "no finding" when a value or a relation it needs is
unknown."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from iaclint.checks.availability import get, only_resource, present, show_ids, type_path
from iaclint.load.document import Path
from iaclint.model.template import Resource
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import contains_unknown, same_value
from iaclint.resolve.values import ABSENT, Unknown, child_source

# -- HA029 ---------------------------------------------------------------------------
_ENVIRONMENT_TYPE = ("aws:elasticbeanstalk:environment", "EnvironmentType")
_DEPLOYMENT_POLICY = ("aws:elasticbeanstalk:command", "DeploymentPolicy")


def _option_settings(
    ctx: CheckContext, resource: Resource
) -> dict[tuple[str, str], tuple[Any, Path]] | None:
    """(namespace, option) -> (value, path) of the environment and of the configuration
    template it names; None when an option cannot be read."""
    found: dict[tuple[str, str], tuple[Any, Path]] = {}
    sources = [resource]
    name = get(ctx, resource, "Properties.TemplateName")[0]
    if name is not ABSENT:
        templates = ctx.query.targets(
            resource.logical_id, "AWS::ElasticBeanstalk::ConfigurationTemplate", "TemplateName"
        )
        if len(templates) != 1 or present(
            get(ctx, templates[0], "Properties.SourceConfiguration")[0]
        ):
            return None  # a saved configuration or one from elsewhere
        sources.insert(0, templates[0])  # the environment's own settings win
    for source in sources:
        items, path = get(ctx, source, "Properties.OptionSettings")
        if items is ABSENT:
            continue
        if not isinstance(items, list):
            return None
        for index, item in enumerate(items):
            key = (
                (item.get("Namespace"), item.get("OptionName")) if isinstance(item, dict) else None
            )
            if key is None or not all(isinstance(k, str) for k in key):
                return None
            value_path = (*child_source(items, path, index), "Value")
            found[key] = (item.get("Value", ABSENT), value_path)  # type: ignore[index]
    return found


def beanstalk_environment_not_production_ready(
    resource: Resource, ctx: CheckContext
) -> Iterator[Violation]:
    options = _option_settings(ctx, resource)
    if options is None:
        return
    args = {"resource": resource.logical_id}
    kind, kind_path = options.get(_ENVIRONMENT_TYPE, (ABSENT, None))
    if contains_unknown(kind):
        return
    if same_value(kind, "SingleInstance") and kind_path is not None:
        problem = "is a single-instance environment (`EnvironmentType: SingleInstance`), with "
        yield Violation(kind_path, {**args, "problem": problem + "no load balancer and no spare"})
        return
    policy, policy_path = options.get(_DEPLOYMENT_POLICY, (ABSENT, None))
    if policy is ABSENT:
        problem = "deploys all at once (no `DeploymentPolicy`; the default is `AllAtOnce`)"
        yield Violation(type_path(resource), {**args, "problem": problem}, at_key=True)
    elif same_value(policy, "AllAtOnce") and policy_path is not None:
        problem = "deploys all at once (`DeploymentPolicy: AllAtOnce`)"
        yield Violation(policy_path, {**args, "problem": problem})


# -- HA031 ---------------------------------------------------------------------------
_TRIGGER = {
    "AWS::Lambda::EventSourceMapping": "its events",
    "AWS::Lambda::Permission": "invocations",
}


def _aliases(ctx: CheckContext, function: Resource) -> list[Resource]:
    found = ctx.query.referrers(function.logical_id, "AWS::Lambda::Alias", "FunctionName")
    return [a for a in found if ctx.is_active(a)]


def _alias_allowed(ctx: CheckContext, permission: Resource, aliases: list[Resource]) -> bool:
    """Another permission grants the same principal the alias: the unqualified one is a
    leftover, not the path traffic takes."""
    principal = get(ctx, permission, "Properties.Principal")[0]
    for alias in aliases:
        for other in ctx.query.referrers(alias.logical_id, "AWS::Lambda::Permission"):
            theirs = get(ctx, other, "Properties.Principal")[0]
            if ctx.is_active(other) and (contains_unknown(theirs) or theirs == principal):
                return True
    return False


def trigger_bypasses_alias(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    value, path = get(ctx, resource, "Properties.FunctionName")
    function = only_resource(ctx, value, "AWS::Lambda::Function")
    if function is None:
        return  # an alias, a qualified ARN, or a function we cannot see
    aliases = _aliases(ctx, function)
    if not aliases:
        return
    if resource.type == "AWS::Lambda::Permission" and _alias_allowed(ctx, resource, aliases):
        return
    yield Violation(
        path,
        {
            "resource": resource.logical_id,
            "traffic": _TRIGGER[resource.type],
            "function": function.logical_id,
            "aliases": show_ids(a.logical_id for a in aliases),
        },
    )


# -- HA032 ---------------------------------------------------------------------------
# Integrations that wait for something outside the state machine: without a timeout they can
# wait until the execution's one-year limit. Request-response calls return at once.
# https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html
_WAITS = re.compile(r"\.sync(:\d+)?$|\.waitForTaskToken$|:activity:")
_TIMEOUTS = ("TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath")


def _task_states(states: Any, prefix: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every Task state, also inside Parallel branches and Map iterators."""
    if not isinstance(states, dict):
        return
    for name, state in states.items():
        if not isinstance(state, dict):
            continue
        if state.get("Type") == "Task":
            yield prefix + str(name), state
        for branch in state.get("Branches", ()) if isinstance(state.get("Branches"), list) else ():
            if isinstance(branch, dict):
                yield from _task_states(branch.get("States"), prefix)
        for key in ("Iterator", "ItemProcessor"):
            if isinstance(state.get(key), dict):
                yield from _task_states(state[key].get("States"), prefix)


def _definition(ctx: CheckContext, resource: Resource) -> tuple[Any, Path] | None:
    """The definition as data, and where findings point; None when it cannot be read
    (an S3 location, an unknown part where JSON needs a value)."""
    definition, path = get(ctx, resource, "Properties.Definition")
    if isinstance(definition, dict):
        return definition, path
    text, path = get(ctx, resource, "Properties.DefinitionString")
    if isinstance(text, Unknown):
        text = text.partial  # unknown parts stand in string values only: JSON still parses
    if not isinstance(text, str):
        return None
    try:
        return json.loads(text), path
    except ValueError:
        return None


def state_machine_task_unguarded(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    found = _definition(ctx, resource)
    if found is None or not isinstance(found[0], dict):
        return
    definition, path = found
    kind = get(ctx, resource, "Properties.StateMachineType")[0]
    express = same_value(kind, "EXPRESS", ignore_case=True) or contains_unknown(kind)
    unhandled, unbounded = [], []
    for name, state in _task_states(definition.get("States")):
        if "Retry" not in state and "Catch" not in state:
            unhandled.append(name)
        waits = isinstance(state.get("Resource"), str) and _WAITS.search(state["Resource"])
        if waits and not express and not any(k in state for k in _TIMEOUTS):
            unbounded.append(name)
    if unhandled:
        problem = (
            f"has task states without `Retry` or `Catch` ({show_ids(unhandled)}), so one "
            "transient error fails the whole execution"
        )
        yield Violation(path, {"resource": resource.logical_id, "problem": problem}, at_key=True)
    if unbounded:
        problem = (
            f"has task states that wait for a job, callback or activity without "
            f"`TimeoutSeconds` or `HeartbeatSeconds` ({show_ids(unbounded)}), so they can hang "
            "until the execution times out after a year"
        )
        yield Violation(path, {"resource": resource.logical_id, "problem": problem}, at_key=True)
