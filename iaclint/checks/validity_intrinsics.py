"""Rule VAL011: intrinsic functions written in a shape CloudFormation rejects.

Shapes follow the intrinsic function reference
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference.html).
Names a function refers to are other rules' business (TPL001 undefined names, TPL004
conditions, TPL005 literal mapping keys); this one checks arity and argument types, and
`Fn::FindInMap` keys that are computed but known in the scenario.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from iaclint.checks.structural import has_macro
from iaclint.load.document import Path
from iaclint.model.template import Template
from iaclint.policy.context import CheckContext, Violation
from iaclint.resolve.values import Unknown
from iaclint.schemas.keywords import as_number

_SECTIONS = ("Resources", "Outputs", "Conditions")


def _is_intrinsic(value: Any) -> bool:
    if not isinstance(value, dict) or len(value) != 1:
        return False
    key = next(iter(value))
    return key in ("Ref", "Condition") or key.startswith("Fn::")


def _walk(data: Any, path: Path) -> list[tuple[str, Any, Path]]:
    """Each `Fn::` function under `data`: its name, argument and path."""
    found: list[tuple[str, Any, Path]] = []
    stack: list[tuple[Any, Path]] = [(data, path)]
    push = stack.append
    while stack:
        node, where = stack.pop()
        if isinstance(node, dict):
            if len(node) == 1:
                ((key, arg),) = node.items()
                if key == "Fn::Transform":
                    continue  # a macro computes this value
                if key.startswith("Fn::"):
                    found.append((key, arg, (*where, key)))
            for key, value in node.items():
                if isinstance(value, dict | list):  # only containers hold functions
                    push((value, (*where, key)))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                if isinstance(value, dict | list):
                    push((value, (*where, index)))
    return found


def _shape(fn: str, arg: Any) -> str | None:
    """What is wrong with `fn`'s argument's shape, or None."""
    is_list = isinstance(arg, list)
    if fn == "Fn::If":
        if not is_list or len(arg) != 3:
            return "`Fn::If` takes three items: a condition name, a value if true, a value if false"
        if not isinstance(arg[0], str):
            return "`Fn::If`'s first item must be a condition name"
    elif fn == "Fn::Select":
        if not is_list or len(arg) != 2:
            return "`Fn::Select` takes two items: an index and a list"
        index = arg[0]
        if not _is_intrinsic(index):
            number = as_number(index)
            if not isinstance(number, int) or number < 0:
                return f"`Fn::Select`'s index must be a whole number, got `{index}`"
            if isinstance(arg[1], list) and number >= len(arg[1]):
                return f"`Fn::Select` index {number} is past the end of a {len(arg[1])}-item list"
        if not isinstance(arg[1], list) and not _is_intrinsic(arg[1]):
            return "`Fn::Select`'s second item must be a list"
    elif fn == "Fn::Join":
        if not is_list or len(arg) != 2:
            return "`Fn::Join` takes two items: a delimiter and a list"
        if not isinstance(arg[0], str):
            return "`Fn::Join`'s delimiter must be a string"
        if not isinstance(arg[1], list) and not _is_intrinsic(arg[1]):
            return "`Fn::Join`'s second item must be a list"
    elif fn == "Fn::Sub":
        if is_list:
            if len(arg) != 2 or not isinstance(arg[1], dict):
                return "`Fn::Sub` takes a string, or a string and a mapping of variables"
            if not isinstance(arg[0], str) and not _is_intrinsic(arg[0]):
                return "`Fn::Sub`'s first item must be a string"
        elif not isinstance(arg, str) and not _is_intrinsic(arg):
            return "`Fn::Sub` takes a string, or a string and a mapping of variables"
    elif fn == "Fn::FindInMap":
        if not is_list or len(arg) not in (3, 4):
            return "`Fn::FindInMap` takes a mapping name, a top-level key and a second-level key"
    elif fn == "Fn::GetAtt":
        if isinstance(arg, str):
            if "." not in arg:
                return f"`Fn::GetAtt` needs `resource.attribute`, got `{arg}`"
        elif not is_list or len(arg) != 2 or not isinstance(arg[0], str):
            return "`Fn::GetAtt` takes a logical id and an attribute name"
    elif fn == "Fn::Split":
        if not is_list or len(arg) != 2 or not isinstance(arg[0], str):
            return "`Fn::Split` takes two items: a delimiter string and a string"
    elif fn in ("Fn::And", "Fn::Or"):
        if not is_list or not 2 <= len(arg) <= 10:
            return f"`{fn}` takes between 2 and 10 conditions"
    elif fn == "Fn::Equals":
        if not is_list or len(arg) != 2:
            return "`Fn::Equals` takes two values"
    elif fn == "Fn::Not" and (not is_list or len(arg) != 1):
        return "`Fn::Not` takes a list of one condition"
    return None


def malformed_intrinsic(ctx: CheckContext) -> Iterator[Violation]:
    template = ctx.template
    if has_macro(template):
        return
    for fn, arg, path, problem in ctx.template_memo(
        "validity:intrinsics", lambda: _shapes(template)
    ):
        if problem is None and fn == "Fn::FindInMap":
            problem = _computed_key(ctx, arg, path)
        if problem is not None:
            section = path[0]
            yield Violation(
                path,
                {"where": f"`{path[1]}`" if len(path) > 1 else section, "detail": problem},
                logical_id=path[1] if section == "Resources" and len(path) > 1 else None,
                at_key=True,
            )


def _shapes(template: Template) -> list[tuple[str, Any, Path, str | None]]:
    """Each intrinsic function the text holds, with what is wrong with its shape (the same
    in every scenario); only those with a problem, and every Fn::FindInMap."""
    found = []
    for section in _SECTIONS:
        data = template.data.get(section)
        if not isinstance(data, dict):
            continue
        for fn, arg, path in _walk(data, (section,)):
            problem = _shape(fn, arg)
            if problem is not None or fn == "Fn::FindInMap":
                found.append((fn, arg, path, problem))
    return found


def _computed_key(ctx: CheckContext, arg: list[Any], path: Path) -> str | None:
    """A mapping key computed by Ref/Fn::... that is known in this scenario and missing.
    Literal keys are TPL005's."""
    if len(arg) == 4 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
        return None
    if not any(_is_intrinsic(key) for key in arg[:3]):
        return None
    node: Any = ctx.template.mappings
    for depth, key in enumerate(arg[:3]):
        value = ctx.resolver.resolve(key, (*path, depth))
        if type(value) is Unknown or not isinstance(node, dict):
            return None
        if isinstance(value, bool | int | float):
            value = str(value).lower() if isinstance(value, bool) else str(value)
        if not isinstance(value, str):
            return None
        if value not in node:
            if not _is_intrinsic(key):
                return None  # a literal key: TPL005 reports it
            what = ("mapping", "top-level key", "second-level key")[depth]
            return f"`Fn::FindInMap` looks up {what} `{value}`, which the mapping does not have"
        node = node[value]
    return None
