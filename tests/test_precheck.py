"""The compiled fast path in front of the validator: it may send a valid resource on to
jsonschema, but it must never clear one that jsonschema would report."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iaclint.load.document import LoadError
from iaclint.load.reader import load_bytes
from iaclint.resolve.values import Unknown
from iaclint.schemas.precheck import compile_schema
from iaclint.schemas.store import SchemaStore, properties_schema
from iaclint.schemas.validate import CloudFormationValidator

CORPUS = ROOT.parent / "shared" / "corpus"
UNKNOWN = Unknown("a parameter without a value")
RAIN = {"Rain::Embed": "file.txt"}
STORE = SchemaStore()


def _valid(schema: dict[str, Any], value: Any) -> bool:
    return next(iter(CloudFormationValidator(schema).iter_errors(value)), None) is None


REFS = {
    "definitions": {
        "Node": {
            "type": "object",
            "properties": {"Name": {"type": "string"}, "Child": {"$ref": "#/definitions/Node"}},
            "additionalProperties": False,
        }
    },
    "$ref": "#/definitions/Node",
}
ONE_OF = {"oneOf": [{"required": ["A"]}, {"required": ["B"]}]}
NOT = {"not": {"required": ["A"]}}
IF = {"if": {"required": ["A"]}, "then": {"required": ["B"]}, "else": {"required": ["C"]}}
PATTERNS = {
    "type": "object",
    "patternProperties": {"^[a-z]+$": {"type": "integer"}},
    "additionalProperties": False,
}
DEPENDENCIES = {"dependencies": {"A": ["B"], "C": {"required": ["D"]}}}
COERCED = {"type": "object", "properties": {"N": {"type": "integer", "maximum": 5}}}
MULTIPLE = {"type": "object", "properties": {"N": {"type": "integer", "multipleOf": 2}}}

CASES = [
    (REFS, {"Name": "a", "Child": {"Name": "b", "Child": {"Name": "c"}}}),
    (REFS, {"Name": "a", "Child": {"Nope": 1}}),
    (REFS, {"Name": "a", "Child": UNKNOWN}),
    (ONE_OF, {"A": 1}),
    (ONE_OF, {"A": 1, "B": 2}),
    (ONE_OF, {}),
    (ONE_OF, UNKNOWN),
    (NOT, {"A": 1}),
    (NOT, {"B": 1}),
    (IF, {"A": 1, "B": 1}),
    (IF, {"A": 1, "C": 1}),
    (IF, {"C": 1}),
    (IF, {}),
    (PATTERNS, {"abc": 1}),
    (PATTERNS, {"abc": "x"}),
    (PATTERNS, {"ABC": 1}),
    (PATTERNS, RAIN),
    (DEPENDENCIES, {"A": 1, "B": 1}),
    (DEPENDENCIES, {"A": 1}),
    (DEPENDENCIES, {"C": 1}),
    (DEPENDENCIES, {"C": 1, "D": 1}),
    (COERCED, {"N": "5"}),
    (COERCED, {"N": "6"}),
    (COERCED, {"N": "five"}),
    (COERCED, {"N": UNKNOWN}),
    (COERCED, {"N": RAIN}),
    (MULTIPLE, {"N": 4}),
]


@pytest.mark.parametrize(("schema", "value"), CASES)
def test_fast_path_agrees_with_the_validator(schema, value):
    # These schemas use only exactly-compiled keywords (not multipleOf): the answers match.
    fast = compile_schema(schema)(value)
    if "multipleOf" in str(schema):
        assert not fast  # left to jsonschema, never cleared here
    else:
        assert fast == _valid(schema, value)


def _resources(paths: Iterator[Path]) -> Iterator[tuple[str, str, Any]]:
    for path in paths:
        try:
            document = load_bytes(path.read_bytes(), str(path))
        except LoadError:
            continue  # the broken-input fixtures
        resources = document.data.get("Resources") if isinstance(document.data, dict) else None
        if not isinstance(resources, dict):
            continue
        for name, body in resources.items():
            if isinstance(body, dict) and isinstance(body.get("Type"), str):
                yield f"{path.name}:{name}", body["Type"], body.get("Properties", {})


def _check_templates(paths: Iterator[Path]) -> int:
    """Raw properties (intrinsics and all) through both: fast "valid" implies valid."""
    cleared = 0
    for where, type_name, properties in _resources(paths):
        schema = STORE.get(type_name)
        if schema is None:
            continue
        body = properties_schema(schema)
        if compile_schema(body)(properties):
            assert _valid(body, properties), f"{where}: cleared, but jsonschema reports it"
            cleared += 1
    return cleared


def test_fast_path_on_every_fixture_resource():
    paths = (p for p in FIXTURES.rglob("*") if p.suffix in (".yaml", ".json", ".template"))
    assert _check_templates(paths) > 500


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not beside the project")
def test_fast_path_on_the_corpus():
    paths = (p for p in CORPUS.rglob("*") if p.suffix in (".yaml", ".yml", ".json", ".template"))
    assert _check_templates(paths) > 300


_SCALARS = st.one_of(
    st.booleans(),
    st.integers(-5, 70000),
    st.sampled_from(["", "true", "5", "10.0.0.0/16", "arn:aws:s3:::b", "Enabled", "x" * 300]),
    st.just(UNKNOWN),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(
                ["Name", "Enabled", "Type", "Value", "Key", "Id", "Port", "CidrIp", "Tags"]
            ),
            inner,
            max_size=4,
        ),
    ),
    max_leaves=12,
)
_TYPES = [
    "AWS::S3::Bucket", "AWS::EC2::SecurityGroup", "AWS::Lambda::Function",
    "AWS::DynamoDB::Table", "AWS::ElasticLoadBalancingV2::Listener", "AWS::RDS::DBInstance",
]  # fmt: skip


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fast_path_never_clears_an_invalid_value(data):
    type_name = data.draw(st.sampled_from(_TYPES))
    schema = STORE.get(type_name)
    assert schema is not None
    body = properties_schema(schema)
    # The schema's own property names, so the generated values reach its keywords.
    names = st.sampled_from([*sorted(body.get("properties", {})), "NotAProperty"])
    value = data.draw(st.dictionaries(names, _VALUES, max_size=4))
    if compile_schema(body)(value):
        assert _valid(body, value)
