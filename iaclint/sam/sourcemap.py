"""Where each resource the SAM translator generated came from in the template as written.

The translator copies a serverless resource's `Metadata` to what it generates
(`passthrough_metadata`); `translate.py` adds a marker there, so each generated resource
names its source. (aws-sam-translator 1.115 sets no `SamResourceId` itself: that key comes
from the SAM CLI.) Resources without the marker (the implicit `ServerlessRestApi` and
`ServerlessHttpApi` built from function events, CodeDeploy resources) are matched by name.

A generated property leads to the SAM property it was made from: the same name (SAM keeps
most CloudFormation names), a known rename (`Tracing` -> `TracingConfig`), a role's
`ManagedPolicyArns`/`Policies` item -> the `Policies` entry, an event's resources -> the
event. Globals are followed through `MergedResources.origin`. What has no counterpart
points at the nearest source part: the event, the `Policies` key, the serverless resource.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from iaclint.load.document import Path, Span, SpanIndex
from iaclint.sam.merge import MergedResources
from iaclint.sam.translate import MARKER

# (generated type, generated property) -> the SAM properties it may come from, in order.
RENAMES: dict[tuple[str, str], tuple[str, ...]] = {
    ("AWS::Lambda::Function", "TracingConfig"): ("Tracing",),
    ("AWS::Lambda::Function", "DeadLetterConfig"): ("DeadLetterQueue",),
    ("AWS::Lambda::Function", "Code"): ("CodeUri", "InlineCode", "ImageUri"),
    ("AWS::Lambda::Function", "Role"): ("Role", "Policies"),
    ("AWS::Lambda::LayerVersion", "Content"): ("ContentUri",),
    ("AWS::StepFunctions::StateMachine", "LoggingConfiguration"): ("Logging",),
    ("AWS::StepFunctions::StateMachine", "TracingConfiguration"): ("Tracing",),
    ("AWS::StepFunctions::StateMachine", "DefinitionString"): ("Definition",),
    ("AWS::StepFunctions::StateMachine", "Definition"): ("Definition",),
    ("AWS::StepFunctions::StateMachine", "DefinitionS3Location"): ("DefinitionUri",),
    ("AWS::StepFunctions::StateMachine", "RoleArn"): ("Role", "Policies"),
    ("AWS::StepFunctions::StateMachine", "StateMachineName"): ("Name",),
    ("AWS::StepFunctions::StateMachine", "StateMachineType"): ("Type",),
    ("AWS::ApiGateway::RestApi", "Body"): ("DefinitionBody",),
    ("AWS::ApiGateway::RestApi", "BodyS3Location"): ("DefinitionUri",),
    ("AWS::ApiGateway::RestApi", "Policy"): ("Auth",),
    ("AWS::ApiGatewayV2::Api", "Body"): ("DefinitionBody",),
    ("AWS::ApiGatewayV2::Api", "BodyS3Location"): ("DefinitionUri",),
    ("AWS::DynamoDB::Table", "KeySchema"): ("PrimaryKey",),
    ("AWS::DynamoDB::Table", "AttributeDefinitions"): ("PrimaryKey",),
    ("AWS::CloudFormation::Stack", "TemplateURL"): ("Location",),
    ("AWS::Lambda::EventSourceMapping", "EventSourceArn"): ("Queue", "Stream", "Broker"),
    ("AWS::Events::Rule", "ScheduleExpression"): ("Schedule",),
    ("AWS::Events::Rule", "EventPattern"): ("Pattern",),
    ("AWS::Events::Rule", "EventBusName"): ("EventBusName",),
    ("AWS::Scheduler::Schedule", "ScheduleExpression"): ("Schedule",),
    ("AWS::SNS::Subscription", "TopicArn"): ("Topic",),
    ("AWS::SNS::Subscription", "FilterPolicy"): ("FilterPolicy",),
}
_ROLE_OWNERS = ("AWS::Serverless::Function", "AWS::Serverless::StateMachine")
# Generated type -> the SAM property of the serverless resource that configures it.
_PART_OF = {
    "AWS::Lambda::Url": "FunctionUrlConfig",
    "AWS::Lambda::Alias": "AutoPublishAlias",
    "AWS::Lambda::Version": "AutoPublishAlias",
    "AWS::Lambda::EventInvokeConfig": "EventInvokeConfig",
    "AWS::CodeDeploy::DeploymentGroup": "DeploymentPreference",
}


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a generated resource came from, in merged-SAM coordinates (see merge.py)."""

    source: str | None  # the serverless resource's logical id, None if unknown
    anchor: Path  # what a finding with no closer counterpart points at
    bases: tuple[Path, ...]  # where same-named properties are looked up
    role: bool = False  # an execution role built from `Policies`


class SourceMap:
    """Generated logical id -> Origin, and any path of the expanded template -> the path in
    the template as written that it came from."""

    def __init__(self, expanded: dict[str, Any], merged: MergedResources) -> None:
        self.expanded = expanded
        self.merged = merged
        self.sam = merged.data  # serverless resources with Globals merged
        self.origins: dict[str, Origin] = {}
        sam_resources = self.sam.get("Resources", {})
        self._serverless = {
            lid: body
            for lid, body in sam_resources.items()
            if isinstance(body, dict) and str(body.get("Type", "")).startswith("AWS::Serverless::")
        }
        for logical_id, body in expanded.get("Resources", {}).items():
            if not isinstance(body, dict):
                continue
            origin = self._origin_of(logical_id, body)
            if origin is not None:
                self.origins[logical_id] = origin

    # --- which serverless resource, and which part of it -------------------------------------

    def _origin_of(self, logical_id: str, body: dict[str, Any]) -> Origin | None:
        metadata = body.get("Metadata")
        source = metadata.get(MARKER) if isinstance(metadata, dict) else None
        if source is None:
            if self._plain(logical_id):
                return None  # a resource of the template as written
            implicit = self._implicit_api(logical_id)
            if implicit is not None:
                return implicit
            source = self._by_name(logical_id)
            if source is None:
                return Origin(None, ("Transform",), ())
        return self._part(source, logical_id, str(body.get("Type", "")))

    def _plain(self, logical_id: str) -> bool:
        return logical_id in self.sam.get("Resources", {}) and logical_id not in self._serverless

    def _by_name(self, logical_id: str) -> str | None:
        matches = [lid for lid in self._serverless if logical_id.startswith(lid)]
        return max(matches, key=len) if matches else None

    def _implicit_api(self, logical_id: str) -> Origin | None:
        for prefix, event_type, api_key, section in (
            ("ServerlessRestApi", "Api", "RestApiId", "Api"),
            ("ServerlessHttpApi", "HttpApi", "ApiId", "HttpApi"),
        ):
            if not logical_id.startswith(prefix):
                continue
            for lid, body in self._serverless.items():
                events = _props(body).get("Events")
                for name, event in events.items() if isinstance(events, dict) else ():
                    if (
                        isinstance(event, dict)
                        and event.get("Type") == event_type
                        and api_key not in _props(event)
                    ):
                        anchor: Path = ("Resources", lid, "Properties", "Events", name)
                        bases = [("Globals", section)] if section in self.merged.globals else []
                        return Origin(lid, anchor, (*bases, (*anchor, "Properties")))
        return None

    def _part(self, source: str, logical_id: str, gtype: str) -> Origin:
        body = self._serverless.get(source, {})
        props = _props(body)
        top: Path = ("Resources", source, "Properties")
        if gtype == "AWS::IAM::Role" and body.get("Type") in _ROLE_OWNERS and logical_id != source:
            anchor = (*top, "Policies") if "Policies" in props else ("Resources", source)
            return Origin(source, anchor, (top,), role=True)
        part = _PART_OF.get(gtype)
        suffix = logical_id[len(source) :].lower()
        if gtype == "AWS::Lambda::Permission" and suffix.startswith("url"):
            part = "FunctionUrlConfig"  # FnUrlPublicPermissions, FnURLInvokeAllowPublicAccess
        if part is not None and part in props and logical_id != source:
            return Origin(source, (*top, part), ((*top, part), top))
        events = props.get("Events")
        if isinstance(events, dict) and logical_id != source:
            names = [str(n) for n in events if logical_id.startswith(f"{source}{n}")]
            if names:
                name = max(names, key=len)
                anchor = (*top, "Events", name)
                return Origin(source, anchor, ((*anchor, "Properties"),))
        return Origin(source, ("Resources", source), (top,))

    # --- paths -------------------------------------------------------------------------------

    def origin(self, path: Path) -> Path:
        """The path in the template as written that `path` of the expanded template came
        from (it may not exist there: SpanIndex.nearest takes the nearest part that does)."""
        if len(path) < 2 or path[0] != "Resources" or not isinstance(path[1], str):
            return path
        origin = self.origins.get(path[1])
        if origin is None:
            return path
        return self.merged.origin(self._sam_path(path[1], origin, path[2:]))

    def _sam_path(self, logical_id: str, origin: Origin, rest: Path) -> Path:
        if origin.source is None:
            return origin.anchor
        if rest[:1] != ("Properties",) or len(rest) < 2:
            if rest and origin.anchor == ("Resources", origin.source):
                return ("Resources", origin.source, *rest)  # its Type, DeletionPolicy, ...
            return origin.anchor
        name, sub = rest[1], rest[2:]
        if origin.role:
            return self._role_path(logical_id, origin, name, sub)
        gtype = str(self.expanded["Resources"][logical_id].get("Type", ""))
        candidates = RENAMES.get((gtype, str(name)), (name,))
        for base in origin.bases:
            for candidate in candidates:
                found = self._follow((*base, candidate), sub)
                if found is not None:
                    return found
        return origin.anchor

    def _role_path(self, logical_id: str, origin: Origin, name: str | int, sub: Path) -> Path:
        top = ("Resources", origin.source, "Properties")
        policies = _props(self._serverless.get(origin.source or "", {})).get("Policies")
        if isinstance(policies, str | dict):
            policies = [policies]
        if not isinstance(policies, list):
            policies = []
        role_props = _props(self.expanded["Resources"][logical_id])
        if name == "ManagedPolicyArns" and sub and isinstance(sub[0], int):
            arns = role_props.get("ManagedPolicyArns")
            arn = arns[sub[0]] if isinstance(arns, list) and sub[0] < len(arns) else None
            for index, entry in enumerate(policies):
                if isinstance(entry, str) and isinstance(arn, str) and _same_policy(entry, arn):
                    return (*top, "Policies", index)
        if name == "Policies" and sub and isinstance(sub[0], int):
            inline = role_props.get("Policies")
            item = inline[sub[0]] if isinstance(inline, list) and sub[0] < len(inline) else {}
            policy_name = item.get("PolicyName") if isinstance(item, dict) else None
            prefix = f"{logical_id}Policy"
            if isinstance(policy_name, str) and policy_name.startswith(prefix):
                suffix = policy_name[len(prefix) :]
                if suffix.isdigit() and int(suffix) < len(policies):
                    entry: Path = (*top, "Policies", int(suffix))
                    if sub[1:2] == ("PolicyDocument",):
                        found = self._follow(entry, sub[2:])
                        if found is not None:
                            return found
                    return entry
        if name in ("AssumeRolePolicyDocument", "PermissionsBoundary"):
            found = self._follow((*top, name), sub)
            if found is not None:
                return found
        return origin.anchor

    def _follow(self, base: Path, sub: Path) -> Path | None:
        """`base` + the longest part of `sub` present in the merged SAM data; None if even
        `base` is absent."""
        value = _at(self.sam, base)
        if value is _ABSENT:
            return None
        path = base
        for part in sub:
            value = _child(value, part)
            if value is _ABSENT:
                break
            path = (*path, part)
        return path


def _same_policy(entry: str, arn: str) -> bool:
    return arn == entry or arn.endswith(f"/{entry}")


_ABSENT = object()


def _child(value: Any, part: str | int) -> Any:
    if isinstance(value, dict) and isinstance(part, str):
        return value.get(part, _ABSENT)
    if isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
        return value[part]
    return _ABSENT


def _at(data: Any, path: Path) -> Any:
    for part in path:
        data = _child(data, part)
        if data is _ABSENT:
            return _ABSENT
    return data


def _props(body: Any) -> dict[str, Any]:
    props = body.get("Properties") if isinstance(body, dict) else None
    return props if isinstance(props, dict) else {}


@dataclass(frozen=True, slots=True, eq=False)
class MappedSpanIndex(SpanIndex):
    """The template's spans, looked up through a path translation: paths of an expanded or
    merged template answer with the span of the source they came from."""

    translate: Any = None  # Callable[[Path], Path]; Any keeps the dataclass slotted and frozen

    def value_span(self, path: Path) -> Span | None:
        return self.values.get(self.translate(path))

    def key_span(self, path: Path) -> Span | None:
        return self.keys.get(self.translate(path))

    def nearest(self, path: Path) -> tuple[Path, Span]:
        probe = self.translate(path)
        while probe:
            span = self.values.get(probe)
            if span is not None:
                return probe, span
            probe = probe[:-1]
        return (), self.values.get((), (1, 1, 1, 1))
