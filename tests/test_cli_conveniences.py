"""`iaclint rules`, `explain`, `--quiet`, colour on a terminal, and the progress bar."""

from __future__ import annotations

import io
import json

from conftest import ROOT, fixture_path

from iaclint.commands.progress import Progress
from iaclint.policy.docs import rule_page
from iaclint.policy.loader import builtin_rules_dir, load_rule_docs, load_rule_files
from iaclint.report.base import Report, Style
from iaclint.report.text import use_color, write_report

RULES = load_rule_files([builtin_rules_dir()])


def test_rules_lists_id_level_category_title(cli):
    code, out, _ = cli("rules")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == len(RULES)
    tpl001 = next(line for line in lines if line.startswith("TPL001"))
    assert tpl001.split()[:3] == ["TPL001", "error", "validity"]
    assert tpl001.endswith(
        "Ref, Fn::GetAtt, Fn::Sub or DependsOn names something the template does not define"
    )


def test_rules_json(cli):
    _, out, _ = cli("rules", "--format", "json")
    data = json.loads(out)
    assert [r["id"] for r in data] == [r.id for r in RULES]
    assert data[[r["id"] for r in data].index("TPL100")] == {
        "id": "TPL100",
        "name": "suppression-that-does-nothing",
        "level": "note",
        "category": "validity",
        "title": "An iaclint suppression names an unknown rule, suppresses nothing, or is not "
        "allowed",
        "security": False,
        "status": "stable",
        "selected": True,
    }


def test_explain_prints_the_rule_page(cli):
    rule = next(r for r in RULES if r.id == "TPL001")
    code, out, _ = cli("explain", "tpl001")
    assert code == 0 and out == rule_page(rule, load_rule_docs([builtin_rules_dir()])["TPL001"])
    assert out == (ROOT / "docs" / "rules" / "TPL001.md").read_text()
    code, _, err = cli("explain", "NOPE01")
    assert code == 2 and err == "iaclint: unknown rule `NOPE01`; `iaclint rules` lists them\n"


def test_quiet_prints_findings_only(cli):
    path = fixture_path("report", "stack.yaml")
    code, out, _ = cli("check", "--quiet", "--select", "TPL006", path)
    assert code == 0
    assert out == f"{path}:4:3: note [TPL006] parameter `Unused` is never referenced\n"
    code, out, _ = cli("check", "-q", fixture_path("load", "plain-config.yaml"))
    assert (code, out) == (0, "")  # no summary, no not-a-template note


def test_skip_non_templates_treats_named_files_like_a_walk(cli):
    code, out, _ = cli("check", "--skip-non-templates", fixture_path("load", "plain-config.yaml"))
    assert (code, out) == (0, "0 errors, 0 warnings, 0 notes in 0 templates\n")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _report() -> Report:
    from iaclint.findings.finding import Finding

    finding = Finding("TPL001", "error", "bad `x`", "t.yaml", 3, 5, 3, 9)
    return Report((finding,), (), (), ("t.yaml",), 0, str(ROOT))


def test_colour_only_on_a_terminal_without_no_color(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert use_color(_Terminal()) and not use_color(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_color(_Terminal())
    out = _Terminal()
    write_report(_report(), out, Style(color=True))
    first = out.getvalue().splitlines()[0]
    assert first == (
        "\x1b[1mt.yaml:3:5:\x1b[0m \x1b[1;31merror\x1b[0m \x1b[2m[TPL001]\x1b[0m bad `x`"
    )


def test_progress_bar_only_on_a_terminal_for_long_runs(monkeypatch):
    monkeypatch.setenv("TERM", "xterm")
    now = [0.0]
    terminal = _Terminal()
    progress = Progress(terminal, 3, enabled=True, clock=lambda: now[0])
    progress.advance("a.yaml")  # too early: nothing yet
    assert terminal.getvalue() == ""
    now[0] = 1.0
    progress.advance("b.yaml")
    assert "2/3" in terminal.getvalue() and terminal.getvalue().startswith("\r\x1b[K[")
    progress.close()
    assert terminal.getvalue().endswith("\r\x1b[K")
    piped = io.StringIO()
    quiet = Progress(piped, 3, enabled=True, clock=lambda: now[0] + 10)
    quiet.advance("a.yaml")
    quiet.close()
    assert piped.getvalue() == ""
