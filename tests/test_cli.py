from __future__ import annotations

import re
import shutil

import pytest
from conftest import FIXTURES, ROOT, fixture_path

LINE = re.compile(
    r"^(?P<file>[^:\n]+):(?P<line>\d+):(?P<col>\d+): "
    r"(?P<level>error|warning|note) \[(?P<rule>[\w-]+)\] (?P<message>.+)$"
)


def test_version(cli):
    code, out, _ = cli("--version")
    first, schemas = out.strip().splitlines()
    assert code == 0 and first == "iaclint 0.1.0"
    assert schemas.startswith("resource schemas: ") and "types" in schemas


def test_a_run_collects_garbage_less_often_and_restores_the_thresholds(cli, monkeypatch):
    import gc

    seen = []
    monkeypatch.setattr("iaclint.__main__._main", lambda argv: seen.append(gc.get_threshold()) or 0)
    before = gc.get_threshold()
    assert cli("--version")[0] == 0
    assert seen[0][0] == 100_000 and seen[0][1:] == before[1:]
    assert gc.get_threshold() == before


def test_the_console_script_exits_with_mains_code_without_a_last_collection(monkeypatch):
    import gc
    import tomllib

    import iaclint.__main__ as entry

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["iaclint"] == "iaclint.__main__:run"
    monkeypatch.setattr(entry, "main", lambda: 3)
    try:
        with pytest.raises(SystemExit) as exited:
            entry.run()
        assert exited.value.code == 3
        assert gc.get_freeze_count() > 0  # the exit's collection skips what is alive now
    finally:
        gc.unfreeze()


def test_clean_template_exits_0(cli):
    code, out, _ = cli("check", fixture_path("cli", "clean.yaml"))
    assert code == 0
    assert out == "0 errors, 0 warnings, 0 notes in 1 template\n"


def test_findings_are_compiler_style_lines_and_exit_1(cli):
    path = fixture_path("rules", "TPL001", "references.yaml")
    code, out, _ = cli("check", "--select", "TPL", path)
    assert code == 1
    lines = out.splitlines()
    first = LINE.match(lines[0])
    assert first and first.groupdict() == {
        "file": path,
        "line": "15",
        "col": "16",
        "level": "error",
        "rule": "TPL001",
        "message": "`Queue` uses DependsOn to `Topik`, which is not a resource, parameter or "
        "pseudo parameter; did you mean `Topic`?",
    }
    assert all(LINE.match(line) for line in lines[:-1])
    assert lines[-1] == "5 errors, 0 warnings, 0 notes in 1 template"


def test_notes_do_not_fail_by_default_but_can(cli):
    path = fixture_path("rules", "TPL006", "unused.yaml")
    assert cli("check", "--select", "TPL", path)[0] == 0
    assert cli("check", "--select", "TPL", "--fail-level", "note", path)[0] == 1


def test_unreadable_file_exits_2_and_others_are_still_checked(cli):
    code, out, _ = cli(
        "check",
        "--select",
        "TPL",
        fixture_path("load", "bad", "tabs.yaml"),
        fixture_path("rules", "TPL006", "unused.yaml"),
    )
    assert code == 2
    assert "[parse-error] tab character" in out
    assert "[TPL006]" in out
    assert out.endswith("0 errors, 0 warnings, 1 note in 1 template; 1 file could not be read\n")


def test_directory_walk_skips_tool_folders_and_non_templates(cli, tmp_path):
    shutil.copy(FIXTURES / "rules" / "TPL006" / "unused.yaml", tmp_path / "stack.yaml")
    shutil.copy(FIXTURES / "load" / "plain-config.yaml", tmp_path / "config.yml")
    (tmp_path / "notes.txt").write_text("Resources: not yaml we read")
    for skipped in (".git", "node_modules", ".aws-sam", "cdk.out"):
        (tmp_path / skipped).mkdir()
        shutil.copy(FIXTURES / "load" / "bad" / "tabs.yaml", tmp_path / skipped / "template.yaml")
    nested = tmp_path / "nested"
    nested.mkdir()
    shutil.copy(FIXTURES / "load" / "intrinsics.json", nested / "stack.template")
    code, out, _ = cli("check", "--select", "TPL", str(tmp_path))
    assert code == 0
    assert "stack.yaml:3:3: note [TPL006]" in out
    assert "stack.template" in out  # JSON read from a .template file
    assert "config.yml" not in out and "parse-error" not in out
    assert out.splitlines()[-1] == "0 errors, 0 warnings, 3 notes in 2 templates"


def test_explicit_non_template_gets_a_note(cli):
    code, out, _ = cli("check", fixture_path("load", "plain-config.yaml"))
    assert code == 0
    assert "note [not-a-template] not a CloudFormation template" in out


def test_missing_path_exits_2(cli):
    code, out, _ = cli("check", "does/not/exist.yaml")
    assert code == 2
    assert "does/not/exist.yaml:1:1: error [read-error] no such file or directory" in out


def test_stdin(cli, monkeypatch):
    import io

    monkeypatch.setattr(
        "sys.stdin", io.StringIO((FIXTURES / "rules" / "TPL002" / "getatt.yaml").read_text())
    )
    code, out, _ = cli("check", "--select", "TPL", "-")
    assert code == 1
    assert out.startswith("-:10:18: error [TPL002]")


def test_bad_parameter_option_is_a_usage_error(cli):
    code, _, err = cli("check", "--parameter", "novalue", fixture_path("graph", "network.yaml"))
    assert code == 2
    assert "expected Name=Value, got `novalue`" in err


def test_usage_error_without_paths(cli):
    code, _, err = cli("check")
    assert code == 2
    assert "Missing argument" in err


def test_parameter_and_region_reach_the_resolver(cli):
    path = fixture_path("rules", "TPL004", "conditions.yaml")
    code, out, _ = cli("check", "--parameter", "Env=prod", "--region", "eu-west-1", path)
    assert code == 1 and "[TPL004]" in out


def test_graph_command(cli):
    code, out, _ = cli("graph", "--format", "dot", fixture_path("graph", "network.yaml"))
    assert code == 0 and out.startswith("digraph template {")
    code, _, err = cli("graph", fixture_path("load", "bad", "tabs.yaml"))
    assert code == 2 and "tab character" in err


def test_a_rule_that_raises_is_an_analysis_error_and_the_run_goes_on(cli, monkeypatch):
    from iaclint.policy import registry

    monkeypatch.setitem(registry.CHECKS, "unused_mapping", "tests_boom:explode")
    monkeypatch.syspath_prepend(str(FIXTURES.parent / "tests"))
    import sys
    import types

    module = types.ModuleType("tests_boom")

    def explode(ctx):
        raise ValueError("boom")

    module.explode = explode
    monkeypatch.setitem(sys.modules, "tests_boom", module)
    code, out, _ = cli(
        "check",
        fixture_path("rules", "TPL006", "unused.yaml"),
        fixture_path("graph", "network.yaml"),
    )
    assert code == 2
    assert "error [analysis-error] rule TPL007 failed on this template: ValueError: boom" in out
    assert "[TPL006]" in out  # the other rules still ran


def test_terminal_control_characters_are_escaped(cli):
    _, out, _ = cli("check", "--fail-level", "note", fixture_path("load", "control-chars.yaml"))
    assert "\x1b" not in out
    assert "Evil\\x1b[2J" in out
