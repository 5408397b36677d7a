"""Compare two commits of iaclint on one command, runs interleaved so drift hits both alike.

    python benchmarks/ab.py BASE [HEAD] [--runs N] -- check --no-cache -q ../shared/corpus

Checks out each revision into a temporary worktree, then runs `python -m iaclint ARGS` from
each in turn (A B, then B A, ...) and prints the median wall and CPU seconds of each and
their ratios. Where `perf` can count this user's instructions, it also prints the user-space
instructions of one run of each: unlike time on a shared machine (whose speed here drifted
by 2x within a day), that count repeats to within a fraction of a percent, so it shows a
change of a few percent that the clock cannot. Both revisions run with this interpreter.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _worktree(revision: str, into: Path) -> Path:
    path = into / revision.replace("/", "_")
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(path), revision],
        check=True,
    )
    return path


def _env() -> dict[str, str]:
    # Byte-code caching on, as on a user's machine (the first, warm-up run writes it).
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _timed(where: Path, args: list[str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "iaclint", *args],
        cwd=where,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _instructions(where: Path, args: list[str]) -> int | None:
    if shutil.which("perf") is None:
        return None
    counter = ["perf", "stat", "-x", ",", "-e", "instructions:u", "--"]
    done = subprocess.run(
        [*counter, sys.executable, "-m", "iaclint", *args],
        cwd=where,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    for line in done.stderr.splitlines():
        count = line.split(",", 1)[0]
        if "instructions" in line and count.isdigit():
            return int(count)
    return None  # perf is there but may not count (perf_event_paranoid, a container)


def main() -> int:
    argv = sys.argv[1:]
    if "--" not in argv:
        print("usage: ab.py BASE [HEAD] [--runs N] -- IACLINT-ARGS...", file=sys.stderr)
        return 2
    split = argv.index("--")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base")
    parser.add_argument("head", nargs="?", default="HEAD")
    parser.add_argument("--runs", type=int, default=10, help="runs of each (default 10)")
    options = parser.parse_args(argv[:split])
    # Paths in the command are taken from here, whichever worktree runs it.
    args = [os.path.abspath(a) if os.path.exists(a) else a for a in argv[split + 1 :]]
    with tempfile.TemporaryDirectory(prefix="iaclint-ab-") as tmp:
        trees = {name: _worktree(name, Path(tmp)) for name in (options.base, options.head)}
        try:
            wall: dict[str, list[float]] = {name: [] for name in trees}
            cpu: dict[str, list[float]] = {name: [] for name in trees}
            for where in trees.values():
                _timed(where, args)  # warm-up: byte-code, rule cache
            order = list(trees)
            for run in range(options.runs):
                for name in order if run % 2 == 0 else order[::-1]:
                    w, c = _timed(trees[name], args)
                    wall[name].append(w)
                    cpu[name].append(c)
            base, head = order
            for name in order:
                count = _instructions(trees[name], args)
                shown = f", {count / 1e6:,.0f} M instructions" if count else ""
                print(
                    f"{name}: wall median {statistics.median(wall[name]):.3f} s, "
                    f"cpu median {statistics.median(cpu[name]):.3f} s{shown}"
                )
            print(
                f"{head}/{base}: wall "
                f"{statistics.median(wall[head]) / statistics.median(wall[base]):.3f}, cpu "
                f"{statistics.median(cpu[head]) / statistics.median(cpu[base]):.3f}"
            )
        finally:
            for where in trees.values():
                subprocess.run(
                    ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(where)],
                    check=False,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
