"""Lint many files, on several cores when there are many, in a deterministic order."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from iaclint.load.discover import Candidate

if TYPE_CHECKING:
    from iaclint.pipeline import FileResult, StageSettings
    from iaclint.policy.engine import AnalysisOptions
    from iaclint.policy.rule import Rule
    from iaclint.runner.result_cache import ResultCache

# Below this many files, starting workers costs more than it saves.
_PARALLEL_THRESHOLD = 16


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

    with ProcessPoolExecutor(max_workers=workers) as pool:
        chunk = max(1, len(jobs) // (workers * 8))
        # The rules and settings travel with each chunk of jobs: no state in the workers.
        yield from pool.map(partial(_lint_one, rules, settings), jobs, chunksize=chunk)


def _lint_one(rules: list[Rule], settings: StageSettings, job: Job) -> FileResult:
    from iaclint.pipeline import lint_file

    return lint_file(job.candidate, rules, job.options, None, settings)
