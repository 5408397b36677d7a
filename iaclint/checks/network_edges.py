"""Network checks about entry points from the internet: API Gateway APIs (private APIs
without a resource policy, CORS that admits any origin, stages without throttling), S3 CORS
rules, and public APIs, load balancers and distributions without a WAF web ACL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import chain
from typing import TYPE_CHECKING, Any

from iaclint.checks.common import type_path
from iaclint.checks.network_common import is_true, template_resource
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import Focus, contains_unknown, lookup
from iaclint.resolve.values import ABSENT, Unknown, child_source

if TYPE_CHECKING:
    from iaclint.load.document import Path
    from iaclint.model.template import Resource


# -- NET012 ------------------------------------------------------------------------
_ANY_ORIGIN = re.compile(r"(https?://)?\*")
_WRITE_METHODS = ("PUT", "POST", "DELETE")


def s3_cors_any_origin(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """CORS rules that let every website call the bucket from a browser; a warning when the
    methods write, a note for reads only."""
    focus = ctx.resolved_focus(resource)
    rules, rules_path = lookup(focus, "Properties.CorsConfiguration.CorsRules")
    if not isinstance(rules, list):
        return
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict):
            continue
        rule_focus = Focus(rule, child_source(rules, rules_path, i), resource)
        origins, origins_path = lookup(rule_focus, "AllowedOrigins")
        methods, _ = lookup(rule_focus, "AllowedMethods")
        methods = methods if isinstance(methods, list) else []
        known = [m.strip().upper() for m in methods if isinstance(m, str)]
        level = None if any(m in _WRITE_METHODS for m in known) else "note"
        if not isinstance(origins, list):
            continue
        for j, origin in enumerate(origins):
            if isinstance(origin, str) and _ANY_ORIGIN.fullmatch(origin.strip()):
                args = {
                    "resource": resource.logical_id,
                    "value": origin.strip(),
                    "methods": ", ".join(known) or "cross-origin",
                }
                yield Violation(child_source(origins, origins_path, j), args, level=level)


# -- NET017 ------------------------------------------------------------------------
def _has_key(value: Any, key: str) -> bool | None:
    """Is `key` in the mapping `value`? None: the mapping cannot be read."""
    if isinstance(value, dict):
        return key in value
    return None if contains_unknown(value) or value is not ABSENT else False


def _sam_global(ctx: CheckContext, section: str, path: tuple[str, ...]) -> bool:
    node: Any = ctx.template.data.get("Globals")
    for part in (section, *path):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def private_api_without_policy(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """Private REST APIs need a resource policy before they can be deployed.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-apis.html"""
    focus = ctx.resolved_focus(resource)
    if resource.type == "AWS::ApiGateway::RestApi":
        types, types_path = lookup(focus, "Properties.EndpointConfiguration.Types")
        if not isinstance(types, list):
            return
        private = [
            i for i, t in enumerate(types) if isinstance(t, str) and t.strip().upper() == "PRIVATE"
        ]
        if not private:
            return
        where = child_source(types, types_path, private[0])
        policy_props = ("Policy", "BodyS3Location")
        body = lookup(focus, "Properties.Body")[0]
    elif resource.type == "AWS::Serverless::Api":
        config, config_path = lookup(focus, "Properties.EndpointConfiguration")
        kind, where = config, config_path
        if isinstance(config, dict):
            kind, where = lookup(focus, "Properties.EndpointConfiguration.Type")
        if not (isinstance(kind, str) and kind.strip().upper() == "PRIVATE"):
            return
        policy_props = ("Auth.ResourcePolicy", "DefinitionUri")
        body = lookup(focus, "Properties.DefinitionBody")[0]
        if _sam_global(ctx, "Api", ("Auth", "ResourcePolicy")):
            return
    else:
        return
    for prop in policy_props:
        if lookup(focus, f"Properties.{prop}")[0] is not ABSENT:
            return
    if body is not ABSENT and _has_key(body, "x-amazon-apigateway-policy") is not False:
        return
    yield Violation(where, {"resource": resource.logical_id})


# -- NET018 ------------------------------------------------------------------------
def _is_wildcard(origin: Any) -> bool:
    return isinstance(origin, str) and origin.strip() in ("*", "'*'")


def _cors_http(focus: Focus, path: str) -> Iterator[tuple[Path, str, bool]]:
    """(where, origin, with credentials) for an HTTP API's `CorsConfiguration`."""
    config, config_path = lookup(focus, path)
    if is_true(config):
        yield config_path, "*", False  # SAM: `true` allows every origin
        return
    if not isinstance(config, dict):
        return
    origins, origins_path = lookup(focus, f"{path}.AllowOrigins")
    credentials = is_true(config.get("AllowCredentials", ABSENT))
    if isinstance(origins, list):
        for i, origin in enumerate(origins):
            if _is_wildcard(origin):
                yield child_source(origins, origins_path, i), origin.strip(), credentials


def _cors_rest_sam(focus: Focus) -> Iterator[tuple[Path, str, bool]]:
    """(where, origin, with credentials) for a SAM REST API's `Cors`; SAM's AllowOrigin
    defaults to `'*'`."""
    cors, cors_path = lookup(focus, "Properties.Cors")
    if _is_wildcard(cors):
        yield cors_path, cors.strip(), False
        return
    if not isinstance(cors, dict):
        return
    credentials = is_true(cors.get("AllowCredentials", ABSENT))
    origin, origin_path = lookup(focus, "Properties.Cors.AllowOrigin")
    if origin is ABSENT:
        if credentials:
            where = lookup(focus, "Properties.Cors.AllowCredentials")[1]
            yield where, "'*'", True
        else:
            yield cors_path, "'*'", False
    elif _is_wildcard(origin):
        yield origin_path, origin.strip(), credentials


def _cors_openapi_http(focus: Focus) -> Iterator[tuple[Path, str, bool]]:
    """The `x-amazon-apigateway-cors` extension of an HTTP API's OpenAPI body (what SAM
    generates from `CorsConfiguration`)."""
    cors, cors_path = lookup(focus, "Properties.Body.x-amazon-apigateway-cors")
    if not isinstance(cors, dict):
        return
    origins = cors.get("allowOrigins", ABSENT)
    credentials = is_true(cors.get("allowCredentials", ABSENT))
    if isinstance(origins, list):
        origins_path = child_source(cors, cors_path, "allowOrigins")
        for i, origin in enumerate(origins):
            if _is_wildcard(origin):
                yield child_source(origins, origins_path, i), origin.strip(), credentials


_ALLOW_ORIGIN = "method.response.header.Access-Control-Allow-Origin"
_ALLOW_CREDENTIALS = "method.response.header.Access-Control-Allow-Credentials"


def _wildcard_response(responses: Any, responses_path: Path) -> tuple[Path, str, bool] | None:
    """The first integration response that sets `Access-Control-Allow-Origin: '*'`."""
    items = (
        list(responses.items())
        if isinstance(responses, dict)
        else list(enumerate(responses))
        if isinstance(responses, list)
        else []
    )
    for key, response in items:
        if not isinstance(response, dict):
            continue
        response_path = child_source(responses, responses_path, key)
        for name in ("responseParameters", "ResponseParameters"):
            params = response.get(name, ABSENT)
            if not isinstance(params, dict):
                continue
            origin = params.get(_ALLOW_ORIGIN, ABSENT)
            if _is_wildcard(origin):
                params_path = child_source(response, response_path, name)
                where = child_source(params, params_path, _ALLOW_ORIGIN)
                credentials = params.get(_ALLOW_CREDENTIALS, ABSENT)
                with_credentials = isinstance(credentials, str) and credentials.strip() == "'true'"
                return where, origin.strip(), with_credentials
    return None


def _cors_rest_body(focus: Focus) -> Iterator[tuple[Path, str, bool]]:
    """CORS preflight responses in a REST API's OpenAPI body (what SAM generates from
    `Cors`): reported once per API."""
    paths, paths_path = lookup(focus, "Properties.Body.paths")
    if not isinstance(paths, dict):
        return
    for name, item in paths.items():
        if not isinstance(item, dict) or not isinstance(item.get("options"), dict):
            continue
        options_path = child_source(item, child_source(paths, paths_path, name), "options")
        options = item["options"]
        integration = options.get("x-amazon-apigateway-integration")
        if not isinstance(integration, dict):
            continue
        integration_path = child_source(options, options_path, "x-amazon-apigateway-integration")
        responses = integration.get("responses", ABSENT)
        found = _wildcard_response(
            responses, child_source(integration, integration_path, "responses")
        )
        if found is not None:
            yield found
            return


def _cors_rest_method(focus: Focus) -> Iterator[tuple[Path, str, bool]]:
    """A method's integration responses (the preflight `OPTIONS` mock, or the actual
    response of a non-proxy integration) that return `Access-Control-Allow-Origin: '*'`."""
    responses, responses_path = lookup(focus, "Properties.Integration.IntegrationResponses")
    found = _wildcard_response(responses, responses_path)
    if found is not None:
        yield found


def api_cors_any_origin(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """API CORS settings that let every website call the API from a browser: an error with
    credentials (API Gateway and SAM reject it), a note without."""
    focus = ctx.resolved_focus(resource)
    if resource.type == "AWS::Serverless::Api":
        found = _cors_rest_sam(focus)
    elif resource.type == "AWS::ApiGatewayV2::Api":
        found = chain(_cors_http(focus, "Properties.CorsConfiguration"), _cors_openapi_http(focus))
    elif resource.type == "AWS::Serverless::HttpApi":
        found = _cors_http(focus, "Properties.CorsConfiguration")
    elif resource.type == "AWS::ApiGateway::RestApi":
        found = _cors_rest_body(focus)
    elif resource.type == "AWS::ApiGateway::Method":
        found = _cors_rest_method(focus)
    else:
        return
    for where, origin, credentials in found:
        if credentials:
            detail = (
                "while allowing credentials, a combination browsers refuse for credentialed "
                "requests and SAM rejects"
            )
            args = {"resource": resource.logical_id, "value": origin, "detail": detail}
            yield Violation(where, args)
        else:
            detail = "so any website can call it from a browser"
            args = {"resource": resource.logical_id, "value": origin, "detail": detail}
            yield Violation(where, args, level="note")


# -- NET028 ------------------------------------------------------------------------
def _usage_plan_throttles(ctx: CheckContext, stage: Resource, api_refs: tuple[str, ...]) -> bool:
    """Does an active usage plan with `Throttle` name this stage or its API?"""
    for plan in ctx.template.resources.values():
        if plan.type != "AWS::ApiGateway::UsagePlan" or not ctx.is_active(plan):
            continue
        focus = ctx.resolved_focus(plan)
        stages, _ = lookup(focus, "Properties.ApiStages")
        throttle, _ = lookup(focus, "Properties.Throttle")
        if throttle is ABSENT:
            continue
        if contains_unknown(stages) or not isinstance(stages, list):
            return True  # might name this stage
        for item in stages:
            if not isinstance(item, dict):
                continue
            refs: set[str] = set()
            for key in ("ApiId", "Stage"):
                value = item.get(key, ABSENT)
                if isinstance(value, Unknown):
                    refs.update(value.refs)
            if stage.logical_id in refs or refs & set(api_refs) or not refs:
                return True
    return False


def _throttled(settings: Any) -> bool | None:
    """Does a settings object set a rate or burst limit? None: it cannot be known."""
    if isinstance(settings, Unknown):
        return None
    if not isinstance(settings, dict):
        return False
    found = [settings.get(k, ABSENT) for k in ("ThrottlingRateLimit", "ThrottlingBurstLimit")]
    if any(v is not ABSENT and not contains_unknown(v) for v in found):
        return True
    return None if any(contains_unknown(v) for v in found) else False


def api_stage_without_throttling(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """API stages that set no throttling of their own, so every client shares the account's
    limits (10,000 requests per second, burst 5,000, across every API in the Region)."""
    focus = ctx.resolved_focus(resource)
    if resource.type == "AWS::ApiGateway::Stage":
        settings, settings_path = lookup(focus, "Properties.MethodSettings")
        if isinstance(settings, Unknown):
            return
        items = settings if isinstance(settings, list) else []
        if any(_throttled(item) is not False for item in items):
            return
        api, _ = lookup(focus, "Properties.RestApiId")
        api_refs = api.refs if isinstance(api, Unknown) else ()
        if _usage_plan_throttles(ctx, resource, api_refs):
            return
        prop = "MethodSettings"
    elif resource.type == "AWS::ApiGatewayV2::Stage":
        settings, settings_path = lookup(focus, "Properties.DefaultRouteSettings")
        if _throttled(settings) is not False:
            return
        prop = "DefaultRouteSettings"
    else:
        return
    where = settings_path if settings is not ABSENT else type_path(resource)
    args = {"resource": resource.logical_id, "setting": prop}
    yield Violation(where, args, at_key=True)


# -- NET029 ------------------------------------------------------------------------
def _web_acl_associated(ctx: CheckContext, names: set[str]) -> bool:
    """Does an active WAFv2 association name one of these resources, or name something
    this template cannot resolve (which might be one of them)?"""
    for association in ctx.template.resources.values():
        if association.type != "AWS::WAFv2::WebACLAssociation" or not ctx.is_active(association):
            continue
        arn, _ = lookup(ctx.resolved_focus(association), "Properties.ResourceArn")
        if not isinstance(arn, Unknown):
            continue  # a literal ARN of a resource outside the template
        if names & set(arn.refs) or not any(r in ctx.template.resources for r in arn.refs):
            return True
    return False


def _private_rest_api(ctx: CheckContext, api: Resource) -> bool:
    types, _ = lookup(ctx.resolved_focus(api), "Properties.EndpointConfiguration.Types")
    return isinstance(types, list) and any(
        isinstance(t, str) and t.strip().upper() == "PRIVATE" for t in types
    )


def public_entry_point_without_waf(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """Internet-facing entry points with no AWS WAF web ACL in front of them."""
    focus = ctx.resolved_focus(resource)
    if resource.type == "AWS::CloudFront::Distribution":
        acl, _ = lookup(focus, "Properties.DistributionConfig.WebACLId")
        if acl is not ABSENT:
            return
        config, config_path = lookup(focus, "Properties.DistributionConfig")
        if not isinstance(config, dict):
            return
        args = {"resource": resource.logical_id, "detail": "it sets no `WebACLId`"}
        yield Violation(config_path, args, at_key=True)
        return
    if resource.type == "AWS::ElasticLoadBalancingV2::LoadBalancer":
        scheme, _ = lookup(focus, "Properties.Scheme")
        lb_type, _ = lookup(focus, "Properties.Type")
        if scheme is not ABSENT and not (
            isinstance(scheme, str) and scheme.strip().lower() == "internet-facing"
        ):
            return
        if lb_type is not ABSENT and not (
            isinstance(lb_type, str) and lb_type.strip().lower() == "application"
        ):
            return
        names = {resource.logical_id}
        kind = "internet-facing application load balancer"
    elif resource.type == "AWS::ApiGateway::Stage":
        api_value, _ = lookup(focus, "Properties.RestApiId")
        api = template_resource(ctx, api_value, "AWS::ApiGateway::RestApi")
        if api is None or _private_rest_api(ctx, api):
            return
        names = {resource.logical_id, api.logical_id}
        kind = "REST API stage"
    else:
        return
    if _web_acl_associated(ctx, names):
        return
    detail = f"no `AWS::WAFv2::WebACLAssociation` protects this {kind}"
    args = {"resource": resource.logical_id, "detail": detail}
    yield Violation(type_path(resource), args, at_key=True)
