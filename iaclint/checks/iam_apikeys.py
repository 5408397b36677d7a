"""IAM033: a method that requires an API key needs a usage plan with a key that covers the
API in one of its deployed stages. Every answer is "no finding" when a plan, a stage or a key
might come from a parameter, an import or another stack."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from iaclint.checks.common import active_resources
from iaclint.model.template import Resource
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import lookup, same_value
from iaclint.resolve.values import Unknown

# Where an API's stages are declared: a stage resource, or a deployment's `StageName`.
_STAGE_SOURCES = (
    ("AWS::ApiGateway::Stage", "StageName"),
    ("AWS::ApiGateway::Deployment", "StageName"),
)


def api_key_without_usage_plan(method: Resource, ctx: CheckContext) -> Iterator[Violation]:
    focus = ctx.resolved_focus(method)
    required, path = lookup(focus, "Properties.ApiKeyRequired")
    api, _ = lookup(focus, "Properties.RestApiId")
    if not same_value(required, True) or not isinstance(api, Unknown):
        return
    for ref in api.refs:
        rest_api = ctx.template.resources.get(ref)
        if rest_api is None or rest_api.type != "AWS::ApiGateway::RestApi":
            continue
        covered, problem = _usage_plan_for(rest_api, ctx)
        if covered is False:
            yield Violation(path, {"resource": method.logical_id, "value": ref, "problem": problem})


def _api_stages(api: Resource, ctx: CheckContext) -> dict[str, Resource] | None:
    """The API's stage names in this template, by name; None when one cannot be read."""
    stages: dict[str, Resource] = {}
    for rtype, prop in _STAGE_SOURCES:
        for resource in active_resources(ctx, (rtype,)):
            props = ctx.resolved_properties(resource)
            owner = props.get("RestApiId") if isinstance(props, dict) else None
            if not isinstance(owner, Unknown) or api.logical_id not in owner.refs:
                if isinstance(owner, Unknown) and not any(
                    r in ctx.template.resources for r in owner.refs
                ):
                    return None  # a stage of an API from a parameter might be this API's
                continue
            name = props.get(prop)
            if name is None and rtype == "AWS::ApiGateway::Deployment":
                continue  # a deployment without a stage: an `AWS::ApiGateway::Stage` names it
            if not isinstance(name, str):
                return None
            stages[name] = resource
    return stages


def _stage_covered(stage: Any, stages: dict[str, Resource] | None) -> bool | None:
    """Does a usage plan's `Stage` name one of the API's stages?"""
    if stages is None or not stages:
        return None  # no stage in the template: the API may be deployed elsewhere
    if isinstance(stage, Unknown):
        # `!Ref ProdStage` is the stage's name.
        if any(resource.logical_id in stage.refs for resource in stages.values()):
            return True
        return None
    if not isinstance(stage, str):
        return None
    return stage in stages


def _usage_plan_for(api: Resource, ctx: CheckContext) -> tuple[bool | None, str]:
    """Is there a usage plan with a key for this API, in a stage it has? None when one
    might be."""
    maybe = False
    stages = _api_stages(api, ctx)
    missed: list[str] = []
    for plan in active_resources(ctx, ("AWS::ApiGateway::UsagePlan",)):
        entries, _ = lookup(ctx.resolved_focus(plan), "Properties.ApiStages")
        if isinstance(entries, Unknown):
            maybe = True
            continue
        for entry in entries if isinstance(entries, list) else []:
            api_id = entry.get("ApiId") if isinstance(entry, dict) else entry
            if not isinstance(api_id, Unknown):
                continue
            if api.logical_id in api_id.refs:
                stage = entry.get("Stage") if isinstance(entry, dict) else None
                covered = _stage_covered(stage, stages)
                if covered is False:
                    missed.append(f"`{plan.logical_id}` (stage `{stage}`)")
                    continue
                has_key = _has_key(plan, ctx)
                if has_key is not False:
                    return has_key, ""
            elif not any(r in ctx.template.resources for r in api_id.refs):
                maybe = True
    if maybe:
        return None, ""
    if missed:
        names = ", ".join(f"`{name}`" for name in sorted(stages or {}))
        plans = ", ".join(missed)
        return False, (
            f"the usage plans for API `{api.logical_id}` name no stage it has ({plans}; "
            f"its stages: {names})"
        )
    return False, f"no usage plan with a key covers API `{api.logical_id}`"


def _has_key(plan: Resource, ctx: CheckContext) -> bool | None:
    for link in ctx.query.referrers(
        plan.logical_id, "AWS::ApiGateway::UsagePlanKey", "UsagePlanId"
    ):
        if ctx.is_active(link):
            return True
    # A key linked through a parameter, an import or a literal id might be this plan's; one
    # that references another plan of the template is not.
    for link in active_resources(ctx, ("AWS::ApiGateway::UsagePlanKey",)):
        plan_id, _ = lookup(ctx.resolved_focus(link), "Properties.UsagePlanId")
        if not isinstance(plan_id, Unknown) or not any(
            r in ctx.template.resources for r in plan_id.refs
        ):
            return None
    return False
