"""Lint many files, on several cores when there are many, in a deterministic order."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from iaclint.load.discover import Candidate
from iaclint.load.reader import read_at_most

if TYPE_CHECKING:
    from concurrent.futures import Future

    from iaclint.pipeline import FileResult, StageSettings
    from iaclint.policy.engine import AnalysisOptions
    from iaclint.policy.ruleset import RuleSet
    from iaclint.runner.result_cache import ResultCache

# Below this many files, starting workers costs more than it saves.
_PARALLEL_THRESHOLD = 16
# Bytes of a file read to key the cache or sort it into a lane: more than the loader takes
# (reader.MAX_FILE_BYTES), so a file it refuses is never mistaken for a shorter one.
_READ_AT_MOST = 11 * 1024 * 1024


@dataclass(frozen=True, slots=True, eq=False)
class Job:
    """One file to lint and its options: what a worker process receives."""

    candidate: Candidate
    options: AnalysisOptions


def automatic_jobs(files: int) -> int:
    if files < _PARALLEL_THRESHOLD:
        return 1
    return max(1, min(os.cpu_count() or 1, files // _PARALLEL_THRESHOLD))


def run_jobs(
    jobs: Sequence[Job],
    rules: RuleSet,
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
        content = read_at_most(job.candidate.path, _READ_AT_MOST)
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
    rules: RuleSet,
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
    yield from _Lanes(jobs, rules, settings, workers, stdin_text).run()


# Bytes that every template with the SAM transform contains (`AWS::Serverless-2016-10-31`).
_SAM_MARK = b"AWS::Serverless"
# Jobs queued at a worker. Its next job reaches it through two threads of this process
# (the executor's and the queue's) that wait for the GIL while this process lints, up to
# 5 ms each: with two queued, the worker idled 0.25 s of 3.6 s on the corpus; with six, 0.07 s.
_IN_FLIGHT = 6
_RESTARTS = 2  # worker processes a run replaces after one dies, before it stops using them


class _Queue:
    """The jobs not yet taken, split by whether they look like SAM templates. Importing the
    SAM translator costs a process ~1 billion instructions (0.3-0.5 s), so one worker takes
    the SAM templates from the front and the other lanes take the rest from the front; each
    lane turns to the other list's back only when its own is empty, so the lanes still
    finish together and the translator is imported twice only if the SAM work outweighs
    a lane's share."""

    def __init__(self, sam: list[int], plain: list[int]) -> None:
        from collections import deque

        self._lists = {True: deque(sam), False: deque(plain)}

    def take(self, sam_lane: bool) -> int | None:
        own, other = self._lists[sam_lane], self._lists[not sam_lane]
        if own:
            return own.popleft()
        return other.pop() if other else None

    def give_back(self, index: int, sam_lane: bool) -> None:
        self._lists[sam_lane].appendleft(index)


class _Lanes:
    """This process lints too, beside `workers - 1` worker processes (it holds the rules
    and the imports already; a third process would only compete for the cores). Each
    worker is a one-process executor fed from its completion callbacks, so it keeps busy
    while this process is inside a long file. Results come out in the order of the jobs.
    Workers are started only from this thread; the callbacks (on each executor's thread)
    only record results and hand out jobs, under `lock`."""

    def __init__(
        self,
        jobs: list[Job],
        rules: RuleSet,
        settings: StageSettings,
        workers: int,
        stdin_text: str | None,
    ) -> None:
        import threading

        self.jobs = jobs
        self.rules = rules
        self.settings = settings
        self._stdin_text = stdin_text
        self._workers = workers - 1
        self.results: list[FileResult | None] = [None] * len(jobs)
        self.lock = threading.Condition()
        self.restarts = _RESTARTS
        sam: list[int] = []
        plain: list[int] = []
        self._here: list[int] = []  # standard input: read by this process, checked here
        for index, job in enumerate(jobs):
            if job.candidate.path == "-":
                self._here.append(index)
            else:
                (sam if _looks_like_sam(job.candidate.path) else plain).append(index)
        self.queue = _Queue(sam, plain)
        self.sam_jobs = frozenset(sam)

    def run(self) -> Iterator[FileResult]:
        lanes = [_WorkerLane(self, sam_lane=number == 0) for number in range(self._workers)]
        try:
            for lane in lanes:
                lane.start()
            for index in self._here:
                self._lint_here(index)
            emitted = 0
            while emitted < len(self.results):
                with self.lock:
                    for lane in lanes:
                        if lane.needs_restart:
                            lane.start()
                    result = self.results[emitted]
                    index = None
                    if result is None:
                        index = self.queue.take(sam_lane=False)
                        if index is None:
                            # The queue is empty: rather than wait for jobs a worker holds
                            # but has not started, check one here.
                            stolen = (lane.steal() for lane in lanes)
                            index = next((i for i in stolen if i is not None), None)
                        if index is None and any(lane.busy for lane in lanes):
                            self.lock.wait()  # a worker finishes or dies: look again
                            continue
                if result is not None:
                    yield result
                    emitted += 1
                elif index is not None:
                    self._lint_here(index)
                else:  # pragma: no cover - every job is done, queued or held by a worker
                    raise AssertionError(f"job {emitted} was lost")
        finally:
            for lane in lanes:
                lane.stop()

    def _lint_here(self, index: int) -> None:
        from iaclint.pipeline import lint_file

        job = self.jobs[index]
        stdin = self._stdin_text if job.candidate.path == "-" else None
        result = lint_file(job.candidate, self.rules, job.options, stdin, self.settings)
        with self.lock:
            self.results[index] = result


class _WorkerLane:
    """One worker process and the jobs it holds."""

    def __init__(self, lanes: _Lanes, sam_lane: bool) -> None:
        self._lanes = lanes
        self._sam_lane = sam_lane
        self._executor: Any = None
        self._held: list[tuple[int, Future[FileResult]]] = []  # in the order it runs them
        self.needs_restart = False

    @property
    def busy(self) -> bool:
        return bool(self._held) or self.needs_restart

    def start(self) -> None:
        from concurrent.futures import ProcessPoolExecutor

        lanes = self._lanes
        self.needs_restart = False
        self._executor = ProcessPoolExecutor(
            max_workers=1, initializer=_start_worker, initargs=(lanes.rules, lanes.settings)
        )
        with lanes.lock:
            for _ in range(_IN_FLIGHT):
                self._feed()

    def stop(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)

    def steal(self) -> int | None:
        """The last job this worker holds and has not started, taken back (under the lock);
        never a SAM template, which would make this process import the translator too."""
        for position in range(len(self._held) - 1, 0, -1):  # the first one is running
            index, future = self._held[position]
            if index not in self._lanes.sam_jobs and future.cancel():
                del self._held[position]
                return index
        return None

    def _feed(self) -> None:
        from concurrent.futures.process import BrokenProcessPool

        if self._executor is None:
            return  # its worker died (a callback can run inside add_done_callback below)
        queue = self._lanes.queue
        index = queue.take(self._sam_lane)
        if index is None:
            return
        try:
            future = self._executor.submit(_lint_in_worker, self._lanes.jobs[index])
        except (BrokenProcessPool, RuntimeError):  # it died after finishing its last job
            queue.give_back(index, self._sam_lane)
            if not self._held:  # no callback is left to report it
                self._retire()
            return
        self._held.append((index, future))
        future.add_done_callback(self._finished)

    def _finished(self, future: Future[FileResult]) -> None:
        lanes = self._lanes
        with lanes.lock:
            held = [entry for entry in self._held if entry[1] is future]
            if not held or future.cancelled():
                return  # handed back when its worker died, or cancelled at the end
            exc = future.exception()
            if exc is None:
                self._held.remove(held[0])
                lanes.results[held[0][0]] = future.result()
                self._feed()
            else:
                self._lost(exc)
            lanes.lock.notify_all()

    def _lost(self, exc: BaseException) -> None:
        """The worker died (killed, out of memory, a crash in a C extension): the job it was
        running gets a diagnostic, the jobs it held go back to the queue, and the main
        thread starts a new worker in its place, a few times per run at most."""
        from iaclint.load.document import Diagnostic
        from iaclint.pipeline import FileResult

        lanes = self._lanes
        (culprit, _), *others = self._held
        self._held = []
        path = lanes.jobs[culprit].candidate.path
        message = (
            "the worker process checking this file stopped unexpectedly "
            f"({type(exc).__name__}); the other files were checked"
        )
        lanes.results[culprit] = FileResult(
            path, diagnostics=(Diagnostic(path, 1, 1, message, "internal-error"),)
        )
        for index, _ in reversed(others):
            lanes.queue.give_back(index, self._sam_lane)
        self._retire()

    def _retire(self) -> None:
        lanes = self._lanes
        self._executor.shutdown(wait=False)
        self._executor = None
        if lanes.restarts > 0:
            lanes.restarts -= 1
            self.needs_restart = True


def _looks_like_sam(path: str) -> bool:
    try:
        return _SAM_MARK in read_at_most(path, _READ_AT_MOST)
    except OSError:
        return False


# The rules and settings of the run, given to each worker process once when it starts
# (inherited, not pickled, where processes fork) instead of with every job: with 300 rules
# that costs about 10 ms a job. Set only in worker processes, never read in the main one.
_worker_run: tuple[RuleSet, StageSettings] | None = None


def _start_worker(rules: RuleSet, settings: StageSettings) -> None:
    global _worker_run
    _worker_run = (rules, settings)


def _lint_in_worker(job: Job) -> FileResult:
    from iaclint.pipeline import lint_file

    assert _worker_run is not None, "a worker process starts with the run's rules"
    rules, settings = _worker_run
    return lint_file(job.candidate, rules, job.options, None, settings)
