"""The rule language's comparators: fast paths answer as the definitions they stand for."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iaclint.policy.language import Focus, _is_one_of, lookup, same_value
from iaclint.resolve.values import ABSENT, Unknown

scalars = st.one_of(
    st.text(alphabet="abAB5.-x ", max_size=4),
    st.integers(-3, 8),
    st.floats(allow_nan=False, allow_infinity=False, width=16),
    st.booleans(),
    st.none(),
)


def _reference(value: Any, options: list[Any], ignore_case: bool) -> bool:
    return any(same_value(value, option, ignore_case) for option in options)


@given(
    value=scalars,
    options=st.lists(st.one_of(st.text(alphabet="abAB5.-x ", max_size=4), scalars), max_size=6),
    ignore_case=st.booleans(),
)
def test_one_of_answers_as_comparing_each_option(value, options, ignore_case):
    assert _is_one_of(value, options, ignore_case) is _reference(value, options, ignore_case)


@pytest.mark.parametrize(
    ("value", "options", "ignore_case", "expected"),
    [
        ("python3.9", ["python3.8", "python3.9"], False, True),
        ("Python3.9", ["python3.8", "python3.9"], False, False),
        ("Python3.9", ["python3.8", "python3.9"], True, True),
        (True, ["true", "false"], False, True),  # CloudFormation's string form of a boolean
        (8080, ["80", "8080"], False, True),
        ({"Ref": "X"}, ["a"], False, False),  # a map is no string
        ("a", [{"k": "v"}, "a"], False, True),  # an option that cannot go in a set
        ("5", [5, "x"], False, True),  # a number option: compared as a number
    ],
)
def test_one_of_cases(value, options, ignore_case, expected):
    assert _is_one_of(value, options, ignore_case) is expected
    assert _reference(value, options, ignore_case) is expected


def _lookup_reference(value: Any, path: tuple[Any, ...], dotted: str) -> tuple[Any, Any]:
    """`lookup` as defined: part by part, a list index only on a list."""
    for part in dotted.split(".") if dotted else []:
        if isinstance(value, Unknown):
            return value, path
        if isinstance(value, list) and part.isdecimal():
            if int(part) >= len(value):
                return ABSENT, (*path, int(part))
            path, value = (*path, int(part)), value[int(part)]
        elif isinstance(value, dict) and part in value:
            path, value = (*path, part), value[part]
        else:
            return ABSENT, (*path, part)
    return value, path


keys = st.sampled_from(["A", "B", "0", "1", "12"])
trees = st.recursive(
    st.one_of(st.integers(0, 3), st.just("x"), st.builds(Unknown, st.just("ref"))),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(keys, children, max_size=3)
    ),
    max_leaves=8,
)


@given(tree=trees, parts=st.lists(keys, max_size=4))
def test_lookup_follows_a_dotted_path_as_defined(tree, parts):
    dotted = ".".join(parts)
    assert lookup(Focus(tree, ("Resources", "R")), dotted) == _lookup_reference(
        tree, ("Resources", "R"), dotted
    )


def _declarative_cases():
    """Every declarative rule of the pack on every resource of its types in its own fixtures
    (bad, good, unknown, conditions), resolved in each scenario."""
    from conftest import FIXTURES

    from iaclint.graph.build import build_index, collect_references
    from iaclint.load.document import LoadError
    from iaclint.load.reader import load_path
    from iaclint.model.build import NotATemplate, build_template
    from iaclint.policy.context import CheckContext
    from iaclint.policy.loader import builtin_rules_dir, load_rule_files
    from iaclint.resolve.resolver import Resolver
    from iaclint.resolve.scenarios import enumerate_scenarios

    for rule in load_rule_files([builtin_rules_dir()]):
        if "match" not in rule.check:
            continue
        for path in sorted((FIXTURES / "rules" / rule.id).glob("*.[jy]*")):
            if path.name.endswith(".expect.yaml"):
                continue
            try:
                template = build_template(load_path(str(path)))
            except (LoadError, NotATemplate):
                continue
            references = collect_references(template)
            index = build_index(template, references)
            for scenario in enumerate_scenarios(template).scenarios:
                resolver = Resolver(template, scenario)
                ctx = CheckContext(template, scenario, resolver, references, lambda i=index: i)
                if rule.scope == "template":
                    yield rule, ctx, Focus(template.data, ())
                    continue
                for resource in template.resources.values():
                    if resource.type in rule.resource_types and ctx.is_active(resource):
                        yield rule, ctx, ctx.resolved_focus(resource)


def _defined(node: dict[str, Any], evaluator: Any, focus: Focus) -> Any:
    """The language as docs/rule-language.md defines it, node by node at every evaluation:
    what the compiled checks must answer."""
    from iaclint.policy.language import (
        _COMPARATORS,
        FALSE,
        UNKNOWN,
        Hit,
        Result,
        Tri,
        _compare,
        _each,
        _tri,
        port_covers,
    )
    from iaclint.policy.registry import get_predicate

    def sub(child: dict[str, Any]) -> Any:
        return lambda ev, f: _defined(child, ev, f)

    def kind() -> Any:
        if "all" in node:
            hits: tuple[Any, ...] = ()
            unknown = False
            for child in node["all"]:
                result = _defined(child, evaluator, focus)
                if result.truth is Tri.FALSE:
                    return FALSE
                unknown = unknown or result.truth is Tri.UNKNOWN
                if result.truth is Tri.TRUE and not hits:
                    hits = result.hits
            return UNKNOWN if unknown else Result(Tri.TRUE, hits)
        if "any" in node:
            unknown = False
            for child in node["any"]:
                result = _defined(child, evaluator, focus)
                if result.truth is Tri.TRUE:
                    return result
                unknown = unknown or result.truth is Tri.UNKNOWN
            return UNKNOWN if unknown else FALSE
        if "not" in node:
            truth = _defined(node["not"], evaluator, focus).truth
            if truth is not Tri.FALSE:
                return FALSE if truth is Tri.TRUE else UNKNOWN
            primary = node["not"].get("path")
            if not primary:
                return Result(Tri.TRUE, (Hit(evaluator._type_path(focus), ABSENT, True),))
            return evaluator._true_at(focus, primary)
        if "each" in node or "every" in node:
            every = "every" in node
            value, path = lookup(focus, node["every" if every else "each"])
            where = node.get("where", {"exists": True})
            return _each(
                value, path, every, focus.resource, lambda f: _defined(where, evaluator, f)
            )
        if "port_covers" in node:
            value, path = lookup(focus, node.get("path", ""))
            truth = port_covers(value, node["port_covers"])
            return Result(truth, (Hit(path, value),) if truth is Tri.TRUE else ())
        if "related" in node:
            spec = node["related"]
            where = sub(spec["where"]) if "where" in spec else None
            return evaluator._related(spec, focus, where)
        if "count" in node:
            spec = node["count"]
            wheres = [
                sub(t["where"]) if "items" in t and "where" in t else None for t in spec["sum"]
            ]
            return evaluator._count(spec, focus, wheres)
        if "python" in node:
            return get_predicate(node["python"])(evaluator, focus, node)
        (op,) = [key for key in node if key in _COMPARATORS]
        value, path = lookup(focus, node.get("path", ""))
        if value is ABSENT:
            truth = _tri(not node["exists"] if op == "exists" else node.get("if_missing", False))
            if truth is Tri.TRUE:
                where = evaluator._nearest_present(focus, node.get("path", ""))
                return Result(truth, (Hit(where, ABSENT, True),))
            return Result(truth)
        if isinstance(value, Unknown) and op == "exists":
            return Result(_tri(bool(node["exists"])), (Hit(path, value),))
        truth = _compare(op, node[op], value, node)
        return Result(truth, (Hit(path, value),) if truth is Tri.TRUE else ())

    result = kind()
    if node.get("report") is not None and result.truth is Tri.TRUE:
        return evaluator._true_at(focus, node["report"])
    return result


def test_compiled_checks_answer_as_the_language_is_defined():
    from iaclint.policy.language import Evaluator, compile_check

    compared = 0
    for rule, ctx, focus in _declarative_cases():
        compiled = compile_check(rule.check)
        evaluator = Evaluator(ctx)
        for node, function in ((rule.check["match"], compiled.match),
                               (rule.check.get("unless"), compiled.unless)):  # fmt: skip
            if node is None:
                assert function is None
                continue
            assert function(evaluator, focus) == _defined(node, evaluator, focus), rule.id
            compared += 1
    assert compared > 1000


def test_a_malformed_node_fails_when_it_is_evaluated():
    from iaclint.policy.language import Evaluator, compile_node

    node = {"path": "Properties.X", "equals": 1, "exists": True}
    evaluate = compile_node(node)  # compiling does not fail: a rule fails where it runs
    with pytest.raises(ValueError, match="exactly one comparator, got"):
        evaluate(Evaluator(None), Focus({"Properties": {"X": 1}}, ()))  # type: ignore[arg-type]
