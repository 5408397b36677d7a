"""Worker processes and the result cache: same output, whatever the path to it."""

from __future__ import annotations

import os
import shutil
import time

import pytest
from conftest import FIXTURES

RULE_FIXTURES = ["ENC001", "NET001", "IAM001", "LOG001", "TPL001", "LIM007", "HA005", "ENC013"]


@pytest.fixture
def project(tmp_path):
    for rule_id in RULE_FIXTURES:
        shutil.copytree(FIXTURES / "rules" / rule_id, tmp_path / rule_id)
    return tmp_path


def test_jobs_do_not_change_the_output(cli, project):
    one = cli("check", "--no-cache", "--jobs", "1", "--format", "json", str(project))
    two = cli("check", "--no-cache", "--jobs", "2", "--format", "json", str(project))
    assert one == two
    assert one[0] == 1 and '"ENC001"' in one[1] and '"LIM007"' in one[1]


def _mixed_project(project):
    sam = FIXTURES / "sam"
    for name in ("implicit_api.yaml", "function_url.yaml", "state_machine.yaml"):
        shutil.copy(sam / name, project / f"sam-{name}")
    return project


def test_workers_keep_the_order_with_sam_and_plain_templates_mixed(cli, project):
    _mixed_project(project)
    one = cli("check", "--no-cache", "--jobs", "1", "--format", "json", str(project))
    for jobs in ("2", "3"):
        assert cli("check", "--no-cache", "--jobs", jobs, "--format", "json", str(project)) == one
    assert '"SAM' in one[1] or "sam-" in one[1]


def test_standard_input_with_other_files_and_workers(cli, project, monkeypatch):
    import io

    bad = FIXTURES / "rules" / "ENC001" / "bad.yaml"
    monkeypatch.setattr("sys.stdin", io.StringIO(bad.read_text()))
    code, out, _ = cli("check", "--no-cache", "--jobs", "2", "-", str(project))
    assert code == 1
    from_stdin = [line for line in out.splitlines() if line.startswith("-:")]
    assert any("[ENC001]" in line for line in from_stdin), out


def test_unchanged_files_come_from_the_cache(cli, project, monkeypatch):
    first = cli("check", "--jobs", "1", str(project))

    def must_not_run(*args, **kwargs):
        raise AssertionError("lint_file ran for a cached file")

    monkeypatch.setattr("iaclint.pipeline.lint_file", must_not_run)
    assert cli("check", "--jobs", "1", str(project)) == first


def test_a_changed_file_is_checked_again(cli, project):
    before = cli("check", "--jobs", "1", str(project / "ENC001"))
    bad = project / "ENC001" / "bad.yaml"
    bad.write_text(bad.read_text().replace("StorageEncrypted: false", "StorageEncrypted: true"))
    after = cli("check", "--jobs", "1", str(project / "ENC001"))
    assert before[1].count("[ENC001]") == after[1].count("[ENC001]") + 1


def test_no_cache_checks_every_file(cli, project, monkeypatch):
    cli("check", "--jobs", "1", str(project))
    calls = []
    import iaclint.pipeline as pipeline

    real = pipeline.lint_file

    def counting(*args, **kwargs):
        calls.append(args[0].path)
        return real(*args, **kwargs)

    monkeypatch.setattr("iaclint.pipeline.lint_file", counting)
    cli("check", "--no-cache", "--jobs", "1", str(project))
    assert sorted(calls) == sorted(
        str(p) for p in project.rglob("*") if p.suffix in (".yaml", ".json")
    )


def test_the_cache_prunes_entries_unused_for_thirty_days(tmp_path):
    from iaclint.runner.result_cache import PRUNE_EVERY, UNUSED_FOR, ResultCache

    cache = ResultCache("context", tmp_path)
    now = time.time()
    old, used, fresh = (cache.key(name, b"x") for name in ("old", "used", "fresh"))
    for key in (old, used, fresh):
        cache.put(key, (), (), True)
    entry = {key: tmp_path / "results" / key[:2] / f"{key}.json" for key in (old, used)}
    for path in entry.values():
        os.utime(path, (now - UNUSED_FOR - 60, now - UNUSED_FOR - 60))
    assert cache.get(used) is not None  # a hit keeps an entry alive
    assert cache.prune(now) == 1
    assert cache.get(old) is None and cache.get(used) and cache.get(fresh)
    # At most once a day: a second run the same day walks nothing.
    cache.put(old, (), (), True)
    os.utime(tmp_path / "results" / old[:2] / f"{old}.json", (0, 0))
    assert cache.prune(now + PRUNE_EVERY - 1) == 0
    assert cache.prune(now + PRUNE_EVERY + 1) == 1


def test_pruning_ignores_a_missing_or_odd_cache(tmp_path):
    from iaclint.runner.result_cache import ResultCache

    assert ResultCache("context", tmp_path / "none").prune() == 0
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "stray-file").write_text("")
    assert ResultCache("context", tmp_path).prune() == 0


# Runs iaclint in a child process whose worker processes die (os._exit) on every file named
# `crash*`; this process only waits for it, with a timeout, so a hang fails the test.
_DYING_WORKERS = """
import os, sys
import iaclint.pipeline as pipeline
main_pid = os.getpid()
real = pipeline.lint_file
def lint_file(candidate, *args, **kwargs):
    if os.getpid() != main_pid and os.path.basename(candidate.path).startswith("crash"):
        os._exit(9)
    return real(candidate, *args, **kwargs)
pipeline.lint_file = lint_file
from iaclint.__main__ import main
sys.exit(main(sys.argv[1:]))
"""


def _run_with_dying_workers(*args: str) -> tuple[int, str]:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _DYING_WORKERS, *args],
        capture_output=True,
        text=True,
        timeout=240,
    )
    return done.returncode, done.stdout


def _sam_like_crash_files(project, count):
    # SAM-like (they name the transform), so the worker lane takes them first.
    source = (FIXTURES / "sam" / "implicit_api.yaml").read_text()
    for number in range(count):
        (project / f"crash{number}.yaml").write_text(source)


def test_a_worker_that_dies_costs_only_its_file(project):
    _sam_like_crash_files(project, 1)
    code, out = _run_with_dying_workers("check", "--no-cache", "--jobs", "2", str(project))
    assert code == 2  # the lost file is an analysis error
    crash = str(project / "crash0.yaml")
    assert f"{crash}:1:1: error [internal-error]" in out
    assert "stopped unexpectedly" in out
    others = [line for line in out.splitlines() if not line.startswith(crash)]
    (project / "crash0.yaml").unlink()
    _, alone = _run_with_dying_workers("check", "--no-cache", "--jobs", "1", str(project))
    # every other file was checked, by this process or a replacement worker
    assert [line for line in others if "[" in line] == [
        line for line in alone.splitlines() if "[" in line
    ]


def test_workers_that_keep_dying_are_replaced_then_given_up(project):
    # Three workers die (the first and two replacements); the main process checks the rest,
    # where nothing dies.
    _sam_like_crash_files(project, 6)
    code, out = _run_with_dying_workers("check", "--no-cache", "--jobs", "2", str(project))
    assert code == 2
    lost = [line for line in out.splitlines() if "stopped unexpectedly" in line]
    assert len(lost) == 3, out
    checked = {line.split(":", 1)[0] for line in out.splitlines() if "[SAM" in line}
    crashed = {line.split(":", 1)[0] for line in lost}
    assert len(crashed) == 3 and not checked & crashed
    assert len({p for p in checked if os.path.basename(p).startswith("crash")}) == 3, out


def test_the_queue_gives_each_lane_its_own_list_first():
    from iaclint.runner.parallel import _Queue

    queue = _Queue(sam=[0, 1, 2], plain=[3, 4, 5])
    assert queue.take(sam_lane=True) == 0 and queue.take(sam_lane=False) == 3
    # a lane whose list is empty takes from the back of the other one
    assert [queue.take(sam_lane=True) for _ in range(3)] == [1, 2, 5]
    queue.give_back(2, sam_lane=True)
    assert [queue.take(sam_lane=False) for _ in range(4)] == [4, 2, None, None]


# Runs iaclint in a child process whose worker takes 0.5 s for every file, and prints to
# standard error the file each process checked.
_SLOW_WORKER = """
import os, sys, time
import iaclint.pipeline as pipeline
main_pid = os.getpid()
real = pipeline.lint_file
def lint_file(candidate, *args, **kwargs):
    here = os.getpid() == main_pid
    if not here:
        time.sleep(0.5)
    print("main" if here else "worker", candidate.path, file=sys.stderr, flush=True)
    return real(candidate, *args, **kwargs)
pipeline.lint_file = lint_file
from iaclint.__main__ import main
sys.exit(main(sys.argv[1:]))
"""


def test_the_main_process_takes_back_jobs_a_slow_worker_has_not_started(project):
    import subprocess
    import sys

    def run(*args: str) -> tuple[str, list[str]]:
        done = subprocess.run(
            [sys.executable, "-c", _SLOW_WORKER, *args], capture_output=True, text=True, timeout=240
        )
        return done.stdout, done.stderr.splitlines()

    out, checked = run("check", "--no-cache", "--jobs", "2", str(project))
    files = [line.split(" ", 1)[1] for line in checked]
    assert len(files) == len(set(files)) > 6  # each file checked once
    worker = [line for line in checked if line.startswith("worker ")]
    # The worker was handed six jobs at the start; the main process, done with the rest long
    # before the worker with its first two, took back those it had not started (all but the
    # two already passed to the worker process; more if this machine is slow).
    assert 1 <= len(worker) <= 4, checked
    assert out == run("check", "--no-cache", "--jobs", "1", str(project))[0]


def test_the_cache_follows_the_selection_the_levels_and_the_rule_files(
    cli, project, tmp_path, monkeypatch
):
    """A cached result serves only the same rules: another selection, another level or an
    edited rule file checks the file again, and the output shows the change."""
    import iaclint.pipeline as pipeline
    from iaclint.policy.loader import builtin_rules_dir

    real = pipeline.lint_file
    calls = []

    def counting(*args, **kwargs):
        calls.append(args[0].path)
        return real(*args, **kwargs)

    monkeypatch.setattr("iaclint.pipeline.lint_file", counting)
    rules = tmp_path / "rules"
    rules.mkdir()
    custom = rules / "ORG001.yaml"
    source = (builtin_rules_dir() / "ENC001.yaml").read_text()
    custom.write_text(
        source.replace("id: ENC001", "id: ORG001").replace("name: rds-", "name: org-")
    )
    template = str(project / "ENC001" / "bad.yaml")
    selected = ("check", "--rules-dir", str(rules), "--select", "ENC001,ORG001", template)

    first = cli(*selected)
    assert "[ORG001]" in first[1] and "[ENC001]" in first[1] and len(calls) == 1
    assert cli(*selected) == first and len(calls) == 1  # the same rules: from the cache

    narrower = cli("check", "--rules-dir", str(rules), "--select", "ENC001", template)
    assert "[ORG001]" not in narrower[1] and len(calls) == 2

    config = tmp_path / "iaclint.yaml"
    config.write_text("severity:\n  ORG001: note\n")
    quieter = cli(*selected[:-1], "--config", str(config), template)
    assert "note [ORG001]" in quieter[1] and len(calls) == 3

    custom.write_text(custom.read_text().replace("does not encrypt its storage", "is plain"))
    os.utime(custom, ns=(1, 2))  # a different mtime even within the clock's resolution
    edited = cli(*selected)
    assert "is plain" in edited[1] and len(calls) == 4


def test_the_code_signature_covers_code_and_data_but_not_bytecode(tmp_path):
    from iaclint.runner.result_cache import _package_files

    for name in ("a.py", "sub/b.json", "sub/data/c.bin", "sub/d.yaml", "__pycache__/a.pyc"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name)
    (tmp_path / "notes.txt").write_text("not code")
    root = str(tmp_path)
    listed = sorted(_package_files(root, len(root) + 1))
    assert [entry[0] for entry in listed] == ["a.py", "sub/b.json", "sub/d.yaml", "sub/data/c.bin"]
    assert listed[0][1] == len("a.py")
