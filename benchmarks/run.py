"""Time iaclint against cfn-lint and checkov on ../shared/corpus, in one run on this machine.

    python benchmarks/run.py [--corpus DIR] [--runs N] [--markdown FILE]

Measures, for each tool that is installed (and says which are not): the whole corpus in one
process and one small template (the pre-commit case), `--runs` times each, reporting the
median wall time, the peak resident memory of the run, and ratios against each peer and
against a parse-only floor measured here (libyaml composing every template, nothing else).
iaclint runs with `--no-cache` there, as the peers cache nothing; one more row runs it as the
pre-commit hook does (`iaclint check --skip-non-templates FILE`, result cache on) on a copy of
the small template changed before every run, so each run misses the result cache as a
committed change would (writing the copy, a `cat`, is in its time).
Exit codes of the linters are ignored: they find problems in the corpus, which is the point.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
SMALL_TEMPLATE = ROOT / "fixtures" / "examples" / "web-stack.yaml"
EXTENSIONS = (".yaml", ".yml", ".json", ".template")

FLOOR_SCRIPT = """
import sys, yaml
for path in sys.argv[1:]:
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        yaml.compose(data, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        pass
"""


@dataclass(frozen=True)
class Measurement:
    tool: str
    case: str
    wall: list[float]
    peak_mb: float

    @property
    def median(self) -> float:
        return statistics.median(self.wall)


def templates(corpus: Path) -> list[str]:
    return sorted(str(p) for p in corpus.rglob("*") if p.is_file() and p.suffix in EXTENSIONS)


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one run of `command` as a child process."""
    wrapper = [
        sys.executable,
        "-c",
        "import resource, subprocess, sys, time\n"
        "start = time.perf_counter()\n"
        "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "wall = time.perf_counter() - start\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(wall, peak)\n",
        *command,
    ]
    # Byte-code caching on, as on a user's machine (some CI images turn it off).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    out = subprocess.run(
        wrapper, capture_output=True, text=True, cwd=cwd, env=env, check=True
    ).stdout
    wall, peak = out.split()
    return float(wall), float(peak)


def measure_interleaved(
    cases: list[tuple[str, str, list[str], int]], cwd: Path
) -> list[Measurement]:
    """Each (tool, case, command, runs) once as a warm-up (byte-code compiled, file cache
    filled; not counted), then in rounds: every case once per round, in the same order, until
    each has its runs. The machine's speed drifts over the minutes a run takes (2x within a
    day here), so each tool's runs are spread over the whole run instead of one stretch of
    it: a ratio then compares the tools under the same conditions."""
    for _tool, _case, command, _runs in cases:
        timed(command, cwd)
    walls: list[list[float]] = [[] for _ in cases]
    peaks: list[list[float]] = [[] for _ in cases]
    for round_number in range(max(runs for *_, runs in cases)):
        for index, (_tool, _case, command, runs) in enumerate(cases):
            if round_number < runs:
                wall, peak = timed(command, cwd)
                walls[index].append(wall)
                peaks[index].append(peak)
    return [
        Measurement(tool, case, walls[index], max(peaks[index]))
        for index, (tool, case, _command, _runs) in enumerate(cases)
    ]


# A copy of the template with a line that differs in every run (the shell's process id), then
# the hook's command on it, with a cache directory of its own: the rule cache is warm after the
# warm-up run, and the result cache never has the file.
HOOK_SCRIPT = (
    'printf "# run %s\\n" "$$" | cat "$2" - > "$1/template.yaml" && '
    'IACLINT_CACHE_DIR="$1/cache" exec "$3" check --skip-non-templates "$1/template.yaml"'
)


def tool_commands(
    files: list[str], corpus: Path, small: Path, scratch: Path
) -> dict[str, dict[str, list[str]]]:
    commands: dict[str, dict[str, list[str]]] = {}
    iaclint = shutil.which("iaclint") or str(Path(sys.executable).parent / "iaclint")
    if Path(iaclint).exists():
        commands["iaclint"] = {
            "corpus": [iaclint, "check", "--no-cache", str(corpus)],
            "small": [iaclint, "check", "--no-cache", str(small)],
        }
        # One process, for the memory figure of a single process and a core-for-core ratio.
        commands["iaclint --jobs 1"] = {
            "corpus": [iaclint, "check", "--no-cache", "--jobs", "1", str(corpus)],
        }
        commands["iaclint as the pre-commit hook"] = {
            "small": ["sh", "-c", HOOK_SCRIPT, "sh", str(scratch), str(small), iaclint],
        }
    if shutil.which("cfn-lint"):
        commands["cfn-lint"] = {"corpus": ["cfn-lint", *files], "small": ["cfn-lint", str(small)]}
    if shutil.which("checkov"):
        commands["checkov"] = {
            "corpus": ["checkov", "--quiet", "--framework", "cloudformation", "-d", str(corpus)],
            "small": ["checkov", "--quiet", "--framework", "cloudformation", "-f", str(small)],
        }
    return commands


def version(tool: str) -> str:
    try:
        out = subprocess.run([tool, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr) else "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--runs", type=int, default=5, help="runs of the small-template case")
    parser.add_argument("--corpus-runs", type=int, default=3, help="runs of the corpus case")
    parser.add_argument("--markdown", type=Path, help="also write the report to this file")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    files = templates(args.corpus)
    scratch = Path(tempfile.mkdtemp(prefix="iaclint-bench-"))
    commands = tool_commands(files, args.corpus, SMALL_TEMPLATE, scratch)
    missing = [t for t in ("iaclint", "cfn-lint", "checkov") if t not in commands]
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as script:
        script.write(FLOOR_SCRIPT)
    floor = "parse floor (libyaml compose)"
    cases = [
        (floor, "corpus", [sys.executable, script.name, *files], args.corpus_runs),
        (floor, "small", [sys.executable, script.name, str(SMALL_TEMPLATE)], args.runs),
    ]
    for tool, tool_cases in commands.items():
        for case, command in tool_cases.items():
            cases.append((tool, case, command, args.corpus_runs if case == "corpus" else args.runs))
    try:
        results = measure_interleaved(cases, ROOT)
    finally:
        os.unlink(script.name)
        shutil.rmtree(scratch, ignore_errors=True)
    versions = {
        t: version(c["corpus"][0])
        for t, c in commands.items()
        if "corpus" in c and t != "iaclint --jobs 1"
    }
    command = f"python benchmarks/run.py --runs {args.runs} --corpus-runs {args.corpus_runs}"
    report = render(results, files, missing, command, versions)
    print(report)
    if args.markdown:
        args.markdown.write_text(report)
    return 0


def render(
    results: list[Measurement],
    files: list[str],
    missing: list[str],
    command: str,
    versions: dict[str, str],
) -> str:
    by = {(m.tool, m.case): m for m in results}
    lines = [
        f"Measured {datetime.date.today().isoformat()} on {platform.node() or 'this machine'} "
        f"({os.cpu_count()} cores, Python {platform.python_version()}); {len(files)} templates; "
        f"medians after one warm-up run of each, the runs of all tools interleaved in rounds; "
        f"command: `{command}`.",
        "",
        "Versions: " + ", ".join(f"{tool} `{v}`" for tool, v in versions.items()) + ".",
    ]
    if missing:
        lines.append(f"Not installed, so not measured: {', '.join(missing)}.")
    lines += [
        "",
        "| tool | case | median wall (s) | runs (s) | peak RSS (MB) |",
        "| --- | --- | ---: | --- | ---: |",
    ]
    for m in results:
        runs_text = ", ".join(f"{w:.2f}" for w in m.wall)
        lines.append(f"| {m.tool} | {m.case} | {m.median:.3f} | {runs_text} | {m.peak_mb:.0f} |")
    mine = {case: by.get(("iaclint", case)) for case in ("corpus", "small")}
    lines += ["", "| ratio | corpus | small template |", "| --- | ---: | ---: |"]
    for peer in ("cfn-lint", "checkov"):
        cells = []
        for case in ("corpus", "small"):
            other, ours = by.get((peer, case)), mine[case]
            cells.append(f"{other.median / ours.median:.1f}x faster" if other and ours else "n/a")
        lines.append(f"| iaclint vs {peer} | {cells[0]} | {cells[1]} |")
    floor = [by.get(("parse floor (libyaml compose)", case)) for case in ("corpus", "small")]
    cells = []
    for case, base in zip(("corpus", "small"), floor, strict=True):
        ours = mine[case]
        cells.append(f"{ours.median / base.median:.1f}x the floor" if ours and base else "n/a")
    lines.append(f"| iaclint vs parse floor | {cells[0]} | {cells[1]} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
