"""SAM-specific checks (SAM002, SAM003), on `AWS::Serverless::*` resources as written with
Globals merged (iaclint/sam/ runs them on that view, also when the template is expanded).

Values are resolved for the scenario; an unknown value (an unresolved `Ref`, an import)
never makes a finding.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from iaclint.load.document import Path
from iaclint.model.template import Resource
from iaclint.policy.context import CheckContext, Violation
from iaclint.resolve.values import Unknown, child_source

# Event type -> (the property naming its API, the API's resource type, its Globals section).
_API_EVENTS = {
    "Api": ("RestApiId", "AWS::Serverless::Api", "Api"),
    "HttpApi": ("ApiId", "AWS::Serverless::HttpApi", "HttpApi"),
}


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _unknown(value: Any) -> bool:
    return isinstance(value, Unknown)


def _is_none_text(value: Any) -> bool:
    return isinstance(value, str) and value.upper() == "NONE"


def _true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


# -- SAM002 ---------------------------------------------------------------------------------


def api_event_without_authorization(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """An `Api`/`HttpApi` event whose method no authorizer protects: `Auth.Authorizer: NONE`,
    or no authorizer on the event and no `Auth.DefaultAuthorizer` on its API (the implicit
    API takes it from Globals). CORS preflight (`OPTIONS`) is left alone, and so is an API key
    (`Auth.ApiKeyRequired`) for REST APIs."""
    focus = ctx.resolved_focus(resource)
    props = _mapping(focus.value.get("Properties"))
    events = props.get("Events")
    events_path = child_source(props, (*resource.path, "Properties"), "Events")
    raw_events = _mapping(
        _mapping(ctx.template.data["Resources"][resource.logical_id].get("Properties")).get(
            "Events"
        )
    )
    for name, event in _mapping(events).items():
        event = _mapping(event)
        kind = event.get("Type")
        if kind not in _API_EVENTS:
            continue
        event_path = child_source(events, events_path, name)
        eprops = _mapping(event.get("Properties"))
        method = eprops.get("Method")
        if _unknown(method) or (isinstance(method, str) and method.lower() == "options"):
            continue
        auth = eprops.get("Auth")
        if _unknown(auth):
            continue
        auth = _mapping(auth)
        authorizer = auth.get("Authorizer")
        if _unknown(authorizer) or _unknown(auth.get("ApiKeyRequired")):
            continue
        if kind == "Api" and _true(auth.get("ApiKeyRequired")):
            continue
        shown = f"{str(method).upper() if method else 'ANY'} {eprops.get('Path', '')}".strip()
        args = {"resource": resource.logical_id, "event": name, "method": shown}
        if _is_none_text(authorizer):
            auth_path = child_source(eprops, (*event_path, "Properties"), "Auth")
            yield Violation(
                child_source(auth, auth_path, "Authorizer"),
                {**args, "why": "its `Auth.Authorizer` is `NONE`"},
            )
            continue
        if authorizer is not None:
            continue
        raw_event = _mapping(raw_events.get(name))
        default = _default_authorizer(ctx, kind, _mapping(raw_event.get("Properties")))
        if default is None:
            yield Violation(
                event_path,
                {**args, "why": "neither the event nor its API sets an authorizer"},
                at_key=True,
            )


def _default_authorizer(ctx: CheckContext, kind: str, raw_props: dict[str, Any]) -> Any:
    """The API's `Auth.DefaultAuthorizer` (or an API key requirement); None when there is
    none; an Unknown (so: no finding) when the API cannot be found in the template."""
    api_key, api_type, section = _API_EVENTS[kind]
    if api_key in raw_props:
        ref = raw_props[api_key]
        target = ref.get("Ref") if isinstance(ref, dict) and len(ref) == 1 else None
        api = ctx.template.resources.get(target) if isinstance(target, str) else None
        if api is None or api.type != api_type:
            return Unknown("the API is not a SAM API of this template")
        auth = ctx.resolved_focus(api).value.get("Properties", {}).get("Auth")
    else:  # the implicit API: only Globals can configure it
        globals_ = ctx.template.data.get("Globals")
        raw = _mapping(_mapping(globals_).get(section)).get("Auth")
        auth = ctx.resolver.resolve(raw, ("Globals", section, "Auth")) if raw else None
    if _unknown(auth):
        return auth
    auth = _mapping(auth)
    default = auth.get("DefaultAuthorizer")
    if _unknown(default) or _unknown(auth.get("ApiKeyRequired")):
        return Unknown("unknown authorizer")
    if kind == "Api" and _true(auth.get("ApiKeyRequired")):
        return "API key"
    if default is None or _is_none_text(default):
        return None
    return default


# -- SAM003 ---------------------------------------------------------------------------------

# Policy-template parameters that name the resource the template grants access to
# (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/serverless-policy-template-list.html).
_RESOURCE_PARAMETERS = frozenset(
    {
        "BucketName", "TableName", "QueueName", "TopicName", "StreamName", "FunctionName",
        "StateMachineName", "KeyId", "SecretArn", "ParameterName", "EventBusName",
        "DomainName", "IdentityName", "CollectionId", "LogGroupName", "DeliveryStreamName",
        "ApplicationId", "AccessPointName", "FileSystemArn", "AccessPointArn", "RepositoryName",
        "ClusterName", "TaskDefinition", "StreamArn", "QueueArn", "TopicArn",
    }
)  # fmt: skip


def policy_template_on_any_resource(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """A SAM policy template whose resource parameter is `*`: `S3CrudPolicy` on every bucket."""
    focus = ctx.resolved_focus(resource)
    props = _mapping(focus.value.get("Properties"))
    policies = props.get("Policies")
    policies_path = child_source(props, (*resource.path, "Properties"), "Policies")
    entries: list[tuple[Any, Path]]
    if isinstance(policies, list):
        entries = [(p, child_source(policies, policies_path, i)) for i, p in enumerate(policies)]
    elif isinstance(policies, dict):
        entries = [(policies, policies_path)]
    else:
        return
    for entry, entry_path in entries:
        if not isinstance(entry, dict) or len(entry) != 1:
            continue
        template, parameters = next(iter(entry.items()))
        if not template.endswith("Policy") or not isinstance(parameters, dict):
            continue
        params_path = child_source(entry, entry_path, template)
        for parameter, value in parameters.items():
            if parameter in _RESOURCE_PARAMETERS and value == "*":
                yield Violation(
                    child_source(parameters, params_path, parameter),
                    {"resource": resource.logical_id, "template": template, "parameter": parameter},
                )
