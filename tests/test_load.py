from __future__ import annotations

import time

import pytest
from conftest import FIXTURES, fixture_path

from iaclint.load import LoadError, load_path, load_text
from iaclint.load.events import MAX_DEPTH


def _data(name: str):
    return load_path(str(FIXTURES / "load" / name)).data


def test_short_form_intrinsics_equal_json_long_form():
    assert _data("intrinsics.yaml") == _data("intrinsics.json")


def test_getatt_dotted_string_splits_at_first_dot():
    tags = _data("intrinsics.yaml")["Resources"]["Topic"]["Properties"]["Tags"]
    assert tags[1]["Value"] == {"Fn::GetAtt": ["Bucket", "Endpoint.Address"]}


def test_yaml_positions_for_keys_and_values():
    doc = load_path(str(FIXTURES / "load" / "intrinsics.yaml"))
    path = ("Resources", "Topic", "Properties", "KmsMasterKeyId")
    assert doc.spans.key_span(path)[:2] == (30, 7)
    # the value span covers the tagged scalar `!GetAtt Bucket.Arn`
    assert doc.spans.value_span(path) == (30, 23, 30, 41)
    # inside a short-form tag, the long-form path points at the same place
    assert doc.spans.value_span((*path, "Fn::GetAtt"))[:2] == (30, 23)


def test_json_positions_for_keys_and_values():
    doc = load_path(str(FIXTURES / "load" / "intrinsics.json"))
    path = ("Resources", "Topic", "Properties", "KmsMasterKeyId")
    lines = (FIXTURES / "load" / "intrinsics.json").read_text().splitlines()
    line, column = doc.spans.key_span(path)[:2]
    assert lines[line - 1][column - 1 :].startswith('"KmsMasterKeyId"')
    line, column = doc.spans.value_span((*path, "Fn::GetAtt", 1))[:2]
    assert lines[line - 1][column - 1 :].startswith('"Arn"')


def test_nearest_falls_back_to_parent():
    doc = load_path(str(FIXTURES / "load" / "intrinsics.yaml"))
    found, span = doc.spans.nearest(("Resources", "Bucket", "Properties", "Missing"))
    assert found == ("Resources", "Bucket")
    assert span[0] == 22


def test_scalars_follow_yaml_1_1_like_cloudformation():
    doc = load_text("A: 2010-09-09\nB: '01'\nC: 0x1F\nD: yes\nE: 1.5\nF:\nG: '8080'\n", "x.yaml")
    assert doc.data == {
        "A": "2010-09-09",
        "B": "01",
        "C": 31,
        "D": True,
        "E": 1.5,
        "F": None,
        "G": "8080",
    }


@pytest.mark.parametrize(
    ("name", "line", "column", "message"),
    [
        ("duplicate-key.yaml", 4, 3, "duplicate key `Topic` (first defined at line 2)"),
        ("duplicate-key.json", 4, 5, "duplicate key `Topic` (first defined at line 3)"),
        ("tabs.yaml", 3, 1, "tab character where YAML needs spaces for indentation"),
        ("unclosed-bracket.yaml", 6, 1, "did not find expected ',' or ']'"),
        ("trailing-comma.json", 3, 41, "trailing comma is not allowed in JSON"),
        ("unclosed.json", 4, 1, "the file ends before its brackets are closed"),
        ("empty.yaml", 1, 1, "file is empty"),
        ("non-utf8.yaml", 5, 21, "file is not valid UTF-8 (byte 0xe9"),
        ("python-tag.yaml", 5, 18, "is not a CloudFormation tag; iaclint never constructs"),
        ("two-documents.yaml", 4, 1, "a template is a single YAML document"),
        ("alias-bomb.yaml", 5, 45, "YAML aliases expand to more than 100,000 values"),
    ],
)
def test_bad_input_is_a_diagnostic_with_position(name, line, column, message):
    with pytest.raises(LoadError) as info:
        load_path(fixture_path("load", "bad", name))
    diagnostic = info.value.diagnostic
    assert (diagnostic.line, diagnostic.column) == (line, column)
    assert message in diagnostic.message
    assert diagnostic.path.endswith(name)


def test_alias_bomb_is_refused_quickly():
    start = time.perf_counter()
    with pytest.raises(LoadError):
        load_path(fixture_path("load", "bad", "alias-bomb.yaml"))
    assert time.perf_counter() - start < 1.0


def test_deep_nesting_is_refused_without_crashing():
    # libyaml's own composer segfaults on this; the event builder must not. libyaml 0.2.6
    # (PyYAML 6.0.4) refuses flow nesting past 1,000 levels itself, while looking ahead for
    # a key, before the builder's limit is reached; older versions leave it to the builder.
    text = "Resources: " + "[" * 100_000 + "]" * 100_000 + "\n"
    with pytest.raises(LoadError) as info:
        load_text(text, "deep.yaml")
    diagnostic = info.value.diagnostic
    assert diagnostic.line == 1 and diagnostic.column > 1
    assert (
        "nesting is deeper than" in diagnostic.message
        or "exceeded maximum nesting depth" in diagnostic.message
    )


def test_block_nesting_past_the_builders_limit_is_refused_where_it_happens():
    depth = MAX_DEPTH + 10
    text = "Resources:\n" + "".join(f"{' ' * (level + 1)}k{level}:\n" for level in range(depth))
    text += " " * (depth + 1) + "leaf\n"
    with pytest.raises(LoadError) as info:
        load_text(text, "deep.yaml")
    diagnostic = info.value.diagnostic
    assert diagnostic.message == f"nesting is deeper than {MAX_DEPTH} levels"
    assert diagnostic.line == MAX_DEPTH + 1


def test_bom_and_crlf_are_read():
    doc = load_path(fixture_path("load", "bom-crlf.yaml"))
    assert doc.data["Resources"]["Topic"]["Type"] == "AWS::SNS::Topic"
    assert doc.spans.key_span(("Parameters", "Name"))[:2] == (7, 3)


def test_rain_module_tags_are_unknown_with_a_warning():
    doc = load_text("Resources:\n  M:\n    Type: !Rain::Module ./vpc.yml\n", "t.yaml")
    assert doc.data["Resources"]["M"]["Type"] == {"!Rain::Module": "./vpc.yml"}
    assert doc.notes[0].code == "unsupported-tag"
    assert (doc.notes[0].line, doc.notes[0].column) == (3, 11)


def test_oversized_file_is_refused_before_reading(tmp_path):
    big = tmp_path / "big.json"
    with big.open("wb") as handle:
        handle.truncate(11 * 1024 * 1024)
    with pytest.raises(LoadError) as info:
        load_path(str(big))
    assert "iaclint reads templates up to 10 MB" in info.value.diagnostic.message


def test_read_at_most_reads_files_and_pipes_up_to_the_limit(tmp_path):
    import os
    import threading

    from iaclint.load.reader import read_at_most

    small = tmp_path / "small.yaml"
    small.write_bytes(b"Resources: {}\n")
    assert read_at_most(str(small), 1000) == b"Resources: {}\n"
    assert read_at_most(str(small), 5) == b"Resou"
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * 200_000)
    assert read_at_most(str(big), 150_001) == b"x" * 150_001
    assert read_at_most(str(big), 10**7) == b"x" * 200_000
    # A pipe's size is 0: everything written to it is still read, up to the limit.
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)

    def write() -> None:
        try:
            with open(fifo, "wb") as handle:
                handle.write(b"y" * 100_000)
        except BrokenPipeError:
            pass  # the reader stopped at its limit

    writer = threading.Thread(target=write)
    writer.start()
    assert read_at_most(str(fifo), 80_000) == b"y" * 80_000
    writer.join(timeout=10)
