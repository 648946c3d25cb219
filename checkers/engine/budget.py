"""A submission's time, sized by the reference's own: the default budget, and hang limits.

``seqgrade validate --record-time`` grades each reference in the sandbox and writes what
it took into ``reference_time.toml`` beside the exercise's checks (package data)::

    seconds = 5.8        # CPU time of the reference's whole grading (grader and worker)
    measured = "2026-12-06, 2 CPUs, load 1.9, 21.0 s of wall clock"
    [calls]              # the slowest call (or batch of calls) of each function, seconds
    beam_search = 0.21

``seconds`` is CPU time, not wall clock: grader and worker run one after the other, each
on one thread, so on a quiet machine the two are the same, and CPU time stays that figure
on a busy one, where the wall clock grows with the load. The calls' wall times are scaled
by the same CPU/wall ratio.

From it, grading derives:

- **the default time budget** of a submission: :data:`BUDGET_MULTIPLE` times the
  reference's time, never less than :data:`BUDGET_FLOOR_S` (a course file's
  ``time_budget`` still wins; without a recorded time, the runner's default applies);
- **hang limits** (:class:`CallClock`): a call that runs past its limit costs its time
  from a *hang allowance* of :data:`HANG_MULTIPLE` times the reference's time. A call's
  limit is its check's, but no more than what is left of the allowance (one call may take
  5x the reference's whole grading), and, once the allowance is spent, no more than
  :data:`CALL_MULTIPLE` times the reference's slowest call of the same function (at least
  :data:`CALL_FLOOR_S`). A function one of whose calls timed out is not called again:
  its later calls fail at once, as time-outs. Honest code that never times out spends
  nothing of the allowance; a submission that hangs in every call finishes in about the
  allowance plus one short limit per function, not in the budget.
"""

from __future__ import annotations

import inspect
import math
import os
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checkers.engine.errors import CallTimeout, SubmissionError
from checkers.engine.model import Exercise
from checkers.sandbox.runner import Limits

REFERENCE_TIME_FILE = "reference_time.toml"
# The default budget: this many times the reference's grading time, and never less than ...
BUDGET_MULTIPLE = 200.0
BUDGET_FLOOR_S = 120.0
# Time lost to calls cut at their limit, in all, before the per-function caps apply;
# also the most one call may take.
HANG_MULTIPLE = 5.0
# Once the hang allowance is spent: a call's cap, from the reference's slowest call of the
# same function, and never less than ... A submission that hangs in every call so takes at
# most HANG_MULTIPLE x the reference's time, plus CALL_MULTIPLE x the slowest calls of the
# functions it calls afterwards (each once), plus the worker's restarts.
CALL_MULTIPLE = 5.0
CALL_FLOOR_S = 2.0
# The special calls whose time is that of the submission's function they run
# (checkers.authoring.trained_model): keyed by that function, as its direct calls are.
_INDIRECT = ("seqgrade:call_reinitialised", "seqgrade:call_reinitialised_many")


@dataclass
class GradingTime:
    """What one grading took (filled by :func:`checkers.engine.grading.grade_with_runner`)."""

    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0  # the grader's and its sandbox processes' (user + system)
    calls: dict[str, float] = field(default_factory=dict)  # the slowest call, by function

    def as_reference(self, measured: str = "") -> ReferenceTime:
        """This grading as the reference's time: CPU seconds, calls scaled to match."""
        quiet = self.cpu_seconds / self.wall_seconds if self.wall_seconds > 0 else 1.0
        quiet = min(1.0, quiet)
        return ReferenceTime(round(self.cpu_seconds, 2),
                             {k: v * quiet for k, v in self.calls.items()}, measured)


def cpu_seconds_by_process() -> dict[int, float]:
    """CPU seconds (user + system) of this process and of each of its live descendants
    (fork servers, sandbox workers), each with the children it has waited for, by pid."""
    import psutil

    me = psutil.Process()
    found: dict[int, float] = {}
    try:
        processes = [me, *me.children(recursive=True)]
    except psutil.Error:
        processes = [me]
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        # with the children it has waited for (a trainer run by the grader, workers
        # ended and reaped by their fork server)
        found[process.pid] = (times.user + times.system + getattr(times, "children_user", 0.0)
                              + getattr(times, "children_system", 0.0))
    return found


def cpu_seconds_since(start: dict[int, float]) -> float:
    """CPU seconds this process and its live descendants used since ``start`` (a
    :func:`cpu_seconds_by_process`); a process that ended since counts when its parent
    waited for it."""
    now = cpu_seconds_by_process()
    return sum(max(0.0, cpu - start.get(pid, 0.0)) for pid, cpu in now.items())


@dataclass(frozen=True)
class ReferenceTime:
    """What grading the reference took (``reference_time.toml``)."""

    seconds: float
    calls: dict[str, float] = field(default_factory=dict)
    measured: str = ""

    def budget(self) -> float:
        """The default time budget of a submission, in seconds."""
        return max(BUDGET_FLOOR_S, BUDGET_MULTIPLE * self.seconds)

    def hang_allowance(self) -> float:
        """Seconds a submission may lose to cut calls before the per-function caps apply."""
        return HANG_MULTIPLE * self.seconds

    def call_cap(self, func: str) -> float:
        """A call's limit once the hang allowance is spent."""
        return max(CALL_FLOOR_S, CALL_MULTIPLE * self.calls.get(func, 0.0))

    def note(self, budget: float | None, took: float) -> str:
        """The report's line on time (where something timed out): the reference's time,
        this submission's budget, and what its grading took."""
        text = (f"time: the reference solution takes {self.seconds:.1f} s to grade (CPU "
                f"time, `seqgrade validate --record-time`"
                + (f": {self.measured}" if self.measured else "") + f"); this submission "
                f"took {took:.0f} s ({took / self.seconds:.0f}× that)")
        if budget is not None:
            text += f" of its time budget of {budget:.0f} s ({budget / self.seconds:.0f}×)"
        return text


def load_factor() -> float:
    """How much slower than when idle the machine runs now: the one-minute load average
    per CPU, never below 1 (1 where the platform has no load average)."""
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        return 1.0
    return max(1.0, load / (os.cpu_count() or 1))


def reference_time_path(exercise: Exercise) -> Path | None:
    """``reference_time.toml`` in the folder of the module that defines the exercise's
    checks (``checkers/exercises/<name>/`` for seqgrade's own); None if it has no check."""
    if not exercise.checks:
        return None
    try:
        source = inspect.getsourcefile(exercise.checks[0].run)
    except TypeError:
        return None
    return Path(source).with_name(REFERENCE_TIME_FILE) if source else None


def load_reference_time(exercise: Exercise) -> ReferenceTime | None:
    """The recorded reference time of ``exercise`` (None when none is recorded)."""
    path = reference_time_path(exercise)
    if path is None or not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        seconds = float(data["seconds"])
        calls = {str(k): float(v) for k, v in dict(data.get("calls", {})).items()}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, TypeError,
            ValueError):
        return None
    if not math.isfinite(seconds) or seconds <= 0:
        return None
    return ReferenceTime(seconds, calls, str(data.get("measured", "")))


def write_reference_time(exercise: Exercise, reference: ReferenceTime) -> Path:
    """Write ``reference`` as the exercise's ``reference_time.toml``; return its path."""
    path = reference_time_path(exercise)
    if path is None:
        raise OSError(f"exercise {exercise.name} has no folder to record its time in")
    lines = [
        f"# {exercise.name}: the reference's grading time, written by "
        "`seqgrade validate --record-time`.",
        "# The default time budget and the hang limits derive from it "
        "(checkers/engine/budget.py).",
        f"seconds = {reference.seconds:.2f}",
        f'measured = "{reference.measured}"',
        "",
        "[calls]  # the slowest call (or batch of calls) of each function, seconds",
    ]
    lines += [f'"{name}" = {seconds:.4f}' for name, seconds in sorted(reference.calls.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def default_budget(exercise: Exercise) -> float | None:
    """The exercise's default time budget (None: no time recorded, the runner's default)."""
    reference = load_reference_time(exercise)
    return None if reference is None else reference.budget()


def default_limits(exercise: Exercise) -> Limits:
    """The worker limits a submission of ``exercise`` gets when no one sets any: the
    runner's defaults, with the time budget from the reference's recorded time."""
    budget = default_budget(exercise)
    return Limits() if budget is None else Limits(time_budget=budget)


def _key(func: str, args: tuple) -> str:
    """The function whose time a call measures (the one inside a trained-model call)."""
    if func in _INDIRECT and len(args) > 1 and isinstance(args[1], str):
        return args[1]
    return func


class CallClock:
    """A runner's calls, timed: the slowest call of each function, hang limits.

    Wraps a :class:`~checkers.sandbox.runner.Runner` (``call``, ``call_with_rngs``, and
    ``call_many`` where it has one); every other attribute is the runner's. ``reference``
    None: calls are only timed, never limited beyond their own limit.
    """

    def __init__(self, runner: Any, reference: ReferenceTime | None = None,
                 scale: float = 1.0) -> None:
        self.runner = runner
        self.reference = reference
        self.scale = scale
        self.slowest: dict[str, float] = {}
        self.lost = 0.0  # seconds of calls cut at their limit
        self.timed_out: dict[str, float] = {}  # function -> the limit it ran past

    def __getattr__(self, name: str) -> Any:
        if name == "runner":  # not set yet (a copy): no recursion
            raise AttributeError(name)
        if name == "call_many":
            many = self.runner.call_many  # AttributeError when it has none

            def call_many(func: str, calls: list, *, timeout: float) -> Any:
                args = calls[0][0] if calls else ()
                return self._timed(func, args, timeout,
                                   lambda limit: many(func, calls, timeout=limit))
            return call_many
        return getattr(self.runner, name)

    def call(self, func: str, args: tuple, kwargs: dict, *, timeout: float) -> Any:
        """The runner's ``call``, timed and limited."""
        return self._timed(func, args, timeout,
                           lambda limit: self.runner.call(func, args, kwargs, timeout=limit))

    def call_with_rngs(self, func: str, args: tuple, kwargs: dict, *,
                       timeout: float) -> Any:
        """The runner's ``call_with_rngs``, timed and limited."""
        return self._timed(func, args, timeout, lambda limit: self.runner.call_with_rngs(
            func, args, kwargs, timeout=limit))

    def limit(self, key: str, timeout: float) -> float:
        """The limit of a call of ``key`` whose check allows ``timeout`` seconds.

        The per-function cap is wall clock measured against the reference's calls on a
        quiet machine, so it stretches with the machine's load (:func:`load_factor`): an
        honest call slowed by other work is never cut for it."""
        if self.reference is None:
            return timeout
        left = self.reference.hang_allowance() * self.scale - self.lost
        cap = self.reference.call_cap(key) * self.scale * load_factor()
        return min(timeout, max(left, cap))

    def _timed(self, func: str, args: tuple, timeout: float,
               run: Callable[[float], Any]) -> Any:
        key = _key(func, args)
        if key in self.timed_out:
            raise CallTimeout(
                f"`{func}` was not called: an earlier call of `{key}` did not finish within "
                f"{self.timed_out[key]:.0f} s (an endless loop, or very slow code?), so its "
                "later calls are not made")
        start = getattr(self.runner, "ensure_started", None)
        if start is not None:  # the worker's start is not the call's time
            try:
                start()
            except SubmissionError:
                pass  # the call raises it again, as it would have
        limit = self.limit(key, timeout)
        started = time.perf_counter()
        try:
            value = run(limit)
        except CallTimeout as error:
            self.lost += time.perf_counter() - started
            self.timed_out[key] = limit
            if limit < timeout:
                error.message = (f"{error.message}. Calls of your submission had already "
                                 "run past their limits for longer than the grader allows "
                                 f"({self.reference.hang_allowance() * self.scale:.0f} s, "
                                 f"{HANG_MULTIPLE:g}× the reference's whole grading), so "
                                 f"this call's limit was {CALL_MULTIPLE:g}× the reference's "
                                 f"slowest call of `{key}` (more on a busy machine)")
            raise
        finally:
            elapsed = time.perf_counter() - started
            self.slowest[key] = max(self.slowest.get(key, 0.0), elapsed)
        return value
