"""Every rule's fixtures, run through the CLI: findings exactly where `ruleid` says,
none where `ok` says, and the standard cases present for every rule on resource values."""

from __future__ import annotations

from pathlib import Path

import pytest
from annotations import read_expectations
from conftest import FIXTURES
from test_cli import LINE

from iaclint.__main__ import main
from iaclint.policy.loader import builtin_rules_dir, load_rule_files

RULES = load_rule_files([builtin_rules_dir()])
RULE_IDS = [rule.id for rule in RULES]
FIXTURE_FILES = sorted(
    p
    for p in (FIXTURES / "rules").rglob("*")
    if p.suffix in (".yaml", ".json") and not p.name.endswith(".expect.yaml")
)
# Rules on template structure rather than resource values have no parameter, condition
# or unknown-value cases to show.
_STRUCTURAL_CHECKS = {
    "resource_count", "parameter_count", "output_count", "mapping_count", "logical_id_form",
    "template_body_size",
    # other: the template's top-level shape and SAM syntax, not resource values
    "template_without_resources", "unknown_template_section", "sam_without_transform",
    # validity: names, shapes and presence of properties, not their values
    "unknown_resource_type", "unknown_property", "missing_required_property",
    "property_combination", "read_only_property", "getatt_unknown_attribute",
    "malformed_intrinsic",
}  # fmt: skip
STRUCTURAL = {
    r.id for r in RULES if r.id.startswith("TPL") or r.check.get("python") in _STRUCTURAL_CHECKS
}
CASES = ("bad.yaml", "good.yaml", "parameter.yaml", "condition.yaml", "unknown.yaml")


def run_cli(path: Path, capsys) -> list[dict[str, str]]:
    """Run `iaclint check` on one fixture through the CLI; the parsed finding lines."""
    code = main(["check", "--fail-level", "note", str(path)])
    out = capsys.readouterr().out
    assert code in (0, 1), out
    return [m.groupdict() for line in out.splitlines() if (m := LINE.match(line))]


def _lines_by_rule(findings: list[dict[str, str]]) -> dict[str, set[int]]:
    lines: dict[str, set[int]] = {}
    for finding in findings:
        lines.setdefault(finding["rule"], set()).add(int(finding["line"]))
    return lines


@pytest.mark.parametrize(
    "path", FIXTURE_FILES, ids=lambda p: str(p.relative_to(FIXTURES / "rules"))
)
def test_fixture_annotations(path, capsys):
    expectations = read_expectations(path)
    found = _lines_by_rule(run_cli(path, capsys))
    rule_id = path.relative_to(FIXTURES / "rules").parts[0]
    problems = []
    for rid, lines in expectations.must.items():
        missing = lines - found.get(rid, set())
        if missing:
            problems.append(f"false negative: {rid} expected on lines {sorted(missing)}")
    for rid, lines in expectations.must_not.items():
        extra = lines & found.get(rid, set())
        if extra:
            problems.append(f"false positive: {rid} reported on ok lines {sorted(extra)}")
    # The rule a fixture folder is for must fire nowhere but where it is annotated.
    annotated = expectations.must.get(rule_id, set()) | expectations.todo_must_not.get(
        rule_id, set()
    )
    unexpected = found.get(rule_id, set()) - annotated
    if unexpected:
        problems.append(
            f"false positive: {rule_id} reported on unannotated lines {sorted(unexpected)}"
        )
    for rid, lines in expectations.todo_must.items():
        assert not lines <= found.get(rid, set()), f"todoruleid {rid} now fires: make it ruleid"
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_every_rule_has_violating_and_compliant_fixtures(rule_id):
    folder = FIXTURES / "rules" / rule_id
    files = [
        p
        for p in folder.iterdir()
        if p.suffix in (".yaml", ".json") and not p.name.endswith(".expect.yaml")
    ]
    assert files, f"no fixtures in {folder}"
    assert any(rule_id in read_expectations(p).must for p in files), (
        f"{rule_id} needs a ruleid case"
    )
    assert any(rule_id in read_expectations(p).must_not for p in files), (
        f"{rule_id} needs an ok case"
    )


@pytest.mark.parametrize("rule_id", sorted(set(RULE_IDS) - STRUCTURAL))
def test_every_value_rule_has_the_standard_cases(rule_id, capsys):
    folder = FIXTURES / "rules" / rule_id
    missing = [name for name in CASES if not (folder / name).is_file()]
    assert not missing, f"{rule_id}: missing fixtures {missing}"
    assert rule_id in read_expectations(folder / "parameter.yaml").must
    unknown = read_expectations(folder / "unknown.yaml")
    assert rule_id not in unknown.must and rule_id in unknown.must_not
    in_some_scenarios = [
        f
        for f in run_cli(folder / "condition.yaml", capsys)
        if f["rule"] == rule_id and "(when " in f["message"]
    ]
    assert in_some_scenarios, (
        f"{rule_id}: condition.yaml needs a finding that holds in some scenarios only"
    )


def test_every_category_has_a_json_fixture():
    with_json = {r.category for r in RULES if any((FIXTURES / "rules" / r.id).glob("*.json"))}
    missing = {r.category for r in RULES} - with_json
    assert not missing, f"categories without a JSON fixture: {missing}"
