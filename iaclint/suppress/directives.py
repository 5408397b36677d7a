"""Collect every suppression directive of a template into one shape.

Three sources: a resource's `Metadata: {iaclint: {ignore: [...]}}`, the same under the
template's top-level `Metadata` (whole file), and `# iaclint: ignore[ID] reason` comments that
the load stage found. Entries of `ignore` are either a rule id or `{id: ..., reason: ...}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from iaclint.load.document import Path
from iaclint.model.template import Template

Source = Literal["comment", "resource-metadata", "template-metadata"]


@dataclass(frozen=True, slots=True)
class Directive:
    """One suppression written in a template (comment or Metadata)."""

    source: Source
    rule_id: str  # as written; resolved through aliases when applied
    reason: str
    line: int  # where it is written: a problem with it is reported here
    column: int
    end_line: int
    end_column: int
    path: Path = ()  # the metadata entry's path; () for comments
    logical_id: str | None = None  # resource-metadata: the resource it covers
    target_line: int = 0  # comment: the line it covers
    error: str = ""  # why it cannot be read; it then suppresses nothing
    text: str = ""  # as written, when it cannot be read

    @property
    def shown(self) -> str:
        return self.text if self.error else f"ignore[{self.rule_id}]"


def collect(template: Template) -> list[Directive]:
    found: list[Directive] = []
    for comment in template.directives:
        span = (comment.line, comment.column, comment.line, comment.column + len(comment.text) + 2)
        for rule_id in comment.rule_ids or ("",):
            found.append(
                Directive(
                    "comment",
                    rule_id,
                    comment.reason,
                    *span,
                    target_line=comment.target_line,
                    error=comment.error,
                    text=comment.text,
                )
            )
    found += _from_metadata(template, template.metadata, ("Metadata",), None)
    for resource in template.resources.values():
        found += _from_metadata(
            template, resource.metadata, (*resource.path, "Metadata"), resource.logical_id
        )
    return found


def _from_metadata(
    template: Template, metadata: dict[str, Any], base: Path, logical_id: str | None
) -> list[Directive]:
    if "iaclint" not in metadata:
        return []
    source: Source = "resource-metadata" if logical_id else "template-metadata"
    block = metadata["iaclint"]
    path = (*base, "iaclint")

    def directive(at: Path, rule_id: str, reason: str, error: str = "") -> Directive:
        _, span = template.spans.nearest(at)
        text = "Metadata.iaclint"
        return Directive(source, rule_id, reason, *span, at, logical_id, error=error, text=text)

    if not isinstance(block, dict) or set(block) - {"ignore"}:
        return [directive(path, "", "", "must be a mapping with one key, `ignore`")]
    entries = block.get("ignore")
    if not isinstance(entries, list):
        return [directive((*path, "ignore"), "", "", "needs `ignore` to be a list")]
    found = []
    for index, entry in enumerate(entries):
        at = (*path, "ignore", index)
        if isinstance(entry, str):
            found.append(directive(at, entry, ""))
        elif (
            isinstance(entry, dict)
            and isinstance(entry.get("id"), str)
            and isinstance(entry.get("reason", ""), str)
            and not set(entry) - {"id", "reason"}
        ):
            found.append(directive(at, entry["id"], entry.get("reason", "").strip()))
        else:
            found.append(
                directive(
                    at,
                    "",
                    "",
                    "has an entry that is neither a rule id nor `{id: ..., reason: ...}`",
                )
            )
    return found
