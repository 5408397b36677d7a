"""Every example in README.md, run in a copy of fixtures/readme/.

Each `iaclint ...` line of a ```sh block (and each `run: iaclint ...` of the workflow example)
is run in-process and must exit as EXPECTED says; a ```text block right after a one-command
```sh block is that command's exact output. The configuration and suppression examples are
run too. A command added to the README without an entry here fails the test.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import shlex
import shutil

import pytest
import yaml
from conftest import FIXTURES, ROOT

README = (ROOT / "README.md").read_text()
BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.S)

EXPECTED = {
    "iaclint check template.yaml": 1,
    "iaclint check stacks/ template.yaml": 1,
    "iaclint check - < template.yaml": 1,
    "iaclint check --parameter Environment=prod --region eu-west-1 template.yaml": 1,
    "iaclint check --fail-level note stacks/": 0,
    "iaclint check --quiet template.yaml": 1,
    "iaclint check --jobs 2 stacks/": 0,
    "iaclint check --no-cache stacks/ template.yaml": 1,
    "iaclint check --select TPL --ignore TPL006 template.yaml": 1,
    "iaclint check --rules-dir my-rules/ --select ORG001 template.yaml": 1,
    "iaclint rules": 0,
    "iaclint rules --format json": 0,
    "iaclint explain TPL001": 0,
    "iaclint --version": 0,
    "iaclint graph template.yaml --format mermaid": 0,
    "iaclint check --format text --format sarif=iaclint.sarif stacks/ template.yaml": 1,
    "iaclint check --format json --output report.json template.yaml": 1,
    "iaclint check --format github template.yaml": 1,
    "iaclint check --format junit=junit.xml stacks/ template.yaml": 1,
    "iaclint check --format github --format sarif=iaclint.sarif stacks/ template.yaml": 1,
    "iaclint config --show": 0,
    "iaclint baseline write .iaclint-baseline.json stacks/ template.yaml": 0,
    "iaclint check --baseline .iaclint-baseline.json stacks/ template.yaml": 0,
}


def _blocks() -> list[tuple[str, str]]:
    return BLOCK.findall(README)


def _commands() -> list[str]:
    commands = []
    for lang, body in _blocks():
        if lang == "sh":
            commands += [line.strip() for line in body.splitlines() if line.startswith("iaclint ")]
        if lang == "yaml" and "jobs:" in body:
            for job in yaml.safe_load(body)["jobs"].values():
                commands += [
                    s["run"] for s in job["steps"] if s.get("run", "").startswith("iaclint")
                ]
    return commands


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    target = tmp_path / "project"
    shutil.copytree(FIXTURES / "readme", target)
    monkeypatch.chdir(target)
    return target


def _run(cli, monkeypatch, command: str) -> tuple[int, str, str]:
    args = shlex.split(command)[1:]
    if "<" in args:
        at = args.index("<")
        with open(args[at + 1]) as source:
            monkeypatch.setattr("sys.stdin", io.StringIO(source.read()))
        args = args[:at]
    return cli(*args)


def test_every_readme_command_is_expected():
    assert sorted(set(_commands())) == sorted(EXPECTED)


def test_readme_commands_exit_as_expected(cli, sandbox, monkeypatch):
    for command in _commands():
        code, out, err = _run(cli, monkeypatch, command)
        assert code == EXPECTED[command], f"{command}: exit {code}\n{out}{err}"
    # What the examples wrote.
    assert json.loads((sandbox / "iaclint.sarif").read_text())["version"] == "2.1.0"
    assert json.loads((sandbox / "report.json").read_text())["version"] == 1
    assert (sandbox / "junit.xml").read_text().startswith("<?xml")


def test_shown_output_is_exact(cli, sandbox, monkeypatch):
    blocks = _blocks()
    shown = 0
    for (lang, body), (next_lang, output) in itertools.pairwise(blocks):
        lines = [line for line in body.splitlines() if line.startswith("iaclint ")]
        if lang == "sh" and next_lang == "text" and len(lines) == 1:
            assert _run(cli, monkeypatch, lines[0])[1] == output, lines[0]
            shown += 1
    assert shown >= 1


def test_configuration_examples_are_valid(cli, sandbox):
    yaml_config = next(b for lang, b in _blocks() if lang == "yaml" and "per-file-parameters" in b)
    (sandbox / ".iaclint.yaml").write_text(yaml_config)
    code, out, err = cli("config", "--show")
    assert (code, err) == (0, "")
    shown = yaml.safe_load(out)
    assert shown["ignore"] == ["TPL006"] and shown["severity"] == {"TPL008": "warning"}
    assert shown["suppressions"] == {"allow-in-template": True, "require-reason": True}
    (sandbox / ".iaclint.yaml").unlink()
    toml = next(b for lang, b in _blocks() if lang == "toml")
    (sandbox / "pyproject.toml").write_text(toml)
    code, out, _ = cli("config", "--show")
    assert code == 0 and yaml.safe_load(out)["fail-level"] == "error"


def test_suppression_example_suppresses_everything_it_names(cli, sandbox):
    example = next(b for lang, b in _blocks() if lang == "yaml" and "ignore[ENC001]" in b)
    (sandbox / "suppressed.yaml").write_text(example)
    code, out, _ = cli("check", "--select", "ALL", "--fail-level", "note", "suppressed.yaml")
    lines = out.splitlines()
    assert "[TPL006]" not in out and "[ENC001]" not in out and "[TPL100]" not in out
    assert lines[-1].endswith("; 3 suppressed")
    assert code in (0, 1)  # other rules may have their say about this example


def test_json_report_doc_example_is_real_output(cli, sandbox):
    doc = (ROOT / "docs" / "json-report.md").read_text()
    [example] = re.findall(r"```json\n(.*?)```", doc, re.S)
    _, out, _ = cli("check", "--format", "json", "--select", "TPL001", "template.yaml")
    assert json.loads(example) == json.loads(out)


def test_quick_start_example(cli, monkeypatch):
    """`iaclint check fixtures/examples` from a checkout: an error among the findings, exit 1."""
    monkeypatch.chdir(ROOT)
    assert "check fixtures/examples" in README
    code, out, _ = cli("check", "fixtures/examples")
    assert code == 1 and " error [TPL001] " in out
