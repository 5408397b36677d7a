"""Checks in the `other` category on the template as a whole: its top-level shape, SAM
syntax without the SAM transform, export names and parameter types."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from typing import Any

from iaclint.graph.build import Reference
from iaclint.load.document import Path
from iaclint.model.template import SAM_TRANSFORM, Template
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import lookup
from iaclint.resolve.values import Unknown

# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-anatomy.html;
# `Hooks` holds the blue/green deployment hook of AWS::CodeDeployBlueGreen. `Globals` is
# SAM's and is GEN003's concern.
_SECTIONS = frozenset(
    {
        "AWSTemplateFormatVersion",
        "Description",
        "Metadata",
        "Parameters",
        "Rules",
        "Mappings",
        "Conditions",
        "Transform",
        "Resources",
        "Outputs",
        "Hooks",
        "Globals",
    }
)
_FORMAT_VERSION = "2010-09-09"
# Transforms that add no sections and rewrite no resource types of their own.
_PLAIN_TRANSFORMS = frozenset({SAM_TRANSFORM, "AWS::LanguageExtensions"})


def _other_macro(template: Template) -> bool:
    """A macro other than SAM or the language extensions may rewrite anything, including
    sections and types; a Transform of a shape we cannot read counts as one."""
    raw = template.data.get("Transform")
    readable = (
        raw is None
        or isinstance(raw, str)
        or (isinstance(raw, list) and all(isinstance(t, str) for t in raw))
    )
    return not readable or any(t not in _PLAIN_TRANSFORMS for t in template.transform)


def template_without_resources(ctx: CheckContext) -> Iterator[Violation]:
    data = ctx.template.data
    if "Resources" not in data:
        first = next(iter(data))
        yield Violation((first,), {"problem": "has no `Resources` section"}, at_key=True)
    elif not data["Resources"]:  # null or an empty mapping; other shapes are TPL009's
        yield Violation(("Resources",), {"problem": "declares no resources"}, at_key=True)


def _format_version_text(value: Any) -> str:
    # YAML 1.1 loaders may read an unquoted 2010-09-09 as a date.
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def unknown_template_section(ctx: CheckContext) -> Iterator[Violation]:
    template = ctx.template
    if _other_macro(template):
        return
    for key in template.data:
        if key not in _SECTIONS:
            yield Violation(
                (key,), {"section": key, "problem": "is not a template section"}, at_key=True
            )
    version = template.data.get("AWSTemplateFormatVersion")
    if version is not None and _format_version_text(version) != _FORMAT_VERSION:
        yield Violation(
            ("AWSTemplateFormatVersion",),
            {
                "section": "AWSTemplateFormatVersion",
                "problem": f"is `{_format_version_text(version)}`, not `{_FORMAT_VERSION}`",
            },
        )


def sam_without_transform(ctx: CheckContext) -> Iterator[Violation]:
    template = ctx.template
    if template.is_sam or _other_macro(template):
        return
    if "Globals" in template.data:
        yield Violation(("Globals",), {"what": "the `Globals` section"}, at_key=True)
    for logical_id, resource in template.resources.items():
        if resource.type.startswith("AWS::Serverless::"):
            yield Violation(
                (*resource.path, "Type"),
                {"what": f"resource `{logical_id}` of type `{resource.type}`"},
                logical_id=logical_id,
            )


def _freeze(value: Any) -> Any:
    """A hashable form of an unresolved expression, to compare two of them."""
    if isinstance(value, dict):
        return tuple(sorted(((str(k), _freeze(v)) for k, v in value.items()), key=lambda kv: kv[0]))
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def duplicate_export_name(ctx: CheckContext) -> Iterator[Violation]:
    """Two active outputs export the same name: equal resolved strings, or the same
    unresolved expression (`!Sub ${AWS::StackName}-VpcId` twice), which is equal whatever
    it resolves to."""
    seen: dict[Any, str] = {}
    for name, output in ctx.template.outputs.items():
        if output.condition is not None and ctx.resolver.condition(output.condition) is False:
            continue
        if not isinstance(output.export, dict) or "Name" not in output.export:
            continue
        path = (*output.path, "Export", "Name")
        raw = output.export["Name"]
        value = ctx.resolver.resolve(raw, path)
        if isinstance(value, str):
            key: Any = ("value", value)
            shown = f" (`{value}`)"
        elif isinstance(value, Unknown) and not _is_conditional(raw):
            key = ("expression", _freeze(raw))
            shown = ""
        else:
            continue
        first = seen.setdefault(key, name)
        if first != name:
            yield Violation(path, {"output": name, "name": shown, "first": first})


def _is_conditional(value: Any) -> bool:
    """An expression with Fn::If can differ between two places only through conditions,
    which the scenario already decided when it resolves; leave undecided ones alone."""
    if isinstance(value, dict):
        return "Fn::If" in value or any(_is_conditional(v) for v in value.values())
    if isinstance(value, list):
        return any(_is_conditional(v) for v in value)
    return False


# -- AWS-specific parameter types (GEN023) ----------------------------------------------
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-supplied-parameter-types.html
# property name -> (suggested type, resource types where the property holds such an id)
_INSTANCE_TYPES = frozenset(
    {"AWS::EC2::Instance", "AWS::EC2::LaunchTemplate", "AWS::AutoScaling::LaunchConfiguration"}
)
_SCALAR_TYPES: dict[str, tuple[str, frozenset[str] | None]] = {
    "KeyName": ("AWS::EC2::KeyPair::KeyName", _INSTANCE_TYPES),
    "ImageId": ("AWS::EC2::Image::Id", _INSTANCE_TYPES),
    "VpcId": ("AWS::EC2::VPC::Id", None),
    "SubnetId": ("AWS::EC2::Subnet::Id", None),
    "AvailabilityZone": (
        "AWS::EC2::AvailabilityZone::Name",
        frozenset({"AWS::EC2::Subnet", "AWS::EC2::Volume", "AWS::EC2::Instance"}),
    ),
}
_LIST_TYPES = {
    "SubnetIds": "List<AWS::EC2::Subnet::Id>",
    "Subnets": "List<AWS::EC2::Subnet::Id>",
    "VPCZoneIdentifier": "List<AWS::EC2::Subnet::Id>",
    "SecurityGroupIds": "List<AWS::EC2::SecurityGroup::Id>",
}


def _property_name(path: tuple[Any, ...]) -> str | None:
    """The property a `Ref` is the whole value of (through `Fn::If` branches)."""
    parts = list(path[:-1])  # drop "Ref"
    while len(parts) >= 2 and parts[-2] == "Fn::If" and isinstance(parts[-1], int):
        del parts[-2:]
    return parts[-1] if parts and isinstance(parts[-1], str) and len(parts) > 3 else None


def _suggested_type(ctx: CheckContext, ref: Reference, param_type: str) -> tuple[str, str] | None:
    if ref.kind != "ref" or ref.source[0] != "Resources" or ref.path[2:3] != ("Properties",):
        return None
    resource = ctx.template.resources.get(ref.source[1])
    name = _property_name(ref.path)
    if resource is None or name is None or not ctx.is_active(resource):
        return None
    if param_type == "String" and name in _SCALAR_TYPES:
        suggested, types = _SCALAR_TYPES[name]
        if types is None or resource.type in types:
            return suggested, name
    if param_type == "CommaDelimitedList" and name in _LIST_TYPES:
        return _LIST_TYPES[name], name
    return None


def parameter_without_aws_type(ctx: CheckContext) -> Iterator[Violation]:
    """A plain String or CommaDelimitedList parameter passed whole to a property that
    takes a key pair, AMI, VPC, subnet, zone or security group."""
    template = ctx.template
    compared = {r.target for r in ctx.references if r.source[0] in ("Conditions", "Rules")}
    for name, param in template.parameters.items():
        if param.type not in ("String", "CommaDelimitedList") or param.allowed_values:
            continue
        if name in compared or (param.has_default and param.default in ("", [])):
            continue  # an optional value: the AWS-specific types do not accept ""
        for ref in ctx.references:
            if ref.target != name:
                continue
            found = _suggested_type(ctx, ref, param.type)
            if found is None:
                continue
            body = template.data["Parameters"][name]
            where = (
                (*param.path, "Type") if isinstance(body, dict) and "Type" in body else param.path
            )
            yield Violation(
                where,
                {
                    "parameter": name,
                    "type": param.type,
                    "prop": found[1],
                    "user": ref.source[1],
                    "suggested": found[0],
                },
            )
            break


# -- Hard-coded account ids, Regions and AMIs (GEN026) -----------------------------------
_ARN = re.compile(r"arn:aws[a-z-]*:[a-z0-9-]+:([a-z0-9-]*):(\d{12})?:")
_REGION = re.compile(r"^[a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\d$")
_AMI = re.compile(r"^ami-[0-9a-f]{8}(?:[0-9a-f]{9})?$")
_IMAGE_PATHS = {
    "AWS::EC2::Instance": "Properties.ImageId",
    "AWS::AutoScaling::LaunchConfiguration": "Properties.ImageId",
    "AWS::EC2::LaunchTemplate": "Properties.LaunchTemplateData.ImageId",
}


_NAMES_NOT_TEXT = frozenset({"Ref", "Fn::GetAtt", "Fn::FindInMap", "Fn::ImportValue", "Condition"})


def _arn_strings(value: Any, path: Path, out: list[tuple[str, Path]]) -> None:
    """Append the strings written in the template (Fn::Sub templates included; not map keys
    of Fn::FindInMap or names in Ref/GetAtt) that contain `arn:`, in document order."""
    if isinstance(value, str):
        if "arn:" in value:
            out.append((value, path))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if not isinstance(item, str) or "arn:" in item:
                _arn_strings(item, (*path, index), out)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in _NAMES_NOT_TEXT and (not isinstance(item, str) or "arn:" in item):
                _arn_strings(item, (*path, key), out)


def _arn_problem(text: str) -> str | None:
    for match in _ARN.finditer(text):
        if match.group(0).split(":")[2] == "serverlessrepo":
            continue  # a published application's id names its publisher, by design
        region, account = match.group(1), match.group(2)
        parts = []
        if account:
            parts.append(f"account `{account}`")
        if region and _REGION.match(region):
            parts.append(f"Region `{region}`")
        if parts:
            return " and ".join(parts) + " in an ARN"
    return None


def hard_coded_environment(ctx: CheckContext) -> Iterator[Violation]:
    """Account ids and Regions written into ARNs, and AMI ids passed to instances: the
    template then works in one account or Region only."""
    template = ctx.template
    arns = ctx.template_memo("general:hard-coded-arns", lambda: _hard_coded_arns(template))
    for logical_id, resource in template.resources.items():
        if not ctx.is_active(resource):
            continue
        body = template.data["Resources"][logical_id]
        properties = body.get("Properties") if isinstance(body, dict) else None
        for path, problem in arns.get(logical_id, ()):
            yield Violation(
                path, {"resource": logical_id, "problem": problem}, logical_id=logical_id
            )
        dotted = _IMAGE_PATHS.get(resource.type)
        if dotted is None or _found_in_map(properties, dotted):
            continue
        image, where = lookup(ctx.resolved_focus(resource), dotted)
        if isinstance(image, str) and _AMI.match(image):
            yield Violation(
                where,
                {"resource": logical_id, "problem": f"AMI `{image}`, which exists in one Region"},
                logical_id=logical_id,
            )


def _hard_coded_arns(template: Template) -> dict[str, list[tuple[Path, str]]]:
    """Per resource, the ARNs in its properties' text that name an account or Region (the
    same in every scenario)."""
    found: dict[str, list[tuple[Path, str]]] = {}
    for logical_id, resource in template.resources.items():
        body = template.data["Resources"][logical_id]
        properties = body.get("Properties") if isinstance(body, dict) else None
        texts: list[tuple[str, Path]] = []
        _arn_strings(properties, (*resource.path, "Properties"), texts)
        for text, path in texts:
            problem = _arn_problem(text)
            if problem is not None:
                found.setdefault(logical_id, []).append((path, problem))
    return found


def _found_in_map(properties: Any, dotted: str) -> bool:
    """The image id is looked up per Region with Fn::FindInMap (the recommended way)."""
    value = properties
    for part in dotted.split(".")[1:]:
        value = value.get(part) if isinstance(value, dict) else None
    return isinstance(value, dict) and "Fn::FindInMap" in value
