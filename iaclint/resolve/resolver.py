"""Evaluate intrinsic functions and conditions for one scenario.

Every result is a known value, an `Unknown` with its reason, or `ABSENT`
(`AWS::NoValue`). Nothing is guessed: a value that depends on something the template
does not fix stays unknown, and rules never report a violation on it.
"""

from __future__ import annotations

import ipaddress
import json
import re
from typing import Any

from iaclint.load.document import Path
from iaclint.model.template import Parameter, Template
from iaclint.resolve.scenarios import OTHER, Scenario
from iaclint.resolve.values import ABSENT, PLACEHOLDER, RDict, RList, Unknown, scalar_text

PSEUDO_PARAMETERS = frozenset(
    {
        "AWS::AccountId",
        "AWS::NotificationARNs",
        "AWS::NoValue",
        "AWS::Partition",
        "AWS::Region",
        "AWS::StackId",
        "AWS::StackName",
        "AWS::URLSuffix",
    }
)
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_DYNAMIC_REFERENCE = "{{resolve:"
# CloudFormation returns the Availability Zones of the account, which a template cannot
# know; three symbolic names are enough to tell "same AZ" from "different AZs".
_SYMBOLIC_AZ_COUNT = 3
# Largest `Fn::Cidr` result worth computing; CloudFormation itself allows 256.
_MAX_CIDR_COUNT = 256


def partition_for(region: str) -> tuple[str, str]:
    """(partition, URL suffix) of a region."""
    if region.startswith("cn-"):
        return "aws-cn", "amazonaws.com.cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov", "amazonaws.com"
    if region.startswith("us-iso-"):
        return "aws-iso", "c2s.ic.gov"
    if region.startswith("us-isob-"):
        return "aws-iso-b", "sc2s.sgov.gov"
    return "aws", "amazonaws.com"


def parameter_value(param: Parameter, raw: Any) -> Any:
    """A parameter's value as `Ref` returns it: list types split on commas."""
    if param.type.startswith("AWS::SSM::Parameter::Value<"):
        return Unknown(f"parameter `{param.name}` is read from SSM at deploy time", (param.name,))
    if (param.type.startswith("List<") or param.type == "CommaDelimitedList") and isinstance(
        raw, str
    ):
        return raw.split(",")
    return raw


class Resolver:
    """Resolves values of one template under one scenario. Cheap to create."""

    def __init__(
        self,
        template: Template,
        scenario: Scenario,
        region: str = "us-east-1",
        overrides: dict[str, str] | None = None,
    ) -> None:
        self.template = template
        self.scenario = scenario
        self.region = region
        self._overrides = overrides or {}
        self._scenario_values = dict(scenario.values)
        # name -> (value, the scenario values it read, whether it reaches a cycle)
        self._conditions: dict[str, tuple[bool | None, frozenset[str], bool]] = {}
        self._evaluating: set[str] = set()
        self._in_cycle = False  # the condition being evaluated has reached a cycle
        self._traces: list[set[str]] = []

    # -- what a computation read of the scenario -------------------------------------
    # The engine reuses a check's result in another scenario that gives the enumerated
    # parameters the check read (directly, or through a condition or a cached value) the
    # same values; every read of a scenario value is therefore recorded here.
    def begin_trace(self) -> None:
        self._traces.append(set())

    def end_trace(self) -> frozenset[str]:
        """The enumerated parameters read since the matching begin_trace; they count as
        read by the enclosing trace too."""
        reads = self._traces.pop()
        if self._traces:
            self._traces[-1] |= reads
        return frozenset(reads)

    def note_reads(self, reads: frozenset[str]) -> None:
        """Count the reads behind a cached value as made again by whoever uses it."""
        if self._traces and reads:
            self._traces[-1] |= reads

    def _scenario_value(self, name: str) -> Any:
        if self._traces:
            self._traces[-1].add(name)
        return self._scenario_values[name]

    # -- parameters and Ref ---------------------------------------------------------
    def ref(self, name: Any) -> Any:
        if not isinstance(name, str):
            return Unknown("`Ref` to a value that is not a name")
        if name in PSEUDO_PARAMETERS:
            return self._pseudo(name)
        param = self.template.parameters.get(name)
        if param is not None:
            return self.parameter(param)
        if name in self.template.resources:
            return Unknown(f"the physical id of resource `{name}`", (name,))
        return Unknown(f"`{name}` is not defined in the template")

    def parameter(self, param: Parameter) -> Any:
        if param.name in self._overrides:
            return parameter_value(param, self._overrides[param.name])
        if param.name in self._scenario_values:
            value = self._scenario_value(param.name)
            if value is OTHER:
                return Unknown(f"parameter `{param.name}` has no fixed value", (param.name,))
            return parameter_value(param, value)
        if param.has_default:
            return parameter_value(param, param.default)
        return Unknown(
            f"parameter `{param.name}` has no Default and no --parameter value", (param.name,)
        )

    def _pseudo(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return ABSENT
        if name == "AWS::Region":
            return self.region
        if name == "AWS::Partition":
            return partition_for(self.region)[0]
        if name == "AWS::URLSuffix":
            return partition_for(self.region)[1]
        return Unknown(f"`{name}` is only known at deploy time")

    # -- conditions -----------------------------------------------------------------
    def condition(self, name: Any) -> bool | None:
        """True, False, or None when the condition cannot be decided."""
        if not isinstance(name, str):
            return None
        cached = self._conditions.get(name)
        if cached is not None:
            self.note_reads(cached[1])
            self._in_cycle |= cached[2]
            return cached[0]
        if name not in self.template.conditions:
            return None
        if name in self._evaluating:
            self._in_cycle = True
            return None
        # A condition that reaches a cycle of conditions (a template CloudFormation rejects)
        # is undecided, whichever condition the evaluation happened to start from: a value
        # computed with part of the cycle still open would depend on the template's key order.
        outer_in_cycle, self._in_cycle = self._in_cycle, False
        self._evaluating.add(name)
        self.begin_trace()
        try:
            result = self.evaluate_condition(self.template.conditions[name])
        finally:
            reads = self.end_trace()
            self._evaluating.discard(name)
        in_cycle = self._in_cycle
        # Reaching a cycle taints the conditions still being evaluated, not later ones.
        self._in_cycle = (outer_in_cycle or in_cycle) and bool(self._evaluating)
        if in_cycle:
            result = None
        self._conditions[name] = (result, reads, in_cycle)
        return result

    def evaluate_condition(self, expr: Any) -> bool | None:
        if isinstance(expr, bool):
            return expr
        if not isinstance(expr, dict) or len(expr) != 1:
            return None
        ((fn, args),) = expr.items()
        if fn == "Condition":
            return self.condition(args)
        if fn == "Fn::Equals":
            if not isinstance(args, list) or len(args) != 2:
                return None
            return self._equals(args)
        if fn == "Fn::Not":
            if not isinstance(args, list) or len(args) != 1:
                return None
            inner = self.evaluate_condition(args[0])
            return None if inner is None else not inner
        if fn in ("Fn::And", "Fn::Or"):
            if not isinstance(args, list):
                return None
            results = [self.evaluate_condition(arg) for arg in args]
            decisive = fn == "Fn::Or"  # a True decides an Or; a False decides an And
            if decisive in results:
                return decisive
            return None if None in results else not decisive
        return None

    def _equals(self, args: list[Any]) -> bool | None:
        left, right = (self._condition_operand(arg) for arg in args)
        if left is OTHER or right is OTHER:
            other = right if left is OTHER else left
            # An unconstrained parameter differs from every literal it is compared with.
            return None if other is OTHER or isinstance(other, Unknown) else False
        if isinstance(left, Unknown) or isinstance(right, Unknown):
            return None
        if isinstance(left, list) or isinstance(right, list):
            return left == right
        left_text, right_text = scalar_text(left), scalar_text(right)
        if left_text is None or right_text is None:
            return None
        return left_text == right_text

    def _condition_operand(self, arg: Any) -> Any:
        if isinstance(arg, dict) and len(arg) == 1 and "Ref" in arg:
            name = arg["Ref"]
            if (
                isinstance(name, str)
                and name in self._scenario_values
                and name not in self._overrides
                and self._scenario_value(name) is OTHER
            ):
                return OTHER
        return self.resolve(arg)

    # -- values -----------------------------------------------------------------------
    def resolve(self, value: Any, path: Path = ()) -> Any:
        """Resolve `value` found at source `path`. Containers without intrinsics come back
        as the same object; rebuilt ones are RDict/RList with source paths in `origin`."""
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, arg),) = value.items()
                if key == "Ref" or key.startswith("Fn::"):
                    return self._intrinsic(key, arg, path)
                if key.startswith("!"):
                    return Unknown(f"value under the unsupported tag `{key}`")
            return self._resolve_dict(value, path)
        if isinstance(value, list):
            return self._resolve_list(value, path)
        if isinstance(value, str) and _DYNAMIC_REFERENCE in value:
            return Unknown("a dynamic reference (`{{resolve:...}}`) is read at deploy time")
        return value

    def resolve_with_source(self, value: Any, path: Path) -> tuple[Any, Path]:
        """Like resolve, and also the source path the result came from (through Fn::If)."""
        while (
            isinstance(value, dict)
            and len(value) == 1
            and "Fn::If" in value
            and isinstance(value["Fn::If"], list)
            and len(value["Fn::If"]) == 3
        ):
            chosen = self.condition(value["Fn::If"][0])
            if chosen is None:
                break
            index = 1 if chosen else 2
            value, path = value["Fn::If"][index], (*path, "Fn::If", index)
        return self.resolve(value, path), path

    def _resolve_dict(self, value: dict[str, Any], path: Path) -> Any:
        rebuilt: RDict | None = None
        for index, (key, item) in enumerate(value.items()):
            resolved, source = self.resolve_with_source(item, (*path, key))
            if rebuilt is None and (resolved is item):
                continue
            if rebuilt is None:
                rebuilt = RDict()
                for done_key, done_item in list(value.items())[:index]:
                    rebuilt[done_key] = done_item
            if resolved is ABSENT:
                continue
            rebuilt[key] = resolved
            if source != (*path, key):
                rebuilt.origin[key] = source
        return value if rebuilt is None else rebuilt

    def _resolve_list(self, value: list[Any], path: Path) -> Any:
        rebuilt: RList | None = None
        for index, item in enumerate(value):
            resolved, source = self.resolve_with_source(item, (*path, index))
            if rebuilt is None and resolved is item:
                continue
            if rebuilt is None:
                rebuilt = RList()
                rebuilt.extend(value[:index])
            if resolved is ABSENT:
                continue
            position = len(rebuilt)
            rebuilt.append(resolved)
            if source != (*path, position):
                rebuilt.origin[position] = source
        return value if rebuilt is None else rebuilt

    def _intrinsic(self, fn: str, arg: Any, path: Path) -> Any:
        handler = _HANDLERS.get(fn)
        if handler is None:
            return Unknown(f"`{fn}` is not evaluated")
        return handler(self, arg, (*path, fn))

    def _if(self, arg: Any, path: Path) -> Any:
        if not isinstance(arg, list) or len(arg) != 3:
            return Unknown("malformed `Fn::If`")
        chosen = self.condition(arg[0])
        if chosen is None:
            return Unknown(f"condition `{arg[0]}` cannot be decided")
        index = 1 if chosen else 2
        return self.resolve(arg[index], (*path, index))

    def _getatt(self, arg: Any, path: Path) -> Any:
        if isinstance(arg, str):
            arg = arg.split(".", 1)
        if isinstance(arg, list) and arg and isinstance(arg[0], str):
            attribute = arg[1] if len(arg) > 1 and isinstance(arg[1], str) else "?"
            return Unknown(f"attribute `{attribute}` of `{arg[0]}`", (arg[0],))
        return Unknown("malformed `Fn::GetAtt`")

    def _sub(self, arg: Any, path: Path) -> Any:
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], dict):
            text, variables = arg[0], arg[1]
            text_path: Path = (*path, 0)
        else:
            text, variables, text_path = arg, {}, path
        text = self.resolve(text, text_path)
        if not isinstance(text, str):
            return text if isinstance(text, Unknown) else Unknown("malformed `Fn::Sub`")
        unknown: list[Unknown] = []

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                value = self.resolve(variables[name], (*path, 1, name))
            elif "." in name and name.split(".", 1)[0] in self.template.resources:
                value = self._getatt(name, path)
            else:
                value = self.ref(name)
            text_value = scalar_text(value)
            if text_value is None:
                unknown.append(value if isinstance(value, Unknown) else Unknown(f"`${{{name}}}`"))
                return PLACEHOLDER
            return text_value

        result = _SUB_VARIABLE.sub(substitute, text)
        if unknown:
            refs = tuple(ref for u in unknown for ref in u.refs)
            reason = "; ".join(dict.fromkeys(u.reason for u in unknown))
            return Unknown(reason, refs, partial=result)
        return result

    def _join(self, arg: Any, path: Path) -> Any:
        if not isinstance(arg, list) or len(arg) != 2:
            return Unknown("malformed `Fn::Join`")
        delimiter = self.resolve(arg[0], (*path, 0))
        items = self.resolve(arg[1], (*path, 1))
        if isinstance(items, Unknown):
            return items
        if not isinstance(delimiter, str) or not isinstance(items, list):
            return Unknown("malformed `Fn::Join`")
        texts = []
        unknown: list[Unknown] = []
        for item in items:
            if isinstance(item, Unknown):
                unknown.append(item)
                texts.append(item.partial or PLACEHOLDER)
                continue
            text = scalar_text(item)
            if text is None:
                return Unknown("`Fn::Join` of a non-string")
            texts.append(text)
        if unknown:
            refs = tuple(ref for u in unknown for ref in u.refs)
            return Unknown(unknown[0].reason, refs, partial=delimiter.join(texts))
        return delimiter.join(texts)

    def _select(self, arg: Any, path: Path) -> Any:
        if not isinstance(arg, list) or len(arg) != 2:
            return Unknown("malformed `Fn::Select`")
        index = self.resolve(arg[0], (*path, 0))
        items = self.resolve(arg[1], (*path, 1))
        if isinstance(index, Unknown):
            return index
        if isinstance(items, Unknown):
            return items
        try:
            position = int(index)
        except (TypeError, ValueError):
            return Unknown("`Fn::Select` index is not a number")
        if not isinstance(items, list) or not 0 <= position < len(items):
            return Unknown("`Fn::Select` index is outside the list")
        return items[position]

    def _split(self, arg: Any, path: Path) -> Any:
        if not isinstance(arg, list) or len(arg) != 2:
            return Unknown("malformed `Fn::Split`")
        delimiter = self.resolve(arg[0], (*path, 0))
        text = self.resolve(arg[1], (*path, 1))
        if isinstance(text, Unknown):
            return text
        if not isinstance(delimiter, str) or not delimiter or not isinstance(text, str):
            return Unknown("malformed `Fn::Split`")
        return text.split(delimiter)

    def _find_in_map(self, arg: Any, path: Path) -> Any:
        if not isinstance(arg, list) or len(arg) not in (3, 4):
            return Unknown("malformed `Fn::FindInMap`")
        keys = [self.resolve(part, (*path, i)) for i, part in enumerate(arg[:3])]
        default = None
        if len(arg) == 4 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
            default = self.resolve(arg[3]["DefaultValue"], (*path, 3, "DefaultValue"))
        for key in keys:
            if isinstance(key, Unknown):
                return key
        texts = [scalar_text(key) for key in keys]
        if None in texts:
            return Unknown("`Fn::FindInMap` key is not a string")
        node: Any = self.template.mappings
        trail: Path = ("Mappings",)
        for text in texts:
            if not isinstance(node, dict) or text not in node:
                if default is not None:
                    return default
                return Unknown(f"`Fn::FindInMap` key `{text}` is not in the mapping")
            node, trail = node[text], (*trail, text)  # type: ignore[index]
        return self.resolve(node, trail)

    def _get_azs(self, arg: Any, path: Path) -> Any:
        region = self.resolve(arg, path)
        if region in ("", None):
            region = self.region
        if not isinstance(region, str):
            return Unknown("`Fn::GetAZs` region is not known")
        return [f"{region}{chr(ord('a') + i)}" for i in range(_SYMBOLIC_AZ_COUNT)]

    def _cidr(self, arg: Any, path: Path) -> Any:
        if not isinstance(arg, list) or len(arg) != 3:
            return Unknown("malformed `Fn::Cidr`")
        block, count, bits = (self.resolve(part, (*path, i)) for i, part in enumerate(arg))
        for part in (block, count, bits):
            if isinstance(part, Unknown):
                return part
        try:
            network = ipaddress.ip_network(str(block), strict=False)
            count, bits = int(count), int(bits)
            prefix = network.max_prefixlen - bits
            if not 0 < count <= _MAX_CIDR_COUNT or prefix < network.prefixlen:
                return Unknown("`Fn::Cidr` arguments are out of range")
            subnets = network.subnets(new_prefix=prefix)
            return [str(next(subnets)) for _ in range(count)]
        except (ValueError, TypeError, StopIteration):
            return Unknown("`Fn::Cidr` arguments are not valid")

    def _pass_through(self, arg: Any, path: Path) -> Any:
        # Fn::Base64: rules inspect the text before encoding (e.g. secrets in UserData).
        return self.resolve(arg, path)

    def _import_value(self, arg: Any, path: Path) -> Any:
        name = self.resolve(arg, path)
        label = f"`{name}`" if isinstance(name, str) else "a value"
        return Unknown(f"{label} is imported from another stack")

    def _to_json_string(self, arg: Any, path: Path) -> Any:
        value = self.resolve(arg, path)
        if _contains_unknown(value):
            return Unknown("`Fn::ToJsonString` of a value that is not fully known")
        return json.dumps(value, separators=(",", ":"))

    def _length(self, arg: Any, path: Path) -> Any:
        value = self.resolve(arg, path)
        return len(value) if isinstance(value, list) else Unknown("`Fn::Length` of a non-list")

    def _ref(self, arg: Any, path: Path) -> Any:
        return self.ref(arg)

    def _condition_value(self, arg: Any, path: Path) -> Any:
        result = self.condition(arg)
        return Unknown(f"condition `{arg}` cannot be decided") if result is None else result

    def _not_evaluated(self, arg: Any, path: Path) -> Any:
        return Unknown("value produced by a transform or macro")


def _contains_unknown(value: Any) -> bool:
    if isinstance(value, Unknown):
        return True
    if isinstance(value, dict):
        return any(_contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_unknown(v) for v in value)
    return False


_HANDLERS = {
    "Ref": Resolver._ref,
    "Condition": Resolver._condition_value,
    "Fn::If": Resolver._if,
    "Fn::GetAtt": Resolver._getatt,
    "Fn::Sub": Resolver._sub,
    "Fn::Join": Resolver._join,
    "Fn::Select": Resolver._select,
    "Fn::Split": Resolver._split,
    "Fn::FindInMap": Resolver._find_in_map,
    "Fn::GetAZs": Resolver._get_azs,
    "Fn::Cidr": Resolver._cidr,
    "Fn::Base64": Resolver._pass_through,
    "Fn::ImportValue": Resolver._import_value,
    "Fn::ToJsonString": Resolver._to_json_string,
    "Fn::Length": Resolver._length,
    "Fn::Transform": Resolver._not_evaluated,
}
