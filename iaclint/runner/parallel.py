"""Lint many files, on several cores when there are many, in a deterministic order."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from iaclint.load.discover import Candidate

if TYPE_CHECKING:
    from iaclint.pipeline import FileResult, StageSettings
    from iaclint.policy.engine import AnalysisOptions
    from iaclint.policy.rule import Rule
    from iaclint.runner.result_cache import ResultCache

# Below this many files, starting workers costs more than it saves.
_PARALLEL_THRESHOLD = 16
_CHUNK = 4  # files a worker takes at a time


@dataclass(frozen=True, slots=True)
class Job:
    candidate: Candidate
    options: AnalysisOptions


def automatic_jobs(files: int) -> int:
    if files < _PARALLEL_THRESHOLD:
        return 1
    return max(1, min(os.cpu_count() or 1, files // _PARALLEL_THRESHOLD))


def run_jobs(
    jobs: Sequence[Job],
    rules: list[Rule],
    settings: StageSettings,
    workers: int,
    cache: ResultCache | None,
    stdin_text: str | None,
    on_done: Callable[[str], None],
) -> list[FileResult]:
    """Results in the order of `jobs`, whatever order the workers finish in."""
    results: list[FileResult | None] = [None] * len(jobs)
    pending: list[int] = []
    keys: dict[int, str] = {}
    for index, job in enumerate(jobs):
        cached = _from_cache(job, cache, keys, index) if job.candidate.path != "-" else None
        if cached is not None:
            results[index] = cached
            on_done(job.candidate.path)
        else:
            pending.append(index)
    for index, result in zip(
        pending,
        _lint_pending([jobs[i] for i in pending], rules, settings, workers, stdin_text),
        strict=True,
    ):
        results[index] = result
        if cache is not None and index in keys:
            cache.put(keys[index], result.findings, result.diagnostics, result.checked)
        on_done(result.path)
    return [r for r in results if r is not None]


def _from_cache(
    job: Job, cache: ResultCache | None, keys: dict[int, str], index: int
) -> FileResult | None:
    if cache is None:
        return None
    from iaclint.pipeline import FileResult

    try:
        with open(job.candidate.path, "rb") as handle:
            content = handle.read(11 * 1024 * 1024)
    except OSError:
        return None
    key = cache.key(f"{job.candidate.path}\0{job.candidate.explicit}\0{job.options!r}", content)
    keys[index] = key
    hit = cache.get(key)
    if hit is None:
        return None
    findings, diagnostics, checked = hit
    return FileResult(job.candidate.path, tuple(findings), tuple(diagnostics), checked)


def _lint_pending(
    jobs: list[Job],
    rules: list[Rule],
    settings: StageSettings,
    workers: int,
    stdin_text: str | None,
) -> Iterator[FileResult]:
    from iaclint.pipeline import lint_file

    if workers <= 1 or len(jobs) < 2:
        for job in jobs:
            stdin = stdin_text if job.candidate.path == "-" else None
            yield lint_file(job.candidate, rules, job.options, stdin, settings)
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(
        max_workers=workers, initializer=_start_worker, initargs=(rules, settings)
    ) as pool:
        # Small chunks keep both cores busy to the end; each carries only its jobs.
        chunk = max(1, min(_CHUNK, len(jobs) // (workers * 4)))
        # Standard input was read by this process: its template is checked here.
        from_workers = pool.map(
            _lint_in_worker, [job for job in jobs if job.candidate.path != "-"], chunksize=chunk
        )
        for job in jobs:
            if job.candidate.path == "-":
                yield lint_file(job.candidate, rules, job.options, stdin_text, settings)
            else:
                yield next(from_workers)


# The rules and settings of the run, given to each worker process once when it starts
# (inherited, not pickled, where processes fork) instead of with every chunk of jobs: with
# 300 rules that costs about 10 ms a chunk. Set only in worker processes, never read in the
# main one.
_worker_run: tuple[list[Rule], StageSettings] | None = None


def _start_worker(rules: list[Rule], settings: StageSettings) -> None:
    global _worker_run
    _worker_run = (rules, settings)


def _lint_in_worker(job: Job) -> FileResult:
    from iaclint.pipeline import lint_file

    assert _worker_run is not None, "a worker process starts with the run's rules"
    rules, settings = _worker_run
    return lint_file(job.candidate, rules, job.options, None, settings)
