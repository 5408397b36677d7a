"""Property-based tests: CloudFormation-shaped templates with random intrinsics, conditions,
parameters and graph shapes never make iaclint fail, every finding points inside the file,
the SARIF validates, and the result does not depend on the order of mapping keys."""

from __future__ import annotations

import contextlib
import io
import json
import random
from pathlib import Path

import jsonschema
import yaml
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iaclint.__main__ import main

SARIF_SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
PARAMS = ["Env", "Size", "Cidr", "Flag"]
CONDITIONS = ["IsProd", "IsBig", "Either", "NotProd"]
TYPES = {
    "AWS::S3::Bucket": ["BucketName", "VersioningConfiguration", "LoggingConfiguration"],
    "AWS::SQS::Queue": ["VisibilityTimeout", "KmsMasterKeyId", "MessageRetentionPeriod"],
    "AWS::RDS::DBInstance": [
        "StorageEncrypted",
        "MultiAZ",
        "BackupRetentionPeriod",
        "PubliclyAccessible",
    ],
    "AWS::EC2::SecurityGroup": ["GroupDescription", "SecurityGroupIngress", "VpcId"],
    "AWS::EC2::VPC": ["CidrBlock"],
    "AWS::IAM::Role": ["AssumeRolePolicyDocument", "Policies", "ManagedPolicyArns"],
    "AWS::Lambda::Function": ["Timeout", "MemorySize", "Role", "Runtime"],
    "AWS::SNS::Topic": ["KmsMasterKeyId", "TopicName"],
}
NAMES = [f"R{i}" for i in range(8)]

scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-5, max_value=100000),
    st.sampled_from(
        ["true", "false", "0.0.0.0/0", "::/0", "10.0.0.0/16", "*", "s3:*", "", "x" * 300]
    ),
    st.text(max_size=12),
)


def intrinsic(children: st.SearchStrategy) -> st.SearchStrategy:
    names = st.sampled_from(NAMES)
    return st.one_of(
        st.builds(
            lambda p: {"Ref": p},
            st.sampled_from(
                [*PARAMS, *NAMES, "AWS::Region", "AWS::NoValue", "AWS::AccountId", "Nope"]
            ),
        ),
        st.builds(
            lambda n, a: {"Fn::GetAtt": [n, a]},
            names,
            st.sampled_from(["Arn", "GroupId", "Endpoint.Address"]),
        ),
        st.builds(
            lambda p: {"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::${{{p}}}/*"},
            st.sampled_from([*PARAMS, *NAMES]),
        ),
        st.builds(
            lambda c, a, b: {"Fn::If": [c, a, b]},
            st.sampled_from([*CONDITIONS, "Missing"]),
            children,
            children,
        ),
        st.builds(lambda items: {"Fn::Join": ["-", items]}, st.lists(children, max_size=3)),
        st.builds(
            lambda i, items: {"Fn::Select": [i, items]},
            st.integers(-1, 3),
            st.lists(children, max_size=3),
        ),
        st.builds(
            lambda k: {"Fn::FindInMap": ["Map", k, "Value"]},
            st.sampled_from(["a", "b", {"Ref": "Env"}]),
        ),
        st.just({"Fn::ImportValue": "shared"}),
        st.just("{{resolve:ssm:/param}}"),
        st.builds(lambda: {"Fn::GetAZs": ""}),
        st.builds(
            lambda b: {"Fn::Cidr": [b, 3, 8]},
            st.sampled_from(["10.0.0.0/16", {"Ref": "Cidr"}, "bad"]),
        ),
    )


values = st.recursive(
    scalars,
    lambda children: st.one_of(
        intrinsic(children),
        st.lists(children, max_size=3),
        st.dictionaries(
            st.sampled_from(
                [
                    "CidrIp",
                    "IpProtocol",
                    "FromPort",
                    "ToPort",
                    "Effect",
                    "Action",
                    "Resource",
                    "Key",
                ]
            ),
            children,
            max_size=4,
        ),
    ),
    max_leaves=12,
)

condition_expr = st.recursive(
    st.one_of(
        st.builds(
            lambda p, v: {"Fn::Equals": [{"Ref": p}, v]},
            st.sampled_from([*PARAMS, "AWS::Region"]),
            st.sampled_from(["prod", "dev", "big", "us-east-1"]),
        ),
        st.builds(lambda c: {"Condition": c}, st.sampled_from(CONDITIONS)),
    ),
    lambda children: st.one_of(
        st.builds(lambda a, b: {"Fn::And": [a, b]}, children, children),
        st.builds(lambda a, b: {"Fn::Or": [a, b]}, children, children),
        st.builds(lambda a: {"Fn::Not": [a]}, children),
    ),
    max_leaves=4,
)


@st.composite
def templates(draw: st.DrawFn) -> dict:
    template: dict = {"AWSTemplateFormatVersion": "2010-09-09"}
    params = {}
    for name in draw(st.lists(st.sampled_from(PARAMS), unique=True, max_size=4)):
        body: dict = {"Type": draw(st.sampled_from(["String", "Number", "CommaDelimitedList"]))}
        if draw(st.booleans()):
            body["AllowedValues"] = draw(
                st.lists(
                    st.sampled_from(["prod", "dev", "big", "small"]),
                    min_size=1,
                    max_size=3,
                    unique=True,
                )
            )
        if draw(st.booleans()):
            body["Default"] = draw(st.sampled_from(["prod", "dev", "big", "10.0.0.0/16"]))
        params[name] = body
    if params:
        template["Parameters"] = params
    conditions = {
        name: draw(condition_expr)
        for name in draw(st.lists(st.sampled_from(CONDITIONS), unique=True, max_size=4))
    }
    if conditions:
        template["Conditions"] = conditions
    if draw(st.booleans()):
        template["Mappings"] = {"Map": {"a": {"Value": 1}, "b": {"Value": "x"}}}
    resources = {}
    for name in draw(st.lists(st.sampled_from(NAMES), unique=True, min_size=1, max_size=6)):
        rtype = draw(st.sampled_from(sorted(TYPES)))
        props = {
            key: draw(values)
            for key in draw(st.lists(st.sampled_from(TYPES[rtype]), unique=True, max_size=3))
        }
        body = {"Type": rtype, "Properties": props}
        if conditions and draw(st.booleans()):
            body["Condition"] = draw(st.sampled_from([*conditions, "Missing"]))
        if draw(st.booleans()):
            body["DependsOn"] = draw(st.lists(st.sampled_from(NAMES), max_size=2))  # cycles allowed
        resources[name] = body
    template["Resources"] = resources
    if draw(st.booleans()):
        template["Outputs"] = {"Out": {"Value": draw(values)}}
    return template


def _shuffled(value: object, rng: random.Random) -> object:
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {k: _shuffled(v, rng) for k, v in items}
    if isinstance(value, list):
        return [_shuffled(v, rng) for v in value]
    return value


def _run(path: Path, fmt: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(
            [
                "check",
                "--no-cache",
                "--jobs",
                "1",
                "--fail-level",
                "note",
                "--format",
                fmt,
                str(path),
            ]
        )
    return code, out.getvalue()


def _essence(report: dict) -> list[tuple]:
    return sorted(
        (f["rule_id"], f.get("logical_id") or "", f.get("property_path") or "", f["message"])
        for f in report["findings"]
    )


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(template=templates(), seed=st.integers(0, 2**16), as_json=st.booleans())
def test_random_templates(tmp_path_factory, template, seed, as_json):
    folder = tmp_path_factory.mktemp("prop")
    suffix = ".json" if as_json else ".yaml"
    dump = (
        (lambda t: json.dumps(t, indent=1))
        if as_json
        else (lambda t: yaml.safe_dump(t, sort_keys=False))
    )
    path = folder / f"template{suffix}"
    path.write_text(dump(template))
    code, raw = _run(path, "json")
    report = json.loads(raw)
    assert code in (0, 1), report["diagnostics"]
    crashes = [
        d
        for d in report["diagnostics"]
        if d["code"] in ("internal-error", "analysis-error", "parse-error")
    ]
    assert not crashes, crashes
    lines = path.read_text().splitlines()
    for finding in report["findings"]:
        start, end = finding["start_line"], finding["end_line"]
        assert 1 <= start <= max(len(lines), 1) and start <= end <= len(lines) + 1, finding
        assert finding["start_column"] >= 1 and finding["end_column"] >= 1, finding
    shuffled = folder / f"shuffled{suffix}"
    shuffled.write_text(dump(_shuffled(template, random.Random(seed))))
    assert _essence(json.loads(_run(shuffled, "json")[1])) == _essence(report)
    if seed % 4 == 0:  # SARIF for a quarter of the examples keeps the test fast
        jsonschema.validate(json.loads(_run(path, "sarif")[1]), SARIF_SCHEMA)
