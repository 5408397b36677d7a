"""The three outcomes of resolving a value: known, Unknown (with a reason), or ABSENT."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from iaclint.load.document import Path


@dataclass(frozen=True, slots=True)
class Unknown:
    """A value that cannot be known from the template alone.

    `refs` names the logical ids (resources or parameters) the value depends on, so a
    rule can still see that `KmsKeyId` points at a key defined in the template.
    """

    reason: str
    refs: tuple[str, ...] = ()
    # For a string built by Fn::Sub or Fn::Join: the known parts, with each unknown part
    # as PLACEHOLDER (e.g. `arn:aws:iam::${?}:root`), so an ARN's shape can still be read.
    partial: str | None = None

    def __repr__(self) -> str:
        return f"Unknown({self.reason!r})"


class _Absent:
    """`Ref: AWS::NoValue`, or an `Fn::If` branch that removes the property."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "ABSENT"

    def __bool__(self) -> bool:
        return False


ABSENT: Final = _Absent()


class RDict(dict[str, Any]):
    """A dict rebuilt by the resolver; `origin` maps a key to its value's source path
    where that is not simply `parent path + key` (e.g. a value picked by `Fn::If`)."""

    __slots__ = ("origin",)

    def __init__(self) -> None:
        super().__init__()
        self.origin: dict[str, Path] = {}


class RList(list[Any]):
    """A list rebuilt by the resolver; `origin` maps an index to its item's source path."""

    __slots__ = ("origin",)

    def __init__(self) -> None:
        super().__init__()
        self.origin: dict[int, Path] = {}


PLACEHOLDER = "${?}"


def child_source(container: Any, container_path: Path, key: str | int) -> Path:
    """The source path of `container[key]`, given the container's own source path."""
    origin = getattr(container, "origin", None)
    if origin is not None:
        found = origin.get(key)
        if found is not None:
            return found
    return (*container_path, key)


def scalar_text(value: Any) -> str | None:
    """CloudFormation's string form of a scalar (`true`, `8080`), or None for a non-scalar."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    return None


def is_unknown(value: Any) -> bool:
    return type(value) is Unknown
