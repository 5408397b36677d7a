"""Configuration: discovery, validation with breadcrumbs, and CLI flags over the file."""

from __future__ import annotations

import shutil

import pytest
from conftest import FIXTURES

from iaclint.config.load import ConfigError, load_config

PROJECT = FIXTURES / "config" / "project"


@pytest.fixture
def project(tmp_path, monkeypatch):
    target = tmp_path / "project"
    shutil.copytree(PROJECT, target)
    monkeypatch.chdir(target)
    return target


def test_found_upward_and_applied(cli, project, monkeypatch):
    monkeypatch.chdir(project / "stacks")
    code, out, _ = cli("check", ".")
    assert code == 1
    # per-file-parameters make Environment=prod for prod/ only: the Fn::If picks `false`.
    assert out.splitlines() == [
        "./prod/app.yaml:14:38: error [ENC001] RDS instance `Database` does not encrypt its "
        "storage (`StorageEncrypted` is false)",
        "1 error, 0 warnings, 0 notes in 2 templates",
    ]


def test_exclude_select_ignore_severity_and_require_reason(cli, project):
    code, out, _ = cli("check", ".")
    assert code == 1
    lines = out.splitlines()
    assert not any("generated" in line for line in lines)  # exclude
    assert not any("TPL008" in line for line in lines)  # ignore
    assert "./sub/unused.yaml:2:3: warning [TPL006] parameter `Unused` is never referenced" in lines
    assert (
        "./sub/unused.yaml:8:28: note [TPL100] suppression `ignore[TPL006]` is not applied: "
        "it gives no reason, and .iaclint.yaml requires one"
    ) in lines
    # An excluded file is skipped even when named, so the pre-commit hook honours exclude.
    assert cli("check", "generated/out.yaml")[1] == "0 errors, 0 warnings, 0 notes in 0 templates\n"


def test_cli_flags_override_the_file(cli, project):
    code, out, _ = cli(
        "check",
        "--select",
        "TPL",
        "--ignore",
        "TPL006",
        "--parameter",
        "Environment=prod",
        "--fail-level",
        "error",
        ".",
    )
    assert code == 0
    assert out.splitlines()[-1] == "0 errors, 0 warnings, 2 notes in 3 templates"
    code, out, _ = cli("check", "--select", "ENC001", "--parameter", "Environment=prod", "stacks")
    assert out.count("[ENC001]") == 2  # the flag beats per-file-parameters


def test_config_show_prints_effective_settings(cli, project):
    import yaml

    code, out, _ = cli("config", "--show")
    assert code == 0
    assert out.startswith("# configuration: .iaclint.yaml\n")
    shown = yaml.safe_load(out)
    assert shown["select"] == ["TPL", "ENC001"]
    assert shown["severity"] == {"TPL006": "warning"}
    assert shown["region"] == "eu-west-1"
    assert shown["suppressions"] == {"allow-in-template": True, "require-reason": True}
    assert "TPL008" not in shown["rules"] and "ENC001" in shown["rules"]


def test_pyproject_table(cli, tmp_path, monkeypatch):
    shutil.copytree(FIXTURES / "config" / "pyproject", tmp_path / "p")
    monkeypatch.chdir(tmp_path / "p")
    code, out, _ = cli("check", "--select", "TPL", "unused.yaml")
    assert code == 1  # fail-level note from [tool.iaclint]
    assert "TPL006" not in out and "[TPL008]" in out
    assert cli("config", "--show")[1].startswith("# configuration: pyproject.toml [tool.iaclint]")


def test_pyproject_without_the_table_is_passed_over(tmp_path, monkeypatch):
    (tmp_path / ".iaclint.yaml").write_text("region: eu-west-2\n")
    inner = tmp_path / "inner"
    inner.mkdir()
    (inner / "pyproject.toml").write_text('[project]\nname = "x"\n')
    config = load_config(cwd=str(inner))
    assert config.source == str(tmp_path / ".iaclint.yaml") and config.region == "eu-west-2"


def test_validation_error_names_file_and_key(cli, tmp_path, monkeypatch):
    shutil.copy(FIXTURES / "config" / "bad-key.iaclint.yaml", tmp_path / ".iaclint.yaml")
    monkeypatch.chdir(tmp_path)
    code, _, err = cli("check", ".")
    assert code == 2
    assert err == (
        "iaclint: .iaclint.yaml: at key `suppressions.require-reason`: "
        "'yes please' is not of type 'boolean'\n"
    )
    (tmp_path / ".iaclint.yaml").write_text("fail_level: note\n")
    code, _, err = cli("check", ".")
    assert err == (
        "iaclint: .iaclint.yaml: at key `(top level)`: Additional properties are not allowed "
        "('fail_level' was unexpected)\n"
    )


def test_unknown_selector_says_where_it_came_from(cli, tmp_path, monkeypatch):
    shutil.copy(FIXTURES / "config" / "unknown-selector.iaclint.yaml", tmp_path / ".iaclint.yaml")
    monkeypatch.chdir(tmp_path)
    code, _, err = cli("check", ".")
    assert code == 2
    assert err.startswith(
        "iaclint: .iaclint.yaml: at key `ignore[1]`: unknown rule selector `NOPE1`"
    )
    code, _, err = cli("check", "--config", str(tmp_path / ".iaclint.yaml"), "--ignore", "ZZZ", ".")
    assert err.startswith("iaclint: --ignore: unknown rule selector `ZZZ`")


def test_explicit_config_file_and_missing_file(cli, tmp_path):
    code, _, err = cli("check", "--config", str(tmp_path / "nope.yaml"), ".")
    assert code == 2 and "cannot read configuration" in err
    with pytest.raises(ConfigError, match="invalid YAML"):
        (tmp_path / "bad.yaml").write_text("select: [\n")
        load_config(str(tmp_path / "bad.yaml"))
