"""The declarative check language, evaluated three-valued over resolved resources.

A rule's `match` describes the violation: it fires where `match` is definitely TRUE. A value
that cannot be known (Unknown) makes a comparison UNKNOWN, and UNKNOWN never fires, also
under `not` (the negation trap is handled here, once). See docs/rule-language.md.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from iaclint.load.document import Path
from iaclint.resolve.values import ABSENT, Unknown, child_source, scalar_text

if TYPE_CHECKING:
    from iaclint.model.template import Resource
    from iaclint.policy.context import CheckContext


class Tri(Enum):
    TRUE = "true"
    FALSE = "false"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Hit:
    """Where a TRUE result points: a source path and the value found there."""

    path: Path
    value: Any
    # Point at the key: the path is the nearest present parent of a missing property.
    at_key: bool = False


@dataclass(frozen=True, slots=True)
class Result:
    """A node's three-valued truth and, when TRUE, where it points."""

    truth: Tri
    hits: tuple[Hit, ...] = ()


FALSE = Result(Tri.FALSE)
UNKNOWN = Result(Tri.UNKNOWN)


@dataclass(frozen=True, slots=True)
class Focus:
    """The object a node is evaluated on: its resolved value and its source path."""

    value: Any
    path: Path
    resource: Resource | None = None


_MISSING = ABSENT
_COMPARATORS = frozenset({
    "exists", "equals", "not_equals", "one_of", "not_one_of", "gt", "gte", "lt", "lte",
    "matches", "length", "contains", "cidr_open", "cidr_prefix_lt", "is_type",
})  # fmt: skip
_PROTOCOLS_ALL = {"-1", "all"}
_PROTOCOL_NAMES = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}


def lookup(focus: Focus, dotted: str) -> tuple[Any, Path]:
    """Follow a dotted path (`Properties.VpcConfig.SubnetIds.0`) from the focus.
    Returns the value (ABSENT when missing) and its source path."""
    value, path = focus.value, focus.path
    if not dotted:
        return value, path
    for part, index in _parts(dotted):
        if isinstance(value, dict):
            if part not in value:
                return _MISSING, (*path, part)
            path = child_source(value, path, part)
            value = value[part]
        elif isinstance(value, list) and index is not None:
            if index >= len(value):
                return _MISSING, (*path, index)
            path = child_source(value, path, index)
            value = value[index]
        elif isinstance(value, Unknown):
            return value, path
        else:
            return _MISSING, (*path, part)
    return value, path


@lru_cache(maxsize=1024)
def _parts(dotted: str) -> tuple[tuple[str, int | None], ...]:
    """A dotted path's parts, each with its list index if it is all digits."""
    return tuple((part, int(part) if part.isdecimal() else None) for part in dotted.split("."))


def contains_unknown(value: Any) -> bool:
    if isinstance(value, Unknown):
        return True
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return False


def as_float(value: Any) -> float | None:
    """A number, also from a numeric string as CloudFormation takes it; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def same_value(actual: Any, expected: Any, ignore_case: bool = False) -> bool:
    """Equality with CloudFormation's coercions: "true" is true, "5" is 5."""
    if isinstance(expected, bool):
        if isinstance(actual, bool):
            return actual is expected
        return isinstance(actual, str) and actual.strip().lower() == (
            "true" if expected else "false"
        )
    if isinstance(expected, int | float):
        number = as_float(actual)
        return number is not None and number == float(expected)
    if isinstance(expected, str):
        text = scalar_text(actual)
        if text is None:
            return False
        return text.lower() == expected.lower() if ignore_case else text == expected
    return bool(actual == expected)


@lru_cache(maxsize=512)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _compare(op: str, arg: Any, value: Any, node: dict[str, Any]) -> Tri:
    """One comparator on a present, fully or partly known value."""
    ignore_case = bool(node.get("ignore_case", False))
    if op == "exists":
        return Tri.TRUE if arg else Tri.FALSE
    if op in ("length", "contains"):
        if isinstance(value, Unknown):
            return Tri.UNKNOWN
        if not isinstance(value, list):
            value = [value]
        if op == "contains":
            if any(same_value(v, arg, ignore_case) for v in value if not isinstance(v, Unknown)):
                return Tri.TRUE
            return Tri.UNKNOWN if any(isinstance(v, Unknown) for v in value) else Tri.FALSE
        return _numeric(arg, float(len(value)))
    if contains_unknown(value):
        return Tri.UNKNOWN
    if op == "equals":
        return _tri(same_value(value, arg, ignore_case))
    if op == "not_equals":
        return _tri(not same_value(value, arg, ignore_case))
    if op == "one_of":
        return _tri(_is_one_of(value, arg, ignore_case))
    if op == "not_one_of":
        return _tri(not _is_one_of(value, arg, ignore_case))
    if op in ("gt", "gte", "lt", "lte"):
        number = as_float(value)
        return Tri.FALSE if number is None else _numeric({op: arg}, number)
    if op == "matches":
        text = scalar_text(value)
        flags = "(?i)" if ignore_case else ""
        return Tri.FALSE if text is None else _tri(bool(_regex(flags + arg).search(text)))
    if op == "cidr_open":
        text = scalar_text(value)
        is_open = text is not None and text.strip() in ("0.0.0.0/0", "::/0")
        return _tri(is_open == bool(arg))
    if op == "cidr_prefix_lt":
        try:
            network = ipaddress.ip_network(str(value).strip(), strict=False)
        except ValueError:
            return Tri.FALSE
        return _tri(network.prefixlen < int(arg))
    if op == "is_type":
        kinds = {"string": str, "list": list, "map": dict, "boolean": bool}
        return _tri(isinstance(value, kinds[arg]))
    raise ValueError(f"unknown comparator {op}")


def _is_one_of(value: Any, options: list[Any], ignore_case: bool) -> bool:
    try:
        texts = _string_options(tuple(options), ignore_case)
    except TypeError:  # an option that is a list or a map
        texts = None
    if texts is None:
        return any(same_value(value, option, ignore_case) for option in options)
    text = scalar_text(value)  # what `same_value` compares a string option with
    return text is not None and (text.lower() if ignore_case else text) in texts


@lru_cache(maxsize=256)
def _string_options(options: tuple[Any, ...], ignore_case: bool) -> frozenset[str] | None:
    """A rule's options as a set when all are strings (a list of runtimes, say), else None."""
    if not all(isinstance(option, str) for option in options):
        return None
    return frozenset(option.lower() for option in options) if ignore_case else frozenset(options)


def _numeric(spec: dict[str, Any], number: float) -> Tri:
    checks: dict[str, Callable[[float, float], bool]] = {
        "gt": lambda a, b: a > b, "gte": lambda a, b: a >= b,
        "lt": lambda a, b: a < b, "lte": lambda a, b: a <= b,
        "equals": lambda a, b: a == b,
    }  # fmt: skip
    return _tri(all(checks[op](number, float(bound)) for op, bound in spec.items()))


def _tri(flag: bool) -> Tri:
    return Tri.TRUE if flag else Tri.FALSE


def port_covers(item: Any, port: int | str) -> Tri:
    """Does a security group or NACL rule open `port` (a number, or `all`)?

    A rule covers P when its protocol is -1 (all traffic), or when it is TCP/UDP and
    FromPort <= P <= ToPort (NACL: PortRange.From/To)."""
    if not isinstance(item, dict):
        return Tri.UNKNOWN if isinstance(item, Unknown) else Tri.FALSE
    protocol = item.get("IpProtocol", item.get("Protocol", ABSENT))
    if protocol is ABSENT:
        return Tri.FALSE
    if isinstance(protocol, Unknown):
        return Tri.UNKNOWN
    proto = _PROTOCOL_NAMES.get(str(protocol).strip().lower(), str(protocol).strip().lower())
    if proto in _PROTOCOLS_ALL:
        return Tri.TRUE
    if proto not in ("tcp", "udp"):
        return Tri.FALSE
    ports = item.get("PortRange", item)
    if isinstance(ports, Unknown):
        return Tri.UNKNOWN
    low = ports.get("FromPort", ports.get("From", ABSENT)) if isinstance(ports, dict) else ABSENT
    high = ports.get("ToPort", ports.get("To", ABSENT)) if isinstance(ports, dict) else ABSENT
    if isinstance(low, Unknown) or isinstance(high, Unknown):
        return Tri.UNKNOWN
    low_n, high_n = as_float(low), as_float(high)
    if low_n is None or high_n is None:
        return Tri.FALSE
    if low_n == -1 and high_n == -1:
        return Tri.TRUE  # -1 on TCP/UDP means every port
    if port == "all":
        return _tri(low_n <= 0 and high_n >= 65535)
    return _tri(low_n <= float(port) <= high_n)


def _each(
    value: Any,
    path: Path,
    every: bool,
    resource: Resource | None,
    evaluate_where: Callable[[Focus], Result],
) -> Result:
    """`each` (some item matches `where`; every match is a hit) or `every` (all items do)
    over the value found at the node's path."""
    if isinstance(value, Unknown):
        return UNKNOWN
    if value is ABSENT:
        return FALSE
    is_list = isinstance(value, list)
    items = value if is_list else [value]
    hits: list[Hit] = []
    unknown = False
    false = False
    for index, item in enumerate(items):
        item_path = child_source(value, path, index) if is_list else path
        if isinstance(item, Unknown):
            unknown = True
            continue
        result = evaluate_where(Focus(item, item_path, resource))
        if result.truth is Tri.TRUE:
            hits.extend(result.hits or (Hit(item_path, item),))
        elif result.truth is Tri.UNKNOWN:
            unknown = True
        else:
            false = True
    if every:
        if false or not items:
            return FALSE
        return UNKNOWN if unknown else Result(Tri.TRUE, tuple(hits[:1]))
    if hits:
        return Result(Tri.TRUE, tuple(hits))
    return UNKNOWN if unknown else FALSE


# A compiled node: its result for the evaluator's scenario and a focus.
Compiled = Callable[["Evaluator", Focus], Result]


class Evaluator:
    """What compiled nodes need of one scenario: its context, the graph queries and where a
    missing property is reported."""

    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx

    def _true_at(self, focus: Focus, dotted: str) -> Result:
        """TRUE, pointing at the value at `dotted`, or at the key of its deepest present
        parent when it is missing."""
        value, path = lookup(focus, dotted)
        if value is ABSENT:
            return Result(Tri.TRUE, (Hit(self._nearest_present(focus, dotted), value, True),))
        return Result(Tri.TRUE, (Hit(path, value),))

    def _type_path(self, focus: Focus) -> Path:
        return (*focus.resource.path, "Type") if focus.resource is not None else focus.path

    def _nearest_present(self, focus: Focus, dotted: str) -> Path:
        """The deepest existing parent of a missing property, for the finding's location."""
        parts = dotted.split(".") if dotted else []
        while parts:
            parts.pop()
            value, path = lookup(focus, ".".join(parts))
            if value is not ABSENT:
                resource_path = getattr(focus.resource, "path", None)
                if resource_path is not None and path in (
                    resource_path,
                    (*resource_path, "Properties"),
                ):
                    return self._type_path(focus)  # a missing property points at the Type line
                return path
        return self._type_path(focus)

    # -- graph ---------------------------------------------------------------------
    def related_resources(self, spec: dict[str, Any], focus: Focus) -> tuple[list[Resource], bool]:
        """Related resources of the given types through `via`, and whether an
        unresolvable reference of those types might also point here."""
        resource = focus.resource
        if resource is None:
            return [], False
        query = self.ctx.query
        types = tuple(spec["types"])
        via = spec.get("via")
        if spec.get("direction", "referrers") == "referrers":
            found = query.referrers(resource.logical_id, types, via)
        else:
            found = query.targets(resource.logical_id, types, via)
        found = [r for r in found if self.ctx.is_active(r)]
        maybe = False
        if spec.get("direction", "referrers") == "referrers" and via:
            # A resource of that type whose `via` we cannot resolve may point here too.
            unresolved = self.ctx.memo(
                f"language:untraced:{'|'.join(types)}:{via}",
                lambda: self._untraced_referrers(types, via),
            )
            found_ids = {r.logical_id for r in found}
            maybe = any(logical_id not in found_ids for logical_id in unresolved)
        return found, maybe

    def _untraced_referrers(self, types: tuple[str, ...], via: str) -> list[str]:
        """The active resources of `types` whose `via` holds an unknown value that could
        point anywhere; once per scenario, not once per resource asking (quadratic)."""
        ctx = self.ctx
        return [
            other.logical_id
            for other in ctx.template.resources.values()
            if other.type in types
            and ctx.is_active(other)
            and _untraced_unknown(lookup(ctx.resolved_focus(other), f"Properties.{via}")[0], ctx)
        ]

    def _related(self, spec: dict[str, Any], focus: Focus, where: Compiled | None) -> Result:
        found, maybe = self.related_resources(spec, focus)
        unknown = maybe
        for other in found:
            if where is None:
                return Result(Tri.TRUE, (Hit(focus.path, focus.value),))
            result = where(self, self.ctx.resolved_focus(other))
            if result.truth is Tri.TRUE:
                return Result(Tri.TRUE, (Hit(focus.path, focus.value),))
            if result.truth is Tri.UNKNOWN:
                unknown = True
        return UNKNOWN if unknown else FALSE

    def _count(self, spec: dict[str, Any], focus: Focus, wheres: list[Compiled | None]) -> Result:
        """Counts are intervals: a resource whose condition cannot be decided may or may
        not exist, so the rule fires only when even the lowest possible total does.
        `wheres` holds each term's compiled `where`, if it has one."""
        low = high = 0.0
        for term, where in zip(spec["sum"], wheres, strict=True):
            interval = self._count_term(term, focus, where)
            if interval is None:
                return UNKNOWN
            low, high = low + interval[0], high + interval[1]
        bounds = {k: v for k, v in spec.items() if k in ("gt", "gte", "lt", "lte", "equals")}
        at_low, at_high = _numeric(bounds, low), _numeric(bounds, high)
        if at_low is not at_high:
            return UNKNOWN
        shown: float | int = int(low) if low.is_integer() else low
        hit_path = focus.path
        if focus.resource is None and spec.get("report_section"):
            hit_path = (spec["report_section"],)
        return Result(at_low, (Hit(hit_path, shown),) if at_low is Tri.TRUE else ())

    def _count_term(
        self, term: dict[str, Any], focus: Focus, where: Compiled | None
    ) -> tuple[float, float] | None:
        if "items" in term:
            value, _ = lookup(focus, term["items"])
            if value is ABSENT:
                return (0.0, 0.0)
            if isinstance(value, Unknown):
                return None
            if not isinstance(value, list):
                return (1.0, 1.0)
            if where is not None:
                matching = self._count_matching(value, focus, where)
                return None if matching is None else (matching, matching)
            return (float(len(value)), float(len(value)))
        if "related" in term:
            found, maybe = self.related_resources(term["related"], focus)
            if maybe:
                return None
            return (float(len(found)), float(len(found)))
        if "resources" in term:
            types = set(term["resources"])
            low = high = 0.0
            for resource in self.ctx.template.resources.values():
                if resource.type not in types or not self.ctx.is_active(resource):
                    continue
                amount = 1.0
                if "sum_of" in term:
                    value, _ = lookup(self.ctx.resolved_focus(resource), term["sum_of"])
                    if value is ABSENT:
                        continue
                    number = as_float(value)
                    if number is None:
                        return None
                    amount = number
                high += amount
                if self.ctx.is_certain(resource):
                    low += amount
            return (low, high)
        raise ValueError(f"unknown count term {sorted(term)}")

    def _count_matching(self, items: list[Any], focus: Focus, where: Compiled) -> float | None:
        count = 0.0
        for index, item in enumerate(items):
            result = where(self, Focus(item, (*focus.path, index), focus.resource))
            if result.truth is Tri.UNKNOWN:
                return None
            count += result.truth is Tri.TRUE
        return count


def _untraced_unknown(value: Any, ctx: CheckContext) -> bool:
    return contains_unknown(value) and not _traced(value, ctx)


def _traced(value: Any, ctx: CheckContext) -> bool:
    """An unknown built from a template resource (Ref/GetAtt) points at that resource,
    which the graph already follows; only other unknowns could point anywhere."""
    if isinstance(value, Unknown):
        return any(ref in ctx.template.resources for ref in value.refs)
    if isinstance(value, list):
        return all(_traced(v, ctx) for v in value if contains_unknown(v))
    return False


def iter_hits(result: Result) -> Iterable[Hit]:
    return result.hits if result.truth is Tri.TRUE else ()


# -- compiled checks ---------------------------------------------------------------------
# A rule's nodes are evaluated for every resource of its types in every scenario. Compiled
# once per rule set, each node is a function of the evaluator (the scenario's context) and
# the focus that has already decided its kind, comparator and paths.


@dataclass(frozen=True, slots=True, eq=False)
class CompiledCheck:
    """A declarative check: `match`, and the `unless` exemption if it has one."""

    match: Compiled
    unless: Compiled | None


def compile_check(check: dict[str, Any]) -> CompiledCheck:
    unless = check.get("unless")
    return CompiledCheck(
        compile_node(check["match"]), None if unless is None else compile_node(unless)
    )


def compile_node(node: dict[str, Any]) -> Compiled:
    """The node as a function of the evaluator and the focus: its result there (see
    docs/rule-language.md), with what the node alone decides decided once."""
    inner = _compile_kind(node)
    report = node.get("report")
    if report is None:
        return inner

    def reported(evaluator: Evaluator, focus: Focus) -> Result:
        result = inner(evaluator, focus)
        return evaluator._true_at(focus, report) if result.truth is Tri.TRUE else result

    return reported


def _compile_kind(node: dict[str, Any]) -> Compiled:
    if "all" in node:
        return _compile_all([compile_node(child) for child in node["all"]])
    if "any" in node:
        return _compile_any([compile_node(child) for child in node["any"]])
    if "not" in node:
        return _compile_not(compile_node(node["not"]), node["not"].get("path"))
    if "each" in node or "every" in node:
        return _compile_items(node)
    if "port_covers" in node:
        return _compile_port_covers(node.get("path", ""), node["port_covers"])
    if "related" in node:
        spec = node["related"]
        where = compile_node(spec["where"]) if "where" in spec else None
        return lambda evaluator, focus: evaluator._related(spec, focus, where)
    if "count" in node:
        spec = node["count"]
        wheres = [
            compile_node(term["where"]) if "items" in term and "where" in term else None
            for term in spec["sum"]
        ]
        return lambda evaluator, focus: evaluator._count(spec, focus, wheres)
    if "python" in node:
        name = node["python"]

        def predicate(evaluator: Evaluator, focus: Focus) -> Result:
            from iaclint.policy.registry import get_predicate

            return get_predicate(name)(evaluator, focus, node)  # type: ignore[no-any-return]

        return predicate
    return _compile_leaf(node)


def _compile_all(children: list[Compiled]) -> Compiled:
    def all_of(evaluator: Evaluator, focus: Focus) -> Result:
        hits: tuple[Hit, ...] = ()
        unknown = False
        for child in children:
            result = child(evaluator, focus)
            truth = result.truth
            if truth is Tri.FALSE:
                return FALSE
            if truth is Tri.UNKNOWN:
                unknown = True
            elif not hits:
                hits = result.hits
        return UNKNOWN if unknown else Result(Tri.TRUE, hits)

    return all_of


def _compile_any(children: list[Compiled]) -> Compiled:
    def any_of(evaluator: Evaluator, focus: Focus) -> Result:
        unknown = False
        for child in children:
            result = child(evaluator, focus)
            if result.truth is Tri.TRUE:
                return result
            if result.truth is Tri.UNKNOWN:
                unknown = True
        return UNKNOWN if unknown else FALSE

    return any_of


def _compile_not(inner: Compiled, primary: str | None) -> Compiled:
    def negated(evaluator: Evaluator, focus: Focus) -> Result:
        truth = inner(evaluator, focus).truth
        if truth is Tri.TRUE:
            return FALSE
        if truth is Tri.UNKNOWN:
            return UNKNOWN
        if not primary:
            # e.g. `not: {related: ...}`: the resource itself is the problem
            return Result(Tri.TRUE, (Hit(evaluator._type_path(focus), ABSENT, True),))
        return evaluator._true_at(focus, primary)

    return negated


def _compile_items(node: dict[str, Any]) -> Compiled:
    every = "every" in node
    dotted = node["every" if every else "each"]
    where = compile_node(node.get("where", {"exists": True}))

    def items_of(evaluator: Evaluator, focus: Focus) -> Result:
        value, path = lookup(focus, dotted)
        return _each(value, path, every, focus.resource, lambda item: where(evaluator, item))

    return items_of


def _compile_port_covers(dotted: str, port: int | str) -> Compiled:
    def covers(evaluator: Evaluator, focus: Focus) -> Result:
        value, path = lookup(focus, dotted)
        truth = port_covers(value, port)
        return Result(truth, (Hit(path, value),)) if truth is Tri.TRUE else Result(truth)

    return covers


def _compile_leaf(node: dict[str, Any]) -> Compiled:
    ops = [key for key in node if key in _COMPARATORS]
    if len(ops) != 1:
        problem = f"a check node needs exactly one comparator, got {sorted(node)}"

        def malformed(evaluator: Evaluator, focus: Focus) -> Result:
            raise ValueError(problem)

        return malformed
    op = ops[0]
    arg = node[op]
    dotted = node.get("path", "")
    is_exists = op == "exists"
    # The truth where the path is missing: `exists: false` holds; others per `if_missing`.
    when_missing = _tri(not arg) if is_exists else _tri(bool(node.get("if_missing", False)))

    def leaf(evaluator: Evaluator, focus: Focus) -> Result:
        value, path = lookup(focus, dotted)
        if value is ABSENT:
            if when_missing is Tri.TRUE:
                where = evaluator._nearest_present(focus, dotted)
                return Result(Tri.TRUE, (Hit(where, ABSENT, True),))
            return FALSE
        if is_exists and isinstance(value, Unknown):
            return Result(_tri(bool(arg)), (Hit(path, value),))
        truth = _compare(op, arg, value, node)
        if truth is Tri.TRUE:
            return Result(Tri.TRUE, (Hit(path, value),))
        return FALSE if truth is Tri.FALSE else UNKNOWN

    return leaf
