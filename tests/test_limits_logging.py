"""What the fixture annotations cannot say about the LIM and LOG Python checks: the level of
each finding, and findings that must be reported once."""

from __future__ import annotations

from conftest import fixture_path
from test_cli import LINE


def findings(cli, rule_id: str, fixture: str) -> list[tuple[int, str, str]]:
    """(line, level, message) of one rule's findings on one of its fixtures."""
    path = fixture_path("rules", rule_id, fixture)
    code, out, _ = cli("check", "--fail-level", "note", "--select", rule_id, path)
    assert code in (0, 1), out
    return [
        (int(m["line"]), m["level"], m["message"])
        for line in out.splitlines()
        if (m := LINE.match(line)) and m["rule"] == rule_id
    ]


def levels(cli, rule_id: str, fixture: str) -> dict[int, str]:
    return {line: level for line, level, _ in findings(cli, rule_id, fixture)}


def test_buckets_holding_logs_or_replicas_get_a_note(cli):
    # Data: warning; the trail's bucket, a replica and a flow-log bucket: notes.
    assert levels(cli, "LOG004", "bad.yaml") == {4: "warning", 29: "note", 52: "note", 58: "note"}
    # A bucket named through the same parameter as the trail's S3BucketName.
    assert levels(cli, "LOG004", "parameter.yaml") == {16: "warning", 25: "warning", 36: "note"}


def test_internal_load_balancers_get_a_note(cli):
    found = levels(cli, "LOG005", "bad.yaml")
    assert found[37] == "note"
    assert {level for line, level in found.items() if line != 37} == {"warning"}


def test_global_secondary_indexes_above_the_default_quota_are_a_warning(cli):
    assert levels(cli, "LIM015", "bad.yaml") == {
        16: "error",
        53: "warning",
        106: "error",
        114: "warning",
    }


def test_a_globals_value_is_reported_once_for_every_function_that_inherits_it(cli):
    on_globals = [f for f in findings(cli, "LIM009", "bad.yaml") if f[0] == 5]
    assert on_globals == [
        (5, "error", "`Globals.Function` sets `Timeout` to `1000`; Lambda accepts 1 to 900 seconds")
    ]


def test_security_group_counts_say_where_the_rules_come_from(cli):
    messages = {line: message for line, _, message in findings(cli, "LIM012", "bad.yaml")}
    assert messages[79].startswith(
        "security group `InlineAndSeparate` has 61 inbound IPv4 rules "
        "(40 inline, 21 in separate resources)"
    )
    assert "61 inbound IPv6 rules" in messages[295]
    assert "(60 in separate resources, 1 default allow-all)" in messages[448]


def test_reserved_concurrency_counts_globals_and_skips_zero(cli):
    assert [message for _, _, message in findings(cli, "LIM014", "bad.yaml")] == [
        "the functions in this template reserve 901 concurrent executions; Lambda keeps 100 "
        "of the default 1,000 per Region unreserved, so at most 900 can be reserved"
    ]
