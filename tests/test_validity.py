"""The bundled resource schemas and the CloudFormation-aware validator behind VAL001-VAL011."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys

import pytest
from conftest import ROOT

from iaclint.resolve.values import Unknown
from iaclint.schemas.store import SchemaStore, data_dir, schema_meta
from iaclint.schemas.validate import validator_for

DATA = ROOT / "iaclint" / "schemas" / "data"


@pytest.fixture(scope="module")
def store() -> SchemaStore:
    return SchemaStore()


def _errors(store: SchemaStore, type_name: str, properties: dict) -> list[tuple[str, list]]:
    validator = validator_for(store.get(type_name) or {})
    return sorted(
        (str(e.validator), list(e.absolute_path)) for e in validator.iter_errors(properties)
    )


def test_data_is_small_and_described():
    size = sum(p.stat().st_size for p in DATA.iterdir() if p.is_file())
    assert size < 10 * 1024 * 1024
    meta = schema_meta()
    assert meta["types"] > 1000 and meta["source"] and meta["date"]
    index = json.loads((data_dir() / "resources.index.json").read_text())
    assert len(index) == meta["types"]
    blob = (data_dir() / "resources.bin").stat().st_size
    # the documents lie end to end, each inside the blob
    spans = sorted(index.values())
    assert spans[0][0] == 0 and sum(length for _, length in spans) == blob
    assert all(a + la == b for (a, la), (b, _) in itertools.pairwise(spans))


def test_nothing_is_parsed_at_import():
    code = (
        "import builtins, io\n"
        "opened = []\n"
        "real = io.open\n"
        "def spy(file, *a, **k):\n"
        "    opened.append(str(file))\n"
        "    return real(file, *a, **k)\n"
        "builtins.open = io.open = spy\n"
        "import iaclint.checks.validity, iaclint.checks.validity_intrinsics\n"
        "before = sum('schemas/data' in name for name in opened)\n"
        "from iaclint.schemas.store import SchemaStore\n"
        "SchemaStore().get('AWS::SQS::Queue')\n"
        "print(before, sum('schemas/data' in name for name in opened))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    ).stdout
    # nothing read by the import; the index, the blob and the extensions once a schema is
    # asked for
    assert out.split() == ["0", "3"]


def test_store_loads_only_what_is_asked(store):
    fresh = SchemaStore()
    assert fresh.get("AWS::SQS::Queue") is not None
    assert list(fresh._loaded) == ["AWS::SQS::Queue"]
    assert fresh.get("AWS::SQS::Queu") is None


def test_extensions_add_documented_bounds(store):
    retention = store.get("AWS::RDS::DBInstance")["properties"]["BackupRetentionPeriod"]
    assert retention["maximum"] == 35
    extensions = json.loads((DATA / "extensions.json").read_text())
    for type_name, props in extensions.items():
        if type_name.startswith("$"):
            continue
        assert props["$source"].startswith("https://docs.aws.amazon.com/")
        schema = store.get(type_name)
        assert schema is not None
        assert all(name in schema["properties"] for name in props if not name.startswith("$"))


@pytest.mark.parametrize(
    "value",
    ["5", 5, 5.0, Unknown("parameter without a default")],
)
def test_integer_coercions_and_unknowns(store, value):
    assert _errors(store, "AWS::SQS::Queue", {"DelaySeconds": value}) == []


@pytest.mark.parametrize("value", ["true", "false", "True", True])
def test_boolean_coercions(store, value):
    assert _errors(store, "AWS::SQS::Queue", {"FifoQueue": value}) == []


def test_numbers_are_text_where_text_is_expected(store):
    assert _errors(store, "AWS::SQS::Queue", {"QueueName": 12345}) == []


def test_range_on_numeric_string(store):
    assert _errors(store, "AWS::SQS::Queue", {"DelaySeconds": "1000"}) == [
        ("maximum", ["DelaySeconds"])
    ]


def test_wrong_types(store):
    found = _errors(store, "AWS::SQS::Queue", {"DelaySeconds": "soon", "FifoQueue": "maybe"})
    assert found == [("type", ["DelaySeconds"]), ("type", ["FifoQueue"])]


def test_unknown_property_points_at_the_key(store):
    assert _errors(store, "AWS::SQS::Queue", {"Delay": 1}) == [("additionalProperties", ["Delay"])]


def test_unknown_inside_a_list_or_mapping_is_not_an_error(store):
    assert _errors(store, "AWS::Lambda::Function", {
        "Role": Unknown("attribute"), "Code": Unknown("import"), "Layers": [Unknown("x")],
    }) == []  # fmt: skip


def test_network_format(store):
    base = {"GroupId": "sg-1", "IpProtocol": "tcp"}
    assert _errors(store, "AWS::EC2::SecurityGroupIngress", {**base, "CidrIp": "10.0.0.0/8"}) == []
    assert _errors(store, "AWS::EC2::SecurityGroupIngress", {**base, "CidrIp": "10.0.0.1/8"}) == [
        ("format", ["CidrIp"])
    ]


def test_rain_directives_are_not_values(store):
    props = {
        "Role": "arn:aws:iam::123456789012:role/x",
        "Code": {"ZipFile": {"Rain::Embed": "app.py"}},
    }
    assert _errors(store, "AWS::Lambda::Function", props) == []


def test_a_pattern_python_cannot_compile_is_skipped_and_not_tried_again(monkeypatch):
    """Provider schemas use ECMA-262 classes such as `\\p{L}` in tag patterns; such a pattern
    accepts every value, and compiling it is not attempted for every value again."""
    import re

    from iaclint.schemas.keywords import compiled, pattern_ok

    attempts = []
    real = re.compile

    def counting(pattern, flags=0):
        attempts.append(pattern)
        return real(pattern, flags)

    monkeypatch.setattr(re, "compile", counting)
    ecma = r"^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$|iaclint-test"
    compiled.cache_clear()
    assert all(pattern_ok(ecma, value) for value in ("a", "b", "c" * 500))
    assert attempts == [ecma]
    assert pattern_ok("^[a-z]+$", "abc") and not pattern_ok("^[a-z]+$", "ABC")
