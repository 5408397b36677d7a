"""Turn a loaded Document into a Template, collecting shape problems instead of failing."""

from __future__ import annotations

from typing import Any

from iaclint.load.document import Document
from iaclint.model.template import Output, Parameter, Problem, Resource, Template

TEMPLATE_MARKERS = ("Resources", "AWSTemplateFormatVersion")


class NotATemplate(Exception):
    """The document parsed, but it is not a CloudFormation template."""


def is_template_data(data: Any) -> bool:
    return isinstance(data, dict) and any(key in data for key in TEMPLATE_MARKERS)


def _mapping(data: dict[str, Any], key: str, problems: list[Problem]) -> dict[str, Any]:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(Problem((key,), f"`{key}` must be a mapping, got {_kind(value)}"))
        return {}
    return value


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string"}.get(type(value), "a scalar")


def _is_foreign(value: Any) -> bool:
    """A resource Type produced by a tool iaclint cannot expand: YAML `!Rain::Module`
    (kept by the loader as `!Rain::Module`) or its JSON form `{"Rain::Module": ...}`."""
    return (
        isinstance(value, dict)
        and len(value) == 1
        and next(iter(value)).startswith(("!", "Rain::"))
    )


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def build_template(doc: Document) -> Template:
    data = doc.data
    if not is_template_data(data):
        raise NotATemplate(
            "not a CloudFormation template: no top-level `Resources` or `AWSTemplateFormatVersion`"
        )
    problems: list[Problem] = []
    foreign: list[str] = []
    transform = data.get("Transform")
    if isinstance(transform, str):
        transforms: tuple[str, ...] = (transform,)
    elif isinstance(transform, list):
        transforms = tuple(t for t in transform if isinstance(t, str))
    else:
        transforms = ()

    parameters = {}
    for name, body in _mapping(data, "Parameters", problems).items():
        if not isinstance(body, dict):
            problems.append(Problem(("Parameters", name), f"parameter `{name}` must be a mapping"))
            continue
        allowed = body.get("AllowedValues")
        parameters[name] = Parameter(
            name=name,
            type=str(body.get("Type", "String")),
            default=body.get("Default"),
            has_default="Default" in body,
            allowed_values=tuple(allowed) if isinstance(allowed, list) else None,
            no_echo=str(body.get("NoEcho", "false")).lower() == "true",
            path=("Parameters", name),
        )

    resources = {}
    for logical_id, body in _mapping(data, "Resources", problems).items():
        path = ("Resources", logical_id)
        if logical_id.startswith("Fn::ForEach::"):
            continue  # AWS::LanguageExtensions loops are expanded by CloudFormation, not here
        if not isinstance(body, dict):
            problems.append(Problem(path, f"resource `{logical_id}` must be a mapping"))
            continue
        rtype = body.get("Type")
        if _is_foreign(rtype):
            foreign.append(logical_id)
            continue
        if not isinstance(rtype, str):
            problems.append(Problem(path, f"resource `{logical_id}` has no `Type` string"))
            continue
        props = body.get("Properties")
        if props is None:
            props = {}
        elif not isinstance(props, dict):
            problems.append(
                Problem((*path, "Properties"), f"`Properties` of `{logical_id}` must be a mapping")
            )
            props = {}
        depends = body.get("DependsOn")
        if isinstance(depends, str):
            depends_on: tuple[str, ...] = (depends,)
        elif isinstance(depends, list):
            depends_on = tuple(d for d in depends if isinstance(d, str))
        else:
            depends_on = ()
        metadata = body.get("Metadata")
        resources[logical_id] = Resource(
            logical_id=logical_id,
            type=rtype,
            properties=props,
            condition=_str_or_none(body.get("Condition")),
            depends_on=depends_on,
            deletion_policy=body.get("DeletionPolicy"),
            update_replace_policy=body.get("UpdateReplacePolicy"),
            metadata=metadata if isinstance(metadata, dict) else {},
            path=path,
        )

    outputs = {}
    for name, body in _mapping(data, "Outputs", problems).items():
        if name.startswith("Fn::ForEach::"):
            continue
        if not isinstance(body, dict):
            problems.append(Problem(("Outputs", name), f"output `{name}` must be a mapping"))
            continue
        outputs[name] = Output(
            name=name,
            value=body.get("Value"),
            condition=_str_or_none(body.get("Condition")),
            export=body.get("Export"),
            path=("Outputs", name),
        )

    metadata = data.get("Metadata")
    return Template(
        source=doc.path,
        format=doc.format,
        format_version=_str_or_none(data.get("AWSTemplateFormatVersion")),
        description=_str_or_none(data.get("Description")),
        transform=transforms,
        parameters=parameters,
        mappings=_mapping(data, "Mappings", problems),
        conditions=_mapping(data, "Conditions", problems),
        resources=resources,
        outputs=outputs,
        metadata=metadata if isinstance(metadata, dict) else {},
        spans=doc.spans,
        size=doc.size,
        data=data,
        problems=tuple(problems),
        opaque=bool(foreign) or any(note.code == "unsupported-tag" for note in doc.notes),
        foreign_resources=tuple(foreign),
        directives=doc.directives,
    )
