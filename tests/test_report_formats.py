"""Every output format on the same run: snapshots plus exact structural checks.

Regenerate the snapshots with `.venv/bin/python -m pytest tests/test_report_formats.py
--update-snapshots` and review the diff.
"""

from __future__ import annotations

import json
import shutil
from xml.etree import ElementTree as ET

import jsonschema
import pytest
from conftest import FIXTURES, ROOT, fixture_path

# A fixed selection keeps the snapshots independent of rules added later.
SELECT = "TPL001,TPL006,TPL100,ENC001"
FILES = (
    fixture_path("report", "stack.yaml"),
    fixture_path("report", "odd name, 100%.yaml"),
    fixture_path("report", "broken.yaml"),
)
SARIF_SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"
JSON_SCHEMA = ROOT / "docs" / "json-report.schema.json"


def _run(cli, fmt: str, *extra: str) -> tuple[int, str]:
    code, out, err = cli("check", "--select", SELECT, "--format", fmt, *extra, *FILES)
    assert err == ""
    return code, out


@pytest.mark.parametrize(
    ("fmt", "name"),
    [
        ("text", "report.txt"),
        ("sarif", "report.sarif"),
        ("json", "report.json"),
        ("github", "report.github.txt"),
        ("junit", "report.junit.xml"),
    ],
)
def test_snapshot(cli, snapshot, fmt, name):
    code, out = _run(cli, fmt)
    assert code == 2  # broken.yaml cannot be read, and that wins over findings
    if fmt == "sarif":
        # Written as one compact line (the fast encoder); kept indented here for review.
        assert out.endswith("}\n") and out.count("\n") == 1
        out = json.dumps(json.loads(out), indent=2, ensure_ascii=False) + "\n"
    snapshot(f"report/{name}", out)


def test_text_hides_suppressed_findings_and_counts_them(cli):
    _, out = _run(cli, "text")
    assert "[ENC001] RDS instance `Database`" not in out
    assert "stack.yaml:25:25: error [ENC001] RDS instance `Archive`" in out
    assert out.splitlines()[-1] == (
        "3 errors, 0 warnings, 1 note in 2 templates; 1 suppressed; 1 file could not be read"
    )


def _sarif(cli, *extra: str) -> dict:
    return json.loads(_run(cli, "sarif", *extra)[1])


def test_sarif_matches_the_sarif_2_1_0_schema(cli):
    schema = json.loads(SARIF_SCHEMA.read_text())
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    log = _sarif(cli)
    assert list(validator.iter_errors(log)) == []
    # The schema really is enforced: a made-up level is refused.
    log["runs"][0]["results"][0]["level"] = "fatal"
    assert [e.validator for e in validator.iter_errors(log)] == ["enum"]


def test_sarif_driver_and_rules(cli):
    driver = _sarif(cli)["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"], driver["semanticVersion"]) == (
        "iaclint",
        "0.1.0",
        "0.1.0",
    )
    assert driver["informationUri"] == "https://github.com/iaclint/iaclint"
    rules = {r["id"]: r for r in driver["rules"]}
    assert list(rules) == ["ENC001", "TPL001", "TPL006", "TPL100"]
    enc = rules["ENC001"]
    assert enc["name"] == "rds-instance-storage-unencrypted"
    assert enc["defaultConfiguration"] == {"level": "error"}
    assert enc["properties"]["tags"] == ["encryption", "security", "rds"]
    assert enc["properties"]["security-severity"] == "8.0"  # error -> GitHub "high"
    assert enc["helpUri"].endswith("/docs/rules/ENC001.md")
    assert enc["help"]["text"] and enc["help"]["markdown"].startswith("**")
    assert enc["shortDescription"]["text"] == "RDS DB instance storage is not encrypted at rest"
    assert len(enc["fullDescription"]["text"]) <= 1024
    tpl = rules["TPL006"]
    assert tpl["properties"] == {"tags": ["validity"], "problem.severity": "recommendation"}


def test_sarif_results(cli):
    run = _sarif(cli)["runs"][0]
    by_rule = {}
    for result in run["results"]:
        by_rule.setdefault(result["ruleId"], []).append(result)
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    for result in run["results"]:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
    queue = by_rule["TPL001"][0]
    assert queue["level"] == "error"
    location = queue["locations"][0]
    assert location["physicalLocation"] == {
        "artifactLocation": {
            "uri": "fixtures/report/odd%20name%2C%20100%25.yaml",
            "uriBaseId": "%SRCROOT%",
        },
        "region": {"startLine": 4, "startColumn": 16, "endLine": 4, "endColumn": 23},
    }
    assert location["logicalLocations"] == [
        {"name": "Queue", "fullyQualifiedName": "Resources.Queue", "kind": "resource"}
    ]
    suppressed = [r for r in by_rule["ENC001"] if "suppressions" in r]
    assert [r["suppressions"] for r in suppressed] == [
        [
            {
                "kind": "inSource",
                "status": "accepted",
                "justification": "scratch database, rebuilt nightly",
            }
        ]
    ]
    fingerprints = [r["partialFingerprints"] for r in run["results"]]
    assert all(set(f) == {"iaclint/v1", "primaryLocationLineHash"} for f in fingerprints)


def test_sarif_notifications_and_execution_successful(cli):
    invocation = _sarif(cli)["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert invocation["exitCode"] == 2
    [note] = invocation["toolExecutionNotifications"]
    assert note["level"] == "error"
    assert note["descriptor"]["id"] == "parse-error"
    assert note["locations"][0]["physicalLocation"]["region"] == {"startLine": 3, "startColumn": 1}
    _, out, _ = cli("check", "--format", "sarif", fixture_path("report", "stack.yaml"))
    assert json.loads(out)["runs"][0]["invocations"][0]["executionSuccessful"] is True


def test_partial_fingerprints_survive_unrelated_lines_moving(cli, tmp_path):
    moved = tmp_path / "stack.yaml"
    original = (FIXTURES / "report" / "stack.yaml").read_text()
    shutil.copy(FIXTURES / "report" / "stack.yaml", tmp_path / "original.yaml")
    # Blank lines and a comment at the top move every finding down four lines.
    moved.write_text("# moved\n\n\n\n" + original)
    before = json.loads(cli("check", "--format", "sarif", str(tmp_path / "original.yaml"))[1])
    (tmp_path / "original.yaml").unlink()
    moved.rename(tmp_path / "original.yaml")
    after = json.loads(cli("check", "--format", "sarif", str(tmp_path / "original.yaml"))[1])

    def keyed(log: dict) -> dict:
        return {
            r["partialFingerprints"]["iaclint/v1"]: r["locations"][0]["physicalLocation"]["region"][
                "startLine"
            ]
            for r in log["runs"][0]["results"]
        }

    old, new = keyed(before), keyed(after)
    assert old.keys() == new.keys() and len(old) >= 4
    assert all(new[fp] == old[fp] + 4 for fp in old)


def test_json_report_matches_its_documented_schema(cli):
    schema = json.loads(JSON_SCHEMA.read_text())
    document = json.loads(_run(cli, "json")[1])
    jsonschema.Draft202012Validator(schema).validate(document)
    assert document["version"] == 1
    assert document["summary"] == {
        "templates": 2,
        "unreadable": 1,
        "errors": 3,
        "warnings": 0,
        "notes": 1,
        "suppressed": 1,
        "baselined": 0,
        "exit_code": 2,
    }
    suppressed = [f for f in document["findings"] if f["suppression"]]
    assert suppressed[0]["suppression"] == {
        "kind": "inSource",
        "source": "comment",
        "reason": "scratch database, rebuilt nightly",
        "line": 18,
    }


def test_github_annotations_are_escaped(cli):
    _, out = _run(cli, "github")
    lines = out.splitlines()
    assert (
        "::error file=fixtures/report/odd name%2C 100%25.yaml,line=4,col=16,endColumn=22,"
        "title=iaclint TPL001::`Queue` uses DependsOn to `Missing`, which is not a resource, "
        "parameter or pseudo parameter"
    ) in lines
    assert (
        "::error file=fixtures/report/broken.yaml,line=3,col=1,title=iaclint parse-error::"
        "tab character where YAML needs spaces for indentation"
    ) in lines
    assert not any("scratch database" in line for line in lines)  # suppressed


def test_github_escaping_rules():
    from iaclint.report.github import command, escape_data, escape_property

    assert escape_data("100%\r\nnext") == "100%25%0D%0Anext"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"
    # Columns only for one-line spans.
    assert command("note", "t.yaml", 3, 5, 7, 2, "iaclint X", "m") == (
        "::notice file=t.yaml,line=3,endLine=7,title=iaclint X::m"
    )


def test_junit_one_case_per_template_and_rule(cli):
    _, out = _run(cli, "junit")
    root = ET.fromstring(out)
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites) == [
        "fixtures/report/stack.yaml",
        "fixtures/report/odd name, 100%.yaml",
        "fixtures/report/broken.yaml",
    ]
    stack = suites["fixtures/report/stack.yaml"]
    cases = {c.get("name").split()[0]: c for c in stack.findall("testcase")}
    assert list(cases) == ["ENC001", "TPL001", "TPL006", "TPL100"]
    [failure] = cases["ENC001"].findall("failure")  # the suppressed one is not a failure
    assert failure.get("type") == "error" and failure.text == "fixtures/report/stack.yaml:25:25"
    assert cases["TPL006"].find("failure") is None  # a note is below the fail level
    assert "parameter `Unused` is never referenced" in cases["TPL006"].find("system-out").text
    broken = suites["fixtures/report/broken.yaml"]
    assert broken.find("testcase/error").get("type") == "parse-error"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("9", "3", "1")


def test_several_formats_at_once(cli, tmp_path):
    sarif, junit = tmp_path / "out.sarif", tmp_path / "deep" / "out.xml"
    code, out, _ = cli(
        "check",
        "--select",
        SELECT,
        "--format",
        "text",
        "--format",
        f"sarif={sarif}",
        "--format",
        f"junit={junit}",
        fixture_path("report", "stack.yaml"),
    )
    assert code == 1
    assert out.splitlines()[-1].startswith("2 errors")
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    assert ET.fromstring(junit.read_text()).tag == "testsuites"


def test_output_flag_and_format_usage_errors(cli, tmp_path):
    target = tmp_path / "report.json"
    code, out, _ = cli(
        "check", "--format", "json", "-o", str(target), fixture_path("report", "stack.yaml")
    )
    assert code == 1 and out == "" and json.loads(target.read_text())["version"] == 1
    code, _, err = cli("check", "--format", "yaml", fixture_path("report", "stack.yaml"))
    assert code == 2
    assert err == (
        "iaclint: --format: unknown format `yaml` "
        "(expected one of text, sarif, json, github, junit)\n"
    )
    code, _, err = cli(
        "check", "--format", "json", "--format", "sarif", fixture_path("report", "stack.yaml")
    )
    assert code == 2 and "json and sarif would both go to standard output" in err


def test_files_outside_the_project_get_absolute_uris(cli, tmp_path):
    shutil.copy(FIXTURES / "report" / "stack.yaml", tmp_path / "stack.yaml")
    run = json.loads(cli("check", "--format", "sarif", str(tmp_path / "stack.yaml"))[1])["runs"][0]
    artifact = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": (tmp_path / "stack.yaml").as_uri()}
    assert run["invocations"][0]["workingDirectory"] == {"uri": ROOT.as_uri() + "/"}
