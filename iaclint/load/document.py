"""What the load stage produces: data, positions, and diagnostics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from iaclint.load.directives import CommentDirective

# A property path from the template root, e.g. ("Resources", "Bucket", "Properties", "Tags", 0).
Path = tuple[str | int, ...]
# (start line, start column, end line, end column), all 1-based; end column is exclusive.
Span = tuple[int, int, int, int]

Severity = Literal["error", "warning", "note"]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem with reading a file, as opposed to a rule finding."""

    path: str
    line: int
    column: int
    message: str
    code: str = "parse-error"
    level: Severity = "error"


class LoadError(Exception):
    """Raised by the loaders; carries one diagnostic."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


@dataclass(frozen=True, slots=True, eq=False)
class SpanIndex:
    """Source positions of every mapping key and every value, by path."""

    values: dict[Path, Span]
    keys: dict[Path, Span]

    def value_span(self, path: Path) -> Span | None:
        return self.values.get(path)

    def key_span(self, path: Path) -> Span | None:
        return self.keys.get(path)

    def nearest(self, path: Path) -> tuple[Path, Span]:
        """The span of `path`, or of its nearest ancestor that has one."""
        probe = path
        while probe:
            span = self.values.get(probe)
            if span is not None:
                return probe, span
            probe = probe[:-1]
        return (), self.values.get((), (1, 1, 1, 1))


@dataclass(frozen=True, slots=True, eq=False)
class Document:
    """One parsed file: plain JSON-like data and where each part came from."""

    path: str
    format: Literal["yaml", "json"]
    data: Any
    spans: SpanIndex
    size: int
    notes: tuple[Diagnostic, ...] = ()
    # `# iaclint: ignore[...]` comments, collected here so no later stage re-reads the text.
    directives: tuple[CommentDirective, ...] = ()
