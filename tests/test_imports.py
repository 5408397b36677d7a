"""Start-up cost: the pre-commit case must not import what it does not use."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT, fixture_path


def _imported(*args: str) -> set[str]:
    code = (
        "import sys\n"
        "from iaclint.__main__ import main\n"
        f"rc = main({list(args)!r})\n"
        "print('\\n'.join(sorted(sys.modules)), file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    return set(result.stderr.split())


def test_version_loads_no_rules_schemas_or_networkx():
    modules = _imported("--version")
    assert not {"networkx", "jsonschema", "yaml", "iaclint.policy.loader"} & modules


def test_check_on_one_template_imports_only_what_it_uses(tmp_path, monkeypatch):
    monkeypatch.setenv("IACLINT_CACHE_DIR", str(tmp_path))
    _imported("check", fixture_path("examples", "web-stack.yaml"))  # fills the rule cache
    # a pre-commit run: rules from their cache, the template's result not yet cached
    modules = _imported("check", fixture_path("graph", "network.yaml"))
    assert list(tmp_path.glob("results/*/*.json"))
    unused = {
        "samtranslator",
        "ruamel",
        "boto3",
        "botocore",
        "iaclint.graph.export",
        "iaclint.commands.graph",
        "cfn_flip",
        # each costs a few milliseconds of a run that has no use for it
        "zipfile",  # the resource schemas are an index and a blob
        "difflib",  # suggestions only for a misspelt name
        "traceback",  # only when a rule or a file fails
        "shutil",  # only to draw the progress bar
        "_hashlib",  # OpenSSL: SHA-256 comes from CPython's own (iaclint.sha256)
    }
    assert not unused & modules
    assert "iaclint.pipeline" in modules


def test_only_sam_templates_import_the_sam_translator():
    plain = _imported("check", fixture_path("graph", "network.yaml"))
    assert not {"samtranslator", "iaclint.sam", "boto3"} & plain
    sam = _imported("check", fixture_path("sam", "function_url.yaml"))
    assert {"samtranslator", "iaclint.sam"} <= sam
    # The translator imports boto3 only for AWS clients, which iaclint never creates.
    assert not {"boto3", "botocore"} & sam


def test_jsonschema_only_for_a_template_with_schema_problems():
    valid = _imported("check", "--no-cache", fixture_path("examples", "web-stack.yaml"))
    assert "iaclint.schemas.precheck" in valid and "jsonschema" not in valid
    invalid = _imported("check", "--no-cache", fixture_path("rules", "VAL004", "bad.yaml"))
    assert "jsonschema" in invalid


_PYYAML_USES = """
import sys
if sys.argv[1] == "iaclint":
    import os
    from iaclint.__main__ import main
    main(["check", "--no-cache", "-q", "--output", os.devnull, sys.argv[2]])
import re
import yaml
print(type(yaml.reader.Reader.NON_PRINTABLE).__name__, re.compile is re._compile, file=sys.stderr)
documents = [
    "a: [1, 2.5, true, ~, 2001-12-14, 0x1F, 1_000, .inf, yes, 'x', 12:30:00, 0o17]\\nb: &x {c: 1}",
    "a: \\x07",
    "<<: {a: 1}\\nb: 2",
    "a: =",
]
for document in documents:
    for loader in (yaml.SafeLoader, yaml.CSafeLoader):
        try:
            print(repr(yaml.load(document, Loader=loader)))
        except yaml.YAMLError as exc:
            print("error", exc)
print(yaml.safe_dump({"a": [1, "2001-12-14", "yes", None, 1.5]}))
"""


def _pyyaml_uses(importer: str) -> tuple[str, str]:
    result = subprocess.run(
        [sys.executable, "-c", _PYYAML_USES, importer, fixture_path("examples", "web-stack.yaml")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return result.stdout, result.stderr


def test_pyyaml_patterns_are_compiled_on_first_use_and_behave_the_same():
    through_iaclint, state = _pyyaml_uses("iaclint")
    # the pure-Python reader's pattern is never compiled in a check; re.compile is restored
    assert state.split() == ["PatternOnFirstUse", "False"]
    assert "error unacceptable character #x0007" in through_iaclint
    plain, plain_state = _pyyaml_uses("plain")
    assert plain_state.split() == ["Pattern", "False"]
    assert through_iaclint == plain


def test_sha256_without_openssl_gives_hashlib_digests():
    import hashlib

    from iaclint.sha256 import sha256

    for data in (b"", b"iaclint", bytes(range(256)) * 1000):
        assert sha256(data).hexdigest() == hashlib.sha256(data).hexdigest()
    digest = sha256(b"a")
    digest.update(b"b")
    assert digest.hexdigest() == hashlib.sha256(b"ab").hexdigest()
