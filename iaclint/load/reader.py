"""Read a file or text into a Document, turning every failure into a Diagnostic."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any, Literal

from iaclint.load.directives import CommentDirective, scan_directives
from iaclint.load.document import Diagnostic, Document, LoadError, Span, SpanIndex
from iaclint.load.events import BuildError, build
from iaclint.pyyaml import yaml

# CloudFormation accepts at most 1 MB from S3; anything far larger is not a template,
# and reading it whole would only cost memory.
MAX_FILE_BYTES = 10 * 1024 * 1024


def _error(path: str, line: int, column: int, message: str, code: str = "parse-error") -> LoadError:
    return LoadError(Diagnostic(path, line, column, message, code))


def load_path(path: str) -> Document:
    """Read and parse one file; raise LoadError with a diagnostic on any failure."""
    return load_bytes(read_file(path), path)


def read_file(path: str) -> bytes:
    """The file's bytes, refusing files far larger than any template."""
    try:
        size = os.stat(path).st_size
        if size > MAX_FILE_BYTES:
            raise _error(
                path,
                1,
                1,
                f"file is {size / 1048576:.1f} MB; iaclint reads templates up to "
                f"{MAX_FILE_BYTES // 1048576} MB (CloudFormation accepts at most 1 MB)",
                "read-error",
            )
        raw = read_at_most(path, MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise _error(path, 1, 1, f"cannot read file: {exc.strerror or exc}", "read-error") from exc
    return raw


def read_at_most(path: str, limit: int) -> bytes:
    """The first `limit` bytes of the file. `read(limit)` would allocate all `limit` bytes
    up front (10 MB for every small template: a third of the time of reading the corpus);
    this reads what the file's size promises, then more only if it keeps going (a pipe, or a
    file still being written). Raises OSError."""
    with open(path, "rb") as handle:
        expected = os.fstat(handle.fileno()).st_size
        chunks: list[bytes] = []
        remaining = limit
        while remaining > 0:
            chunk = handle.read(min(remaining, max(expected + 1, 65536)))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    return b"".join(chunks)


def load_bytes(raw: bytes, path: str) -> Document:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise _error(
            path,
            line,
            column,
            f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
            "read-error",
        ) from exc
    return load_text(text, path, size=len(raw))


def sniff_format(text: str, path: str) -> Literal["yaml", "json"]:
    if path.endswith(".json"):
        return "json"
    if path.endswith((".yaml", ".yml")):
        return "yaml"
    return "json" if text.lstrip()[:1] in ("{", "[") else "yaml"


def load_text(text: str, path: str, size: int | None = None) -> Document:
    """Parse template text (YAML or JSON, picked by extension, then content)."""
    if size is None:
        size = len(text.encode("utf-8", "surrogatepass"))
    if not text.strip():
        raise _error(path, 1, 1, "file is empty", "empty-file")
    fmt = sniff_format(text, path)
    notes: tuple[Diagnostic, ...] = ()
    directives: tuple[CommentDirective, ...] = ()
    if fmt == "json":
        data, spans = _load_json(text, path)
    else:
        foreign: list[tuple[str, Span]] = []
        data, spans = _load_yaml(text, path, foreign)
        directives = scan_directives(text)
        if foreign:
            tags = sorted({tag for tag, _ in foreign})
            line, column = foreign[0][1][:2]
            notes = (
                Diagnostic(
                    path,
                    line,
                    column,
                    f"{len(foreign)} value(s) use tags CloudFormation does not define "
                    f"({', '.join(f'`{t}`' for t in tags)}; a Rain module source?): "
                    "they are treated as unknown",
                    "unsupported-tag",
                    "warning",
                ),
            )
    return Document(
        path=path,
        format=fmt,
        data=data,
        spans=spans,
        size=size,
        notes=notes,
        directives=directives,
    )


def _events(text: str) -> Iterator[Any]:
    """libyaml's events, pulled straight from the C parser (`yaml.parse` adds a Python
    generator step per event); the parser ends with None after the stream's end."""
    return iter(yaml.CSafeLoader(text).get_event, None)


def _load_yaml(text: str, path: str, foreign: list[tuple[str, Span]]) -> tuple[Any, SpanIndex]:
    try:
        return build(_events(text), foreign_tags=foreign)
    except BuildError as exc:
        raise _error(path, exc.line, exc.column, exc.message) from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise _error(path, line, column, _yaml_message(exc, text)) from exc
    except yaml.YAMLError as exc:
        raise _error(path, 1, 1, f"invalid YAML: {exc}") from exc


def _yaml_message(exc: yaml.MarkedYAMLError, text: str) -> str:
    problem = exc.problem or "invalid YAML"
    mark = exc.problem_mark
    if mark is not None:
        lines = text.splitlines()
        line = lines[mark.line] if mark.line < len(lines) else ""
        if line[mark.column : mark.column + 1] == "\t" or "\\t" in problem:
            return "tab character where YAML needs spaces for indentation"
    if exc.context and exc.context_mark and exc.problem_mark:
        return f"{problem} ({exc.context} at line {exc.context_mark.line + 1})"
    return problem


def _load_json(text: str, path: str) -> tuple[Any, SpanIndex]:
    # The C decoder gives strict JSON errors quickly (libyaml would accept a trailing comma);
    # the event builder then adds positions and finds duplicate keys.
    try:
        fallback = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _json_error(text, path, exc) from exc
    except RecursionError as exc:
        raise _error(path, 1, 1, "JSON nesting is too deep") from exc
    try:
        return build(_events(text), json_mode=True)
    except BuildError as exc:
        raise _error(path, exc.line, exc.column, exc.message) from exc
    except (yaml.YAMLError, UnicodeEncodeError, ValueError):
        # Valid JSON that libyaml cannot read (e.g. escaped surrogate pairs): keep the
        # data; findings then point at the top of the file.
        return fallback, SpanIndex({(): (1, 1, 1, 1)}, {})


def _json_error(text: str, path: str, exc: json.JSONDecodeError) -> LoadError:
    message = exc.msg
    line, column = exc.lineno, exc.colno
    before = text[: exc.pos].rstrip()
    if before.endswith(",") and text[exc.pos : exc.pos + 1] in ("}", "]"):
        comma = len(before) - 1
        line = text.count("\n", 0, comma) + 1
        column = comma - (text.rfind("\n", 0, comma) + 1) + 1
        message = "trailing comma is not allowed in JSON"
    elif message.startswith("Expecting") and exc.pos >= len(text.rstrip()):
        message = f"{message}: the file ends before its brackets are closed"
    return _error(path, line, column, message)
