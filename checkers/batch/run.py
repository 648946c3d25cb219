"""Batch grading of a class folder: plan (what to grade), schedule (local pool or Dask), record.

:func:`run_batch` grades every entry of a folder (see :func:`checkers.batch.ingest.ingest`:
per-student files, folders or archives, Gradescope's and Canvas's exports) that is not
graded already with the same content and settings, several at once:

- locally in a pool of ``jobs`` processes (``spawn`` context; each process drives one
  sandbox at a time), or
- on a Dask distributed cluster (``dask=ADDRESS``): each task carries the submission as a
  tar archive, so workers need the package installed but no shared disk.

Each result is written to the gradebook by this process, one transaction per submission,
as soon as it arrives: a killed batch loses only the submissions in flight.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path
from typing import Any

from checkers.batch.gradebook import Gradebook, settings_key
from checkers.batch.ingest import ingest
from checkers.batch.procs import (
    init_pool_process,
    kill_pool,
    lock_gradebook,
    reap_orphans,
    sandbox_workers_under,
    scratch_dir,
)
from checkers.batch.tasks import (
    Entry,
    Task,
    TaskResult,
    entry_hash,
    error_report,
    failed_result,
    grade_task,
    pack,
)
from checkers.engine.errors import ConfigError
from checkers.engine.options import GradingOptions
from checkers.engine.report import Report

MAX_ATTEMPTS = 2  # a submission whose grading process dies this often is a grader_error


class Reporter:
    """Progress callbacks of a batch (the CLI draws a rich progress bar); no-ops here."""

    def start(self, todo: int, skipped: int) -> None:
        """The batch is planned: ``todo`` to grade, ``skipped`` unchanged."""

    def advance(self, result: TaskResult) -> None:
        """One submission is graded and recorded."""

    def finish(self) -> None:
        """The batch is over."""


@dataclass
class BatchSummary:
    """What a batch did."""

    total: int = 0
    skipped: int = 0
    graded: int = 0
    statuses: Counter = field(default_factory=Counter)
    elapsed_s: float = 0.0
    reaped: int = 0

    @property
    def per_minute(self) -> float:
        """Throughput: graded submissions per minute of wall time."""
        return 60.0 * self.graded / self.elapsed_s if self.elapsed_s > 0 else 0.0


def plan(entries: Iterable[Entry], book: Gradebook, exercise: str,
         settings: dict[str, Any], resume: bool) -> tuple[list[Entry], list[Entry]]:
    """Split entries into (to grade, unchanged and already graded)."""
    todo, skipped = [], []
    for entry in entries:
        if resume and book.is_current(exercise, entry.student,
                                      entry_hash(entry.path, exercise), settings):
            skipped.append(entry)
        else:
            todo.append(entry)
    return todo, skipped


def run_local(tasks: list[Task], jobs: int, scratch: Path,
              on_result: Callable[[TaskResult], None]) -> None:
    """Grade ``tasks`` in a pool of ``jobs`` processes; ``on_result`` gets each result.

    A pool process that dies takes its pool down: the unfinished tasks go to a new pool,
    and a task caught in :data:`MAX_ATTEMPTS` such crashes is recorded as a grader_error.
    """
    queue = list(tasks)
    attempts: Counter = Counter()
    context = multiprocessing.get_context("spawn")
    while queue:
        pool = ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=context,
                                   initializer=init_pool_process,
                                   initargs=(str(scratch), os.getpid()))
        futures = {pool.submit(grade_task, task): task for task in queue}
        queue = []
        try:
            for future in as_completed(futures):
                task = futures[future]
                try:
                    result = future.result()
                except BrokenProcessPool:
                    attempts[task.student] += 1
                    if attempts[task.student] < MAX_ATTEMPTS:
                        queue.append(task)
                        continue
                    result = failed_result(task, "the grading process died while grading "
                                           "this submission (it will be graded again on "
                                           "the next run)")
                except Exception as error:  # noqa: BLE001 - e.g. a result that cannot unpickle
                    result = failed_result(task, f"the grading process failed: {error!r}")
                on_result(result)
        except BaseException:
            kill_pool(list((pool._processes or {}).keys()))
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)


def _client(address: Any) -> tuple[Any, bool]:
    """A Dask Client for ``address`` (a scheduler address, a cluster, or a Client)."""
    try:
        from dask.distributed import Client
    except ImportError:
        raise ConfigError("--dask needs Dask: pip install \".[batch]\" (in the checkout)"
                          ) from None

    if isinstance(address, Client):
        return address, False
    return Client(address), True


def run_dask(tasks: list[Task], address: Any,
             on_result: Callable[[TaskResult], None]) -> None:
    """Grade ``tasks`` on a Dask cluster, a few more in flight than it has threads."""
    from dask.distributed import as_completed as dask_completed

    client, owned = _client(address)
    try:
        threads = sum(client.nthreads().values()) or 1
        pending = iter(tasks)
        waiting = dask_completed()
        submitted: dict[str, Task] = {}

        def submit(task: Task) -> None:
            try:
                shipped = replace(task, payload=pack(Path(task.path)))
            except (OSError, ValueError) as error:
                on_result(failed_result(task, f"the submission could not be packed: {error}"))
                return
            key = f"seqgrade-{task.student}-{uuid.uuid4().hex[:8]}"
            future = client.submit(grade_task, shipped, key=key, pure=False)
            submitted[future.key] = task
            waiting.add(future)

        for task in islice(pending, 2 * threads):
            submit(task)
        for future in waiting:
            task = submitted.pop(future.key)
            try:
                result = future.result()
            except Exception as error:  # noqa: BLE001 - a worker died too often, etc.
                result = failed_result(task, f"the Dask task failed: {error!r}")
            future.release()
            on_result(result)
            following = next(pending, None)
            if following is not None:
                submit(following)
    finally:
        if owned:
            client.close()


def run_batch(exercise: str, folder: Path, db_path: Path, *, jobs: int = 1,
              dask: Any = None, resume: bool = True, seed: int = 0,
              options: GradingOptions | Mapping[str, Any] | None = None,
              checks: list[str] | None = None,
              reporter: Reporter | None = None) -> BatchSummary:
    """Grade every new or changed submission in ``folder`` into the gradebook ``db_path``."""
    from checkers.engine.registry import get_exercise

    spec = get_exercise(exercise)  # unknown names fail here, before any work
    options = GradingOptions.of(options).for_exercise(spec.options, spec.name)
    if options.official and not options.allow_unisolated and spec.grades != "text":
        from checkers.sandbox.levels import require_isolation

        require_isolation(options.worker_env)  # before any work, in one line
    reporter = reporter or Reporter()
    started = time.perf_counter()
    summary = BatchSummary()
    scratch = scratch_dir(db_path)
    lock = lock_gradebook(scratch)
    try:
        _run_locked(exercise, folder, db_path, jobs, dask, resume, seed, options, checks,
                    reporter, scratch, summary)
        if not sandbox_workers_under(scratch):
            shutil.rmtree(scratch, ignore_errors=True)  # the lock file with it, still held
    finally:
        lock.close()
    summary.elapsed_s = time.perf_counter() - started
    return summary


def _run_locked(exercise: str, folder: Path, db_path: Path, jobs: int, dask: Any,
                resume: bool, seed: int, options: GradingOptions,
                checks: list[str] | None, reporter: Reporter, scratch: Path,
                summary: BatchSummary) -> None:
    summary.reaped = reap_orphans(scratch)
    settings = settings_key(seed, checks)
    ingested = ingest(folder, scratch / "ingest")
    entries = ingested.entries
    with Gradebook(db_path) as book:
        todo, skipped = plan(entries, book, exercise, settings, resume)
        summary.total = len(entries) + len(ingested.rejected)
        rejects = []  # unreadable archives: each that student's error, never the batch's
        for rejected in ingested.rejected:
            digest = entry_hash(rejected.path, exercise)
            if resume and book.is_current(exercise, rejected.student, digest, settings):
                skipped.append(Entry(rejected.student, rejected.path))
                continue
            task = Task(exercise=exercise, student=rejected.student, path=str(rejected.path),
                        seed=seed, checks=tuple(checks) if checks else None)
            rejects.append(TaskResult(student=rejected.student, path=str(rejected.path),
                                      content_hash=digest, status="missing",
                                      report=error_report(task, rejected.message).to_dict(),
                                      host="", error=rejected.message))
        summary.skipped = len(skipped)
        tasks = [Task(exercise=exercise, student=e.student, path=str(e.path.resolve()),
                      seed=seed, options=options,
                      checks=tuple(checks) if checks else None) for e in todo]
        reporter.start(len(tasks) + len(rejects), len(skipped))

        def record(result: TaskResult) -> None:
            book.record(student=result.student, path=result.path,
                        content_hash=result.content_hash, settings=settings,
                        status=result.status, report=Report.from_dict(result.report),
                        grader_host=result.host)
            summary.graded += 1
            summary.statuses[result.status] += 1
            reporter.advance(result)

        try:
            for result in rejects:
                record(result)
            if dask is not None:
                run_dask(tasks, dask, record)
            else:
                scratch.mkdir(parents=True, exist_ok=True)
                run_local(tasks, jobs, scratch, record)
                summary.reaped += reap_orphans(scratch)  # e.g. a detached child of a worker
        finally:
            reporter.finish()
