"""CloudFormation's reading of JSON Schema keywords, as plain tests on one value.

CloudFormation passes every scalar to the resource provider as text and converts it to
the schema's type, so `"5"` is an integer, `"true"` a boolean and `5` a string
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html).
Both the jsonschema validator (validate.py) and its compiled fast path (precheck.py) are
built from these tests, so the two agree on what is valid; this module imports no
jsonschema, so a run whose resources are all valid never loads it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from iaclint.resolve.values import scalar_text

_INTEGER = re.compile(r"^[+-]?\d+$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def as_number(value: Any) -> int | float | None:
    """The number CloudFormation would read from `value`, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str) and _NUMBER.match(value.strip()):
        text = value.strip()
        return int(text) if _INTEGER.match(text) else float(text)
    return None


def is_string(value: Any) -> bool:
    return isinstance(value, str | int | float)  # bool is an int


def is_integer(value: Any) -> bool:
    number = as_number(value)
    return isinstance(number, int) or (isinstance(number, float) and number.is_integer())


def is_number(value: Any) -> bool:
    return as_number(value) is not None


def is_boolean(value: Any) -> bool:
    return isinstance(value, bool) or (
        isinstance(value, str) and value.lower() in ("true", "false")
    )


# JSON Schema's type names, as CloudFormation reads them.
TYPE_TESTS: dict[str, Callable[[Any], bool]] = {
    "string": is_string,
    "integer": is_integer,
    "number": is_number,
    "boolean": is_boolean,
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
    "null": lambda value: value is None,
}


def is_rain_directive(value: Any) -> bool:
    """`{"Rain::Embed": file}` and friends in JSON: Rain replaces them before deploying."""
    return (
        isinstance(value, dict)
        and len(value) == 1
        and next(iter(value)).startswith(("Rain::", "Fn::Rain::"))
    )


@lru_cache(maxsize=2048)
def compiled(pattern: str) -> re.Pattern[str] | None:
    # Provider schemas are written for ECMA-262 regexes; the few that Python cannot compile
    # (`\p{L}`, ...) are skipped rather than guessed at. Cached here, failures included:
    # `re` caches only what compiles, and tag patterns failed 230 times over the corpus.
    try:
        return re.compile(pattern)
    except re.error:
        return None


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, dict | list) or isinstance(right, dict | list):
        return bool(left == right)
    left_text, right_text = scalar_text(left), scalar_text(right)
    return left_text is not None and left_text == right_text


def enum_ok(allowed: list[Any], value: Any) -> bool:
    if isinstance(value, str) and value in allowed:
        return True  # the common case, without the text comparison of every option
    return any(_same(value, option) for option in allowed)


def const_ok(allowed: Any, value: Any) -> bool:
    return _same(value, allowed)


def _bound(test: Callable[[float, float], bool]) -> Callable[[Any, Any], bool]:
    def check(limit: Any, value: Any) -> bool:
        number = as_number(value)
        return number is None or not isinstance(limit, int | float) or test(number, limit)

    return check


def pattern_ok(pattern: Any, value: Any) -> bool:
    regex = compiled(pattern) if isinstance(pattern, str) else None
    return not isinstance(value, str) or regex is None or bool(regex.search(value))


def _length(test: Callable[[int, int], bool], kind: type) -> Callable[[Any, Any], bool]:
    def check(limit: Any, value: Any) -> bool:
        return not isinstance(value, kind) or test(len(value), limit)

    return check


# Any of the four ways to name a KMS key, whichever of them the schema's format names:
# https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id
_KMS_KEY = re.compile(
    r"^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)/.+|alias/.+"
    r"|mrk-[0-9a-fA-F]{32}|[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12})$"
)
KMS_FORMATS = frozenset({"AWS::KMS::Key.Arn", "AWS::KMS::Key.Id", "AWS::KMS::Alias.AliasName"})
_NETWORKS: dict[str, Callable[..., Any]] = {
    "ipv4-network": ipaddress.IPv4Network,
    "ipv6-network": ipaddress.IPv6Network,
}


def format_ok(name: Any, value: Any) -> bool:
    """Network and KMS key formats only: the others in provider schemas are informal
    names (`AWS::IAM::Role.Arn`, `json`, `int64`) rather than checkable formats."""
    if not isinstance(value, str):
        return True
    if name in KMS_FORMATS:
        return bool(_KMS_KEY.match(value.strip()))
    if name not in _NETWORKS:
        return True
    try:
        _NETWORKS[name](value.strip(), strict=True)
    except ValueError:
        return False
    return True


# Keywords that test one value against their argument: name -> (test, error kind).
LEAVES: dict[str, tuple[Callable[[Any, Any], bool], str]] = {
    "enum": (enum_ok, "enum"),
    "const": (const_ok, "const"),
    "minimum": (_bound(lambda n, limit: n >= limit), "range"),
    "maximum": (_bound(lambda n, limit: n <= limit), "range"),
    "exclusiveMinimum": (_bound(lambda n, limit: n > limit), "range"),
    "exclusiveMaximum": (_bound(lambda n, limit: n < limit), "range"),
    "pattern": (pattern_ok, "pattern"),
    "minLength": (_length(lambda n, limit: n >= limit, str), "length"),
    "maxLength": (_length(lambda n, limit: n <= limit, str), "length"),
    "minItems": (_length(lambda n, limit: n >= limit, list), "length"),
    "maxItems": (_length(lambda n, limit: n <= limit, list), "length"),
    "format": (format_ok, "format"),
}
