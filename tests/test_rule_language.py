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


def test_compiled_checks_evaluate_as_the_evaluator_does():
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
            assert function(evaluator, focus) == evaluator.evaluate(node, focus), rule.id
            compared += 1
    assert compared > 1000


def test_a_malformed_node_fails_when_evaluated_as_before():
    from iaclint.policy.language import Evaluator, compile_node

    node = {"path": "Properties.X", "equals": 1, "exists": True}
    evaluator = Evaluator(None)  # type: ignore[arg-type]
    focus = Focus({"Properties": {"X": 1}}, ())
    with pytest.raises(ValueError, match="exactly one comparator") as interpreted:
        evaluator.evaluate(node, focus)
    with pytest.raises(ValueError, match="exactly one comparator") as compiled:
        compile_node(node)(evaluator, focus)
    assert str(compiled.value) == str(interpreted.value)
