"""Build plain data and a position index from libyaml's event stream.

We walk events instead of composing a node tree because libyaml's composer recurses
in C and crashes on deeply nested input; here depth and alias expansion are bounded.
The same builder reads JSON (a YAML flow subset) to get positions, with JSON scalars.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from iaclint.load.document import Path, Span, SpanIndex
from iaclint.pyyaml import yaml

MAX_DEPTH = 256
MAX_ALIAS_EXPANSION = 100_000

# Every intrinsic function and condition function CloudFormation accepts in short form.
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
FN_NAMES = frozenset(
    {
        "And",
        "Base64",
        "Cidr",
        "Contains",
        "EachMemberEquals",
        "EachMemberIn",
        "Equals",
        "FindInMap",
        "ForEach",
        "GetAtt",
        "GetAZs",
        "If",
        "Implies",
        "ImportValue",
        "Join",
        "Length",
        "Not",
        "Or",
        "RefAll",
        "Select",
        "Split",
        "Sub",
        "ToJsonString",
        "Transform",
        "ValueOf",
        "ValueOfAll",
    }
)
_CORE_TAGS = {
    "tag:yaml.org,2002:str": "str",
    "tag:yaml.org,2002:int": "int",
    "tag:yaml.org,2002:float": "float",
    "tag:yaml.org,2002:bool": "bool",
    "tag:yaml.org,2002:null": "null",
    "tag:yaml.org,2002:map": "map",
    "tag:yaml.org,2002:seq": "seq",
    "tag:yaml.org,2002:timestamp": "str",
}


class BuildError(Exception):
    """A structural problem found while building; line and column are 1-based."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


# Data under a local tag CloudFormation does not know (a Rain module's `!Rain::Embed`, say)
# is kept under this key prefix; the resolver treats it as unknown.
FOREIGN_TAG_PREFIX = "!"


def intrinsic_name(tag: str) -> str | None:
    """`!Ref` -> `Ref`, `!Sub` -> `Fn::Sub`; a foreign local tag is kept as `!Tag`."""
    if not tag.startswith("!") or tag.startswith("!!"):
        return None
    name = tag[1:]
    if name in ("Ref", "Condition"):
        return name
    if name in FN_NAMES:
        return "Fn::" + name
    return tag


def _span(start: Any, end: Any) -> Span:
    return (start.line + 1, start.column + 1, end.line + 1, end.column + 1)


_UNSEEN = object()


class _Scalars:
    """Turns a scalar event into a Python value, YAML 1.1 rules (as CloudFormation's parser)."""

    def __init__(self) -> None:
        self._resolver = yaml.resolver.Resolver()
        self._constructor = yaml.constructor.SafeConstructor()
        self._plain: dict[str, Any] = {}
        # A plain scalar can be other than a string only if it starts with one of these
        # (`true`, `1.5`, `~`, ...); most keys and names do not. (PyYAML files resolvers
        # that match any first character under None; it has none for YAML 1.1.)
        starts = self._resolver.yaml_implicit_resolvers
        assert None not in starts
        self._typed_starts = frozenset(starts)

    def yaml_plain(self, value: str) -> Any:
        if value[:1] not in self._typed_starts:
            return value
        # Templates repeat their plain scalars (keys, types, `true`): resolve each text once.
        # The values are immutable (str, int, float, bool, None), so sharing them is safe.
        found = self._plain.get(value, _UNSEEN)
        if found is _UNSEEN:
            tag = self._resolver.resolve(yaml.ScalarNode, value, (True, False))
            found = self._plain[value] = self._construct(tag, value)
        return found

    def _construct(self, tag: str, value: str) -> Any:
        kind = _CORE_TAGS.get(tag, "str")
        if kind == "str":
            return value
        node = yaml.ScalarNode(tag, value)
        if kind == "null":
            return None
        if kind == "bool":
            return self._constructor.construct_yaml_bool(node)
        if kind == "int":
            return self._constructor.construct_yaml_int(node)
        return self._constructor.construct_yaml_float(node)

    def tagged(self, tag: str, value: str) -> Any:
        return self._construct(tag, value)


def _json_plain(value: str) -> Any:
    import json

    return json.loads(value)


class _Frame:
    __slots__ = (
        "anchor",
        "container",
        "is_map",
        "key",
        "key_span",
        "path",
        "size",
        "start",
        "wrap",
    )

    def __init__(
        self, container: Any, path: Path, start: Any, anchor: str | None, wrap: str | None
    ) -> None:
        self.container = container
        self.is_map = isinstance(container, dict)
        self.path = path
        self.start = start
        self.anchor = anchor
        self.wrap = wrap
        self.key: str | None = None
        self.key_span: Span | None = None
        self.size = 1

    def child_path(self) -> Path:
        if self.is_map:
            assert self.key is not None
            return (*self.path, self.key)
        return (*self.path, len(self.container))


_ScalarEvent = yaml.ScalarEvent
_MappingStartEvent = yaml.MappingStartEvent
_SequenceStartEvent = yaml.SequenceStartEvent
_MappingEndEvent = yaml.MappingEndEvent
_SequenceEndEvent = yaml.SequenceEndEvent
_AliasEvent = yaml.AliasEvent
_DocumentStartEvent = yaml.DocumentStartEvent


def build(
    events: Iterable[Any],
    json_mode: bool = False,
    foreign_tags: list[tuple[str, Span]] | None = None,
) -> tuple[Any, SpanIndex]:
    """Consume a single document's events; return its data and position index.

    Local tags that are not intrinsics are appended to `foreign_tags` (tag, span).
    """
    # The loop runs once per YAML event of every template, so its common case (a plain,
    # untagged scalar placed in the innermost collection) is written out in full here.
    scalars = _Scalars()
    plain: Callable[[str], Any] = _json_plain if json_mode else scalars.yaml_plain
    values: dict[Path, Span] = {}
    keys: dict[Path, Span] = {}
    anchors: dict[str, tuple[Any, int]] = {}
    stack: list[_Frame] = []
    frame: _Frame | None = None  # stack[-1]
    root: Any = None
    have_root = False
    expanded = 0
    documents = 0

    def place(value: Any, span: Span, size: int, anchor: str | None, is_scalar: bool) -> None:
        nonlocal root, have_root
        if anchor is not None:
            anchors[anchor] = (value, size)
        if frame is None:
            root, have_root = value, True
            values[()] = span
            return
        frame.size += size
        if frame.is_map:
            key = frame.key
            if key is None:
                if not is_scalar or isinstance(value, dict | list):
                    raise BuildError("mapping keys must be plain strings", span[0], span[1])
                _take_key(frame, value, span)
                return
            path = (*frame.path, key)
            frame.container[key] = value
            keys[path] = frame.key_span  # type: ignore[assignment]
            frame.key = None
        else:
            container = frame.container
            path = (*frame.path, len(container))
            container.append(value)
        values[path] = span

    def _take_key(frame: _Frame, value: Any, span: Span) -> None:
        key = value if type(value) is str else _key_text(value)
        if key in frame.container:
            first = keys.get((*frame.path, key))
            where = f" (first defined at line {first[0]})" if first else ""
            raise BuildError(f"duplicate key `{key}`{where}", span[0], span[1])
        frame.key, frame.key_span = key, span

    for event in events:
        kind = type(event)
        if kind is _ScalarEvent:
            start, end = event.start_mark, event.end_mark
            span = (start.line + 1, start.column + 1, end.line + 1, end.column + 1)
            tag = event.tag
            if tag is None and event.anchor is None and frame is not None:
                text = event.value
                value = plain(text) if not event.style and event.implicit[0] else text
                frame.size += 1
                if not frame.is_map:
                    container = frame.container
                    values[(*frame.path, len(container))] = span
                    container.append(value)
                elif frame.key is None:
                    _take_key(frame, value, span)
                else:
                    key = frame.key
                    path = (*frame.path, key)
                    frame.container[key] = value
                    keys[path] = frame.key_span  # type: ignore[assignment]
                    values[path] = span
                    frame.key = None
                continue
            wrap = _wrap_for(tag, start)
            if wrap and wrap.startswith(FOREIGN_TAG_PREFIX) and foreign_tags is not None:
                foreign_tags.append((wrap, span))
            value = _scalar_value(event, plain, scalars, wrap)
            if wrap and frame is not None and not (frame.is_map and frame.key is None):
                inner_path = (*frame.child_path(), wrap)
                values[inner_path] = span
                if wrap == "Fn::GetAtt" and isinstance(value, dict):
                    for i in range(len(value[wrap])):
                        values[(*inner_path, i)] = span
            elif wrap and frame is None:
                values[(wrap,)] = span
            place(value, span, 1, event.anchor, wrap is None)
        elif kind is _MappingStartEvent or kind is _SequenceStartEvent:
            if len(stack) >= MAX_DEPTH:
                line, col = event.start_mark.line + 1, event.start_mark.column + 1
                raise BuildError(f"nesting is deeper than {MAX_DEPTH} levels", line, col)
            if frame is not None and frame.is_map and frame.key is None:
                line, col = event.start_mark.line + 1, event.start_mark.column + 1
                raise BuildError("mapping keys must be plain strings", line, col)
            tag = event.tag
            wrap = None
            if tag is not None:
                wrap = _wrap_for(tag, event.start_mark)
                if wrap and wrap.startswith(FOREIGN_TAG_PREFIX) and foreign_tags is not None:
                    foreign_tags.append((wrap, _span(event.start_mark, event.start_mark)))
                _check_collection_tag(tag, kind is _MappingStartEvent, event.start_mark)
            path = frame.child_path() if frame is not None else ()
            if wrap:
                path = (*path, wrap)
            container: Any = {} if kind is _MappingStartEvent else []
            frame = _Frame(container, path, event.start_mark, event.anchor, wrap)
            stack.append(frame)
        elif kind is _MappingEndEvent or kind is _SequenceEndEvent:
            done = stack.pop()
            frame = stack[-1] if stack else None
            span = _span(done.start, event.end_mark)
            value = done.container
            if done.wrap:
                values[done.path] = span
                value = {done.wrap: value}
            place(value, span, done.size, done.anchor, False)
        elif kind is _AliasEvent:
            if event.anchor not in anchors:
                line, col = event.start_mark.line + 1, event.start_mark.column + 1
                raise BuildError(f"unknown alias `*{event.anchor}`", line, col)
            value, size = anchors[event.anchor]
            expanded += size
            if expanded > MAX_ALIAS_EXPANSION:
                line, col = event.start_mark.line + 1, event.start_mark.column + 1
                raise BuildError(
                    f"YAML aliases expand to more than {MAX_ALIAS_EXPANSION:,} values; "
                    "refusing to read a file built like an alias bomb",
                    line,
                    col,
                )
            place(value, _span(event.start_mark, event.end_mark), size, None, True)
        elif kind is _DocumentStartEvent:
            documents += 1
            if documents > 1:
                line, col = event.start_mark.line + 1, event.start_mark.column + 1
                raise BuildError(
                    "a template is a single YAML document; found a second one", line, col
                )
    return (root if have_root else None), SpanIndex(values, keys)


def _key_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def _wrap_for(tag: str | None, mark: Any) -> str | None:
    if tag is None or tag == "!":
        return None
    name = intrinsic_name(tag)
    if name is not None:
        return name
    if tag in _CORE_TAGS:
        return None
    raise BuildError(
        f"tag `{tag}` is not a CloudFormation tag; iaclint never constructs such values",
        mark.line + 1,
        mark.column + 1,
    )


def _check_collection_tag(tag: str | None, is_map: bool, mark: Any) -> None:
    expected = "map" if is_map else "seq"
    if tag in _CORE_TAGS and _CORE_TAGS[tag] != expected:
        raise BuildError(f"tag `{tag}` does not fit a {expected}", mark.line + 1, mark.column + 1)


def _scalar_value(
    event: Any, plain: Callable[[str], Any], scalars: _Scalars, wrap: str | None
) -> Any:
    text: str = event.value
    if wrap is not None:
        if wrap == "Fn::GetAtt" and text:
            # `!GetAtt Res.Attr.Nested` splits at the first dot only.
            resource, _, attribute = text.partition(".")
            return {wrap: [resource, attribute] if attribute else [resource]}
        return {wrap: text}
    if event.tag is not None and event.tag in _CORE_TAGS:
        try:
            return scalars.tagged(event.tag, text)
        except (ValueError, yaml.YAMLError) as exc:
            mark = event.start_mark
            raise BuildError(
                f"`{text}` is not a valid {event.tag}", mark.line + 1, mark.column + 1
            ) from exc
    if not event.style and event.implicit[0]:  # libyaml reports plain style as ""
        return plain(text)
    return text
