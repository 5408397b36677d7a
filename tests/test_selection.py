"""--select / --ignore: ids, prefixes and categories; the most specific selector wins."""

from __future__ import annotations

import pytest

from iaclint.policy.loader import builtin_rules_dir, load_rule_files
from iaclint.policy.selection import SelectionError, Selector, level_overrides, select_rules

RULES = load_rule_files([builtin_rules_dir()])


def _ids(select: list[str], ignore: list[str]) -> list[str]:
    chosen = select_rules(
        RULES, [Selector(s, "--select") for s in select], [Selector(s, "--ignore") for s in ignore]
    )
    return [r.id for r in chosen]


def test_prefix_then_more_specific_id_whatever_the_order():
    assert _ids(["TPL"], ["TPL00"]) == ["TPL100"]
    # An id is more specific than a prefix: selected although its prefix is ignored.
    assert _ids(["TPL001"], ["TPL"]) == ["TPL001"]
    assert _ids(["TPL", "TPL001"], ["TPL0"]) == ["TPL001", "TPL100"]


def test_category_is_less_specific_than_a_prefix():
    limits = [r.id for r in RULES if r.category == "limits"]
    assert _ids(["limits"], []) == limits
    assert _ids(["limits"], ["LIM00"]) == [i for i in limits if not i.startswith("LIM00")]
    assert _ids(["LIM"], ["limits"]) == limits


def test_equal_specificity_ignore_wins():
    assert _ids(["TPL001"], ["TPL001"]) == []


def test_all_and_default():
    assert _ids(["ALL"], []) == [r.id for r in RULES]


def test_unknown_selector_names_its_origin():
    with pytest.raises(SelectionError) as info:
        select_rules(RULES, [Selector("XYZ", ".iaclint.yaml: at key `select[0]`")], [])
    assert str(info.value).startswith(
        ".iaclint.yaml: at key `select[0]`: unknown rule selector `XYZ`"
    )


def test_level_overrides_most_specific_wins():
    levels = level_overrides(
        RULES, {Selector("validity", "x"): "error", Selector("TPL006", "x"): "warning"}
    )
    assert levels["TPL006"] == "warning" and levels["TPL001"] == "error"


def test_cli_select_and_ignore(cli):
    from conftest import fixture_path

    path = fixture_path("examples", "web-stack.yaml")
    code, out, _ = cli("check", "--select", "TPL006,TPL008", path)
    assert code == 0
    assert [line.split()[2] for line in out.splitlines()[:-1]] == ["[TPL006]", "[TPL008]"]
    code, out, _ = cli("check", "--select", "TPL", "--ignore", "TPL001", "--ignore", "TPL0", path)
    assert out == "0 errors, 0 warnings, 0 notes in 1 template\n"
    code, _, err = cli("check", "--select", "TPL9", path)
    assert code == 2
    assert err.startswith("iaclint: --select: unknown rule selector `TPL9`")
