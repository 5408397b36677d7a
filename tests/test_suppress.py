"""Suppressions (Metadata and comments), their policy, TPL100, and baselines."""

from __future__ import annotations

import json
import shutil

from conftest import FIXTURES, fixture_path

from iaclint.load import load_path
from iaclint.load.directives import scan_directives
from iaclint.load.discover import Candidate
from iaclint.pipeline import StageSettings, lint_file
from iaclint.policy.engine import AnalysisOptions
from iaclint.policy.loader import builtin_rules_dir, load_rule_files
from iaclint.suppress.policy import SuppressionPolicy

RULES = [
    r
    for r in load_rule_files([builtin_rules_dir()])
    if r.id in {"TPL001", "TPL006", "TPL007", "TPL009", "TPL100", "ENC001"}
]
DIRECTIVES = fixture_path("rules", "TPL100", "directives.yaml")


def _lint(path: str, policy: SuppressionPolicy | None = None):
    settings = StageSettings(suppressions=policy or SuppressionPolicy())
    return lint_file(Candidate(path, True), RULES, AnalysisOptions(), None, settings).findings


def _rows(findings):
    return [
        (f.start_line, f.rule_id, f.suppression.source if f.suppression else None) for f in findings
    ]


def test_comment_directives_are_collected_at_load_time():
    doc = load_path(DIRECTIVES)
    assert [(d.line, d.column, d.target_line, d.rule_ids, d.reason) for d in doc.directives] == [
        (36, 32, 36, ("ENC001",), "encrypted by the restore job"),
        (39, 28, 39, ("TPL006",), "stale: nothing to suppress here"),
        (42, 28, 42, ("XYZ999",), "a rule that does not exist"),
        (49, 7, 50, ("ENC001",), "a comment on its own line covers the next line"),
        (61, 28, 61, (), ""),
    ]
    assert doc.directives[-1].error == "is not of the form `ignore[RULE] reason`"
    assert scan_directives("a: 1 # iaclint: ignore[ENC001, TPL006] both\n")[0].rule_ids == (
        "ENC001",
        "TPL006",
    )
    # `#` inside a word is not a comment; JSON is never scanned.
    assert scan_directives("a: x#iaclint: ignore[ENC001]\n") == ()
    assert load_path(fixture_path("suppress", "metadata.json")).directives == ()


def test_each_source_suppresses_and_stale_ones_are_reported():
    findings = _lint(DIRECTIVES)
    assert _rows(findings) == [
        (8, "TPL100", None),
        (10, "TPL006", "template-metadata"),
        (28, "ENC001", "resource-metadata"),
        (36, "ENC001", "comment"),
        (39, "TPL100", None),
        (42, "TPL100", None),
        (50, "ENC001", "comment"),
        (58, "ENC001", None),
        (61, "TPL100", None),
    ]
    reasons = {f.start_line: f.suppression.reason for f in findings if f.suppression}
    assert reasons == {
        10: "Legacy is kept for the old pipeline",
        28: "test data only, destroyed nightly",
        36: "encrypted by the restore job",
        50: "a comment on its own line covers the next line",
    }
    messages = {f.start_line: f.message for f in findings if f.rule_id == "TPL100"}
    assert messages == {
        8: "suppression `ignore[TPL007]` suppresses nothing: no TPL007 finding in this template",
        39: "suppression `ignore[TPL006]` suppresses nothing: no TPL006 finding on line 39",
        42: "suppression `ignore[XYZ999]` names `XYZ999`, which is not an iaclint rule",
        61: "suppression `iaclint: ignroe[ENC001] misspelt` cannot be used: it is not of the "
        "form `ignore[RULE] reason`",
    }


def test_a_comment_on_a_resource_key_covers_findings_about_that_resource():
    findings = _lint(fixture_path("suppress", "key-line.yaml"))
    assert _rows(findings) == [
        (3, "TPL009", "comment"),  # points at the body of `Queue:`, whose line has the comment
        (6, "TPL009", None),
        (8, "TPL100", None),  # one line only: it does not reach DependsOn below
        (10, "TPL001", None),
    ]


def test_metadata_in_json_templates():
    assert _rows(_lint(fixture_path("suppress", "metadata.json"))) == [
        (3, "TPL006", "template-metadata"),
        (8, "TPL001", "resource-metadata"),
        (10, "TPL001", None),
    ]


def test_policy_can_forbid_in_template_suppressions():
    policy = SuppressionPolicy(allow_in_template=False, source=".iaclint.yaml")
    findings = _lint(DIRECTIVES, policy)
    assert not any(f.suppression for f in findings)
    stale = [f for f in findings if f.rule_id == "TPL100"]
    assert len(stale) == 8
    assert stale[0].message == (
        "suppression `ignore[TPL006]` is not applied: .iaclint.yaml turns in-template "
        "suppressions off"
    )


def test_policy_can_require_a_reason():
    policy = SuppressionPolicy(require_reason=True, source=".iaclint.yaml")
    findings = _lint(fixture_path("suppress", "metadata.json"), policy)
    assert _rows(findings)[:3] == [
        (3, "TPL006", "template-metadata"),
        (7, "TPL100", None),
        (8, "TPL001", None),
    ]


def test_suppressed_findings_leave_the_exit_code(cli):
    code, out, _ = cli("check", "--select", "TPL001", fixture_path("suppress", "metadata.json"))
    assert code == 1  # `Other` is not suppressed
    # A suppressed note does not fail even at --fail-level note. Directives for rules that
    # did not run (TPL001, TPL009 here) are not called stale.
    code, out, _ = cli(
        "check", "--select", "TPL006,TPL100", "--fail-level", "note", fixture_path("suppress")
    )
    assert (code, out) == (0, "0 errors, 0 warnings, 0 notes in 2 templates; 1 suppressed\n")


def test_baseline_reports_only_new_findings_and_survives_line_moves(cli, tmp_path):
    stack = tmp_path / "stack.yaml"
    shutil.copy(FIXTURES / "report" / "stack.yaml", stack)
    baseline = tmp_path / "baseline.json"
    code, _, err = cli("baseline", "write", str(baseline), "--select", "TPL,ENC001", str(stack))
    assert code == 0 and err.startswith("iaclint: wrote 4 finding(s) from 1 template(s)")
    assert json.loads(baseline.read_text())["version"] == 1
    code, out, _ = cli("check", "--select", "TPL,ENC001", "--baseline", str(baseline), str(stack))
    assert (code, out) == (0, "0 errors, 0 warnings, 0 notes in 1 template; 4 in the baseline\n")
    # Lines move and a new problem appears: only the new one is reported.
    extra = "Resources:\n\n\n  Extra:\n    Type: AWS::SQS::Queue\n    DependsOn: Nowhere\n"
    text = stack.read_text().replace("Resources:\n", extra, 1)
    stack.write_text(text)
    code, out, _ = cli("check", "--select", "TPL,ENC001", "--baseline", str(baseline), str(stack))
    assert code == 1
    assert out.splitlines() == [
        f"{stack}:11:16: error [TPL001] `Extra` uses DependsOn to `Nowhere`, which is not a "
        "resource, parameter or pseudo parameter",
        "1 error, 0 warnings, 0 notes in 1 template; 4 in the baseline",
    ]


def test_sarif_output_works_as_a_baseline(cli, tmp_path):
    stack = fixture_path("report", "stack.yaml")
    sarif = tmp_path / "old.sarif"
    cli("check", "--select", "TPL,ENC001", "--format", f"sarif={sarif}", stack)
    code, out, _ = cli("check", "--select", "TPL,ENC001", "--baseline", str(sarif), stack)
    assert code == 0 and out.endswith("; 4 in the baseline\n")
    code, out, _ = cli(
        "check", "--select", "TPL,ENC001", "--baseline", str(sarif), "--format", "sarif", stack
    )
    assert json.loads(out)["runs"][0]["results"] == []


def test_unusable_baseline_is_a_usage_error(cli, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"something": "else"}')
    code, _, err = cli("check", "--baseline", str(bad), fixture_path("report", "stack.yaml"))
    assert code == 2
    assert err == f"iaclint: {bad}: not an iaclint SARIF or JSON report (`--format sarif|json`)\n"
