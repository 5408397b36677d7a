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
