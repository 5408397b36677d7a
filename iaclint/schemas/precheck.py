"""A compiled fast path in front of `validate.py`: most resources are valid, and proving it
with closures built once per schema costs a fraction of jsonschema's keyword-by-keyword
descent (which builds a new validator for every step). Only a resource the fast path cannot
clear goes to jsonschema, which then words the problems.

The closures mirror `CloudFormationValidator` keyword for keyword and reuse its keyword
functions, so "valid" means the same here and there. Each compiled node knows whether it is
exact: `oneOf` and `not` need exact answers from their subschemas, and a node that is not
exact only ever says "maybe invalid", never "valid" wrongly. No library does this: the
compiling validators (fastjsonschema) cannot take CloudFormation's scalar coercions or the
resolver's unknown values.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from iaclint.resolve.values import Unknown
from iaclint.schemas.keywords import LEAVES, TYPE_TESTS, compiled, is_rain_directive

Check = Callable[[Any], bool]
# Keywords compiled below. Our validator ignores `uniqueItems`, `propertyNames` and
# `contains`; `then` and `else` belong to `if`; any other key is not a Draft 7 keyword,
# which jsonschema ignores too.
_STRUCTURAL = {
    "type", "properties", "additionalProperties", "patternProperties", "items", "$ref",
    "allOf", "anyOf", "oneOf", "not", "if", "dependencies", "dependentRequired",
    "minProperties", "maxProperties", "multipleOf", "additionalItems",
}  # fmt: skip


def _never(_value: Any) -> bool:
    return False


def _always(_value: Any) -> bool:
    return True


class Compiler:
    """Compiles one resource schema (with its `definitions`) into a `Check`."""

    def __init__(self, root: dict[str, Any]) -> None:
        self._root = root
        self._refs: dict[tuple[str, bool], tuple[list[Check], bool]] = {}
        # Above zero while compiling for `oneOf`, `not` or an `if` test, which need exact
        # answers: there every property is compiled at once. Elsewhere a property's schema
        # is compiled when a resource first sets it (most set few of the many they could).
        self._exact_wanted = 0

    def compile(self) -> Check:
        check, _exact = self._node(self._root)
        return check

    def _node(self, schema: Any) -> tuple[Check, bool]:
        if schema is True or schema == {}:
            return _always, True
        if schema is False:
            return _never, True
        if not isinstance(schema, dict):
            return _never, False
        if "$ref" in schema:  # Draft 7: the siblings of `$ref` are ignored
            return self._ref(schema["$ref"])
        parts: list[Check] = []
        exact = True
        for keyword, arg in schema.items():
            if keyword in LEAVES:
                parts.append(_leaf(LEAVES[keyword][0], arg))
            elif keyword == "required":
                parts.append(_required(arg))
            elif keyword in _STRUCTURAL:
                check, keyword_exact = self._structural(keyword, arg, schema)
                parts.append(check)
                exact = exact and keyword_exact
        return _all_of(parts), exact

    def _structural(self, keyword: str, arg: Any, schema: dict[str, Any]) -> tuple[Check, bool]:
        if keyword == "type":
            return _type(arg)
        if keyword == "properties":
            return self._properties(arg)
        if keyword == "additionalProperties":
            return self._additional(arg, schema)
        if keyword == "patternProperties":
            return self._pattern_properties(arg)
        if keyword == "items":
            return self._items(arg)
        if keyword in ("allOf", "anyOf", "oneOf"):
            return self._combination(keyword, arg)
        if keyword == "not":
            inner, exact = self._exact_node(arg)
            return (lambda v: _skips(v) or not inner(v)) if exact else _never, exact
        if keyword == "if":
            return self._if(arg, schema)
        if keyword in ("dependencies", "dependentRequired"):
            return self._dependencies(arg)
        if keyword in ("minProperties", "maxProperties") and isinstance(arg, int):
            if keyword == "minProperties":
                return (lambda v: _skips(v) or not isinstance(v, dict) or len(v) >= arg), True
            return (lambda v: _skips(v) or not isinstance(v, dict) or len(v) <= arg), True
        # multipleOf, additionalItems and malformed arguments: left to jsonschema
        return _never, False

    def _exact_node(self, schema: Any) -> tuple[Check, bool]:
        self._exact_wanted += 1
        try:
            return self._node(schema)
        finally:
            self._exact_wanted -= 1

    def _ref(self, ref: Any) -> tuple[Check, bool]:
        if not isinstance(ref, str) or not ref.startswith("#/definitions/"):
            return _never, False
        key = (ref, self._exact_wanted > 0)
        if key in self._refs:
            cell, exact = self._refs[key]
            return (lambda v: cell[0](v)), exact
        target = self._root.get("definitions", {}).get(ref.removeprefix("#/definitions/"))
        if target is None:
            return _never, False
        cell = [_never]
        # Recursive definitions: until compiled, the reference is "maybe invalid" and inexact.
        self._refs[key] = (cell, False)
        check, exact = self._node(target)
        cell[0] = check
        self._refs[key] = (cell, exact)
        return (lambda v: cell[0](v)), exact

    def _properties(self, properties: Any) -> tuple[Check, bool]:
        if not isinstance(properties, dict):
            return _never, False
        if not self._exact_wanted:
            return self._lazy_properties(properties), False
        compiled = {name: self._node(sub) for name, sub in properties.items()}
        checks = {name: check for name, (check, _e) in compiled.items()}
        exact = all(e for _c, e in compiled.values())

        def check(value: Any) -> bool:
            if not isinstance(value, dict):
                return True
            for name, item in value.items():
                sub = checks.get(name)
                if sub is not None and not sub(item):
                    return False
            return True

        return check, exact

    def _lazy_properties(self, properties: dict[str, Any]) -> Check:
        """Each property's check compiled on first use; not exact (see `_exact_wanted`)."""
        checks: dict[str, Check] = {}

        def check(value: Any) -> bool:
            if not isinstance(value, dict):
                return True
            for name, item in value.items():
                sub = checks.get(name)
                if sub is None:
                    if name not in properties:
                        continue
                    sub = checks[name] = self._node(properties[name])[0]
                if not sub(item):
                    return False
            return True

        return check

    def _additional(self, allowed: Any, schema: dict[str, Any]) -> tuple[Check, bool]:
        known = schema.get("properties", {})
        patterns = [
            regex for p in schema.get("patternProperties", {}) if (regex := compiled(p)) is not None
        ]
        if allowed is True or allowed == {}:
            return _always, True
        if allowed is False:
            extra: Check = _never
            exact = True
        else:
            extra, exact = self._node(allowed)

        def check(value: Any) -> bool:
            if not isinstance(value, dict) or _skips(value):
                return True
            for key, item in value.items():
                if key in known or any(regex.search(key) for regex in patterns):
                    continue
                if not extra(item):
                    return False
            return True

        return check, exact

    def _pattern_properties(self, arg: Any) -> tuple[Check, bool]:
        if not isinstance(arg, dict):
            return _never, False
        checks: list[tuple[re.Pattern[str], Check]] = []
        exact = True
        for pattern, sub in arg.items():
            regex = compiled(pattern)
            if regex is None:  # jsonschema itself would fail on it
                return _never, False
            check, sub_exact = self._node(sub)
            checks.append((regex, check))
            exact = exact and sub_exact

        def check(value: Any) -> bool:
            if not isinstance(value, dict) or _skips(value):
                return True
            for regex, sub in checks:
                for key, item in value.items():
                    if regex.search(key) and not sub(item):
                        return False
            return True

        return check, exact

    def _items(self, arg: Any) -> tuple[Check, bool]:
        if isinstance(arg, list):
            compiled = [self._node(sub) for sub in arg]
            checks = [c for c, _e in compiled]
            exact = all(e for _c, e in compiled)

            def check_tuple(value: Any) -> bool:
                if not isinstance(value, list) or _skips(value):
                    return True
                return all(sub(item) for sub, item in zip(checks, value, strict=False))

            return check_tuple, exact
        sub, exact = self._node(arg)

        def check(value: Any) -> bool:
            if isinstance(value, list):
                for item in value:
                    if not sub(item):
                        return False
            return True

        return check, exact

    def _combination(self, keyword: str, arg: Any) -> tuple[Check, bool]:
        if not isinstance(arg, list):
            return _never, False
        node = self._exact_node if keyword == "oneOf" else self._node
        compiled = [node(sub) for sub in arg]
        checks = [c for c, _e in compiled]
        exact = all(e for _c, e in compiled)
        if keyword == "allOf":
            return _all_of(checks), exact
        if keyword == "anyOf":
            # One subschema known valid is enough; "none valid" is exact only if all are.
            return (lambda v: any(c(v) for c in checks) or _skips(v)), exact
        if not exact:  # oneOf: "exactly one" needs every answer exact
            return _never, False
        return (lambda v: sum(1 for c in checks if c(v)) == 1 or _skips(v)), True

    def _if(self, condition: Any, schema: dict[str, Any]) -> tuple[Check, bool]:
        test, test_exact = self._exact_node(condition)
        then, then_exact = self._node(schema.get("then", True))
        other, other_exact = self._node(schema.get("else", True))
        if not test_exact:
            return _never, False

        def check(value: Any) -> bool:
            if _skips(value):
                return True
            return then(value) if test(value) else other(value)

        return check, then_exact and other_exact

    def _dependencies(self, arg: Any) -> tuple[Check, bool]:
        if not isinstance(arg, dict):
            return _never, False
        lists: dict[str, list[str]] = {}
        schemas: dict[str, Check] = {}
        exact = True
        for name, needed in arg.items():
            if isinstance(needed, list):
                lists[name] = needed
            else:
                schemas[name], sub_exact = self._node(needed)
                exact = exact and sub_exact

        def check(value: Any) -> bool:
            if not isinstance(value, dict) or _skips(value):
                return True
            for name, others in lists.items():
                if name in value and any(other not in value for other in others):
                    return False
            return all(sub(value) for name, sub in schemas.items() if name in value)

        return check, exact


def _skips(value: Any) -> bool:
    """The values every keyword lets through (`_skip_unknown` in validate.py)."""
    return type(value) is Unknown or is_rain_directive(value)


def _leaf(test: Callable[[Any, Any], bool], arg: Any) -> Check:
    return lambda value: type(value) is Unknown or test(arg, value) or _skips(value)


def _required(names: Any) -> Check:
    def check(value: Any) -> bool:
        if not isinstance(value, dict):
            return True
        return all(name in value for name in names) or _skips(value)

    return check


def _type(arg: Any) -> tuple[Check, bool]:
    names = arg if isinstance(arg, list) else [arg]
    tests = [TYPE_TESTS.get(name) for name in names]
    if any(test is None for test in tests):
        return _never, False
    if len(tests) == 1:
        only = tests[0]
        assert only is not None
        return (lambda v: only(v) or _skips(v)), True
    return (lambda v: any(t(v) for t in tests if t is not None) or _skips(v)), True


def _all_of(checks: list[Check]) -> Check:
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]

    def check(value: Any) -> bool:
        for each in checks:  # a loop, not all(...): no generator per value checked
            if not each(value):
                return _skips(value)
        return True

    return check


def compile_schema(schema: dict[str, Any]) -> Check:
    """`check(properties)` is True only if the validator would report nothing."""
    return Compiler(schema).compile()
