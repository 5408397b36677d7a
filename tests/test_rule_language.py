"""The rule language's comparators: fast paths answer as the definitions they stand for."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iaclint.policy.language import _is_one_of, same_value

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
