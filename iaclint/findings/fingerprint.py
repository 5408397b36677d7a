"""Finding identity that survives unrelated edits: rule id + file + logical path + value.

Line numbers are never part of it (cfn-lint hashes `file:line`, so inserting a line above a
finding makes it "new" and breaks baselines). The value is the normalised scalar at the
finding's path, so changing `CidrIp` from one open range to another is a new finding, while
re-indenting or moving the resource is not. Containers contribute no value: any edit inside
a resource would otherwise change every finding on it.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from typing import Any

from iaclint.findings.finding import Finding
from iaclint.load.document import Path
from iaclint.sha256 import sha256

VERSION = "iaclint/v1"  # the partialFingerprints key; bump it if the recipe ever changes
_TOKEN = re.compile(r"\[(\d+)\]|([^.\[\]]+)")
# A resource finding's path is relative to the resource unless the check pointed elsewhere;
# `Metadata` is left out because a resource has one too.
_ROOT_SECTIONS = frozenset(
    {"Resources", "Parameters", "Outputs", "Conditions", "Mappings", "Rules", "Globals"}
)


def file_key(path: str, root: str) -> str:
    """The file as a project-relative POSIX path, or absolute when outside the project."""
    if path == "-":
        return path
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute, root)
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return absolute.replace(os.sep, "/")
    return relative.replace(os.sep, "/")


def source_path(finding: Finding) -> Path:
    """The finding's path from the template root, rebuilt from its logical id and
    property path (`Properties.Ingress[0].CidrIp`). Keys containing dots do not round-trip;
    such a path simply finds no value."""
    parts: list[str | int] = []
    for index, key in _TOKEN.findall(finding.property_path):
        parts.append(int(index) if index else key)
    if finding.logical_id is not None and (not parts or parts[0] not in _ROOT_SECTIONS):
        return ("Resources", finding.logical_id, *parts)
    return tuple(parts)


def value_at(data: Any, path: Path) -> Any:
    current = data
    for part in path:
        in_mapping = isinstance(current, dict) and isinstance(part, str) and part in current
        in_list = isinstance(current, list) and isinstance(part, int) and part < len(current)
        if not (in_mapping or in_list):
            return None
        current = current[part]
    return current


def normalise(value: Any) -> str:
    """Scalars as CloudFormation compares them (`true` == `"true"`, `8080` == `"8080"`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return " ".join(str(value).split())
    return ""


def fingerprint(rule_id: str, file: str, logical_id: str | None, path: str, value: str) -> str:
    material = "\0".join((rule_id, file, logical_id or "", path, value))
    return sha256(material.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def fingerprint_as(finding: Finding, rule_id: str, root: str) -> str:
    """The fingerprint the finding would have under another id (a rule's former alias)."""
    return fingerprint(
        rule_id,
        file_key(finding.file, root),
        finding.logical_id,
        finding.property_path,
        finding.value_key,
    )


def with_fingerprints(findings: list[Finding], data: Any, root: str) -> list[Finding]:
    """`findings` (of one template, `data`) with their fingerprints and the values hashed."""
    keys: dict[str, str] = {}  # a file's key, computed once per file
    marked = []
    for finding in findings:
        # A stage that reports something with no value of its own (a comment) sets value_key.
        value_key = finding.value_key or normalise(value_at(data, source_path(finding)))
        key = keys.get(finding.file)
        if key is None:
            key = keys[finding.file] = file_key(finding.file, root)
        mark = fingerprint(
            finding.rule_id, key, finding.logical_id, finding.property_path, value_key
        )
        marked.append(replace(finding, value_key=value_key, fingerprint=mark))
    return marked
