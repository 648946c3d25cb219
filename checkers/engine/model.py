"""The vocabulary of grading: checks, their outcomes, and the context a check runs in.

A check is one property or one threshold. Its function receives a :class:`Context`,
calls the submission only through ``ctx.call`` (which returns plain, validated data),
and returns an :class:`Outcome` (a fraction of its points plus feedback). Everything
that goes wrong on the submission's side is a :class:`SubmissionError`; the engine turns
it into a failed check, never into a crash of the grader.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from checkers.engine.errors import (
    GraderSetupError,
    NotImplementedInSubmission,
    SubmissionError,
    SubmissionRaised,
)
from checkers.engine.options import GradingOptions, Option

if TYPE_CHECKING:
    from checkers.sandbox.runner import Runner

# seqgrade's own stubs and references: top-level packages beside ``checkers``.
STUBS_DIR = Path(__file__).resolve().parents[2] / "exercises"
SOLUTIONS_DIR = Path(__file__).resolve().parents[2] / "solutions"
# Calls per round trip of Context.call_many.
CALL_CHUNK = 50


@dataclass(frozen=True)
class Outcome:
    """The result of one check: ``fraction`` of its points, feedback, optional counterexample."""

    fraction: float
    feedback: str
    counterexample: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    # The check that must pass first when this check could observe nothing of its own
    # function (status ``blocked``, 0 points); None for a judged outcome.
    blocked_by: str | None = None
    # A check that cannot be judged where it runs (the notebook self-check): status
    # ``skipped``, 0 points, never shown as passed.
    skipped: bool = False

    @classmethod
    def passed(cls, feedback: str = "OK", **metrics: float) -> Outcome:
        """Full marks."""
        return cls(1.0, feedback, None, dict(metrics))

    @classmethod
    def failed(
        cls, feedback: str, counterexample: str | None = None, **metrics: float
    ) -> Outcome:
        """No marks."""
        return cls(0.0, feedback, counterexample, dict(metrics))

    @classmethod
    def blocked(cls, by: str, reason: str) -> Outcome:
        """No marks and nothing judged: every observation of the check's function failed
        because of the function of check ``by`` (proven by the check, never assumed)."""
        return cls(0.0, f"blocked: fix {by} first. {reason}", None, {}, blocked_by=by)

    @classmethod
    def judged_by_check_only(cls, reason: str) -> Outcome:
        """No marks here: the check cannot be judged in the student's own process (the
        notebook self-check); ``seqgrade check`` judges it. Status ``skipped``."""
        return cls(0.0, f"judged by `seqgrade check` only: {reason}", skipped=True)

    def excusing(self, parts: Iterable[tuple[str, str]]) -> Outcome:
        """This outcome with the parts it could not judge listed in its feedback.

        ``parts`` are ``(what was not judged, the check to fix first)``. An excused part
        earns nothing by itself: the points are those of the behaviour that was judged.
        """
        listed = [f"{what} (fix {by} first)" for what, by in parts]
        if not listed:
            return self
        text = f"{self.feedback}. Not judged: " + "; ".join(listed)
        return dataclasses.replace(self, feedback=text)


def linear_credit(value: float, zero_at: float, full_at: float) -> float:
    """Partial credit: 0 at ``zero_at``, 1 at ``full_at``, linear between, clipped.

    Works for both directions (accuracy: zero_at < full_at; loss: zero_at > full_at).
    """
    if not np.isfinite(value):
        return 0.0
    fraction = (value - zero_at) / (full_at - zero_at)
    return float(min(1.0, max(0.0, fraction)))


@dataclass(frozen=True)
class Check:
    """One gradable property or threshold of an exercise."""

    id: str
    name: str
    points: float
    run: Callable[[Context], Outcome]
    # Per-call wall-clock limit for calls made by this check, in seconds (None: exercise default).
    call_timeout: float | None = None
    # Graded on a hidden set (the grading seed's data): its result is shown only after the
    # due date on Gradescope (``visibility: after_due_date``).
    hidden_data: bool = False
    # Its verdict is public, but the figures it reports are measured on hidden data (e.g. a
    # trained-model probe on the hidden set). Such a check reports every figure it measures
    # as a metric; while hidden checks are hidden, a result that carries metrics is shown
    # without its feedback and metrics, which come after the due date with the hidden checks.
    hidden_figures: bool = False


@dataclass(frozen=True)
class LeaderboardColumn:
    """A column of Gradescope's leaderboard: a metric of one check, best first by ``order``
    (``"desc"``: higher is better; ``"asc"``: lower is better)."""

    title: str
    check_id: str
    metric: str
    order: Literal["asc", "desc"] = "desc"


@dataclass(frozen=True)
class SeriesPlot:
    """How a student's feedback page plots a series of metrics ``FAMILY[LABEL]`` (with an
    optional ``FAMILY.threshold``) that a check reports: one bar per label."""

    family: str
    title: str
    x_label: str
    y_label: str
    # Values are shares (the y axis runs from 0 to 1).
    unit_range: bool = False


@dataclass(frozen=True)
class ReviewMetrics:
    """The metrics by which a check asks for an instructor's review (``seqgrade review``):
    ``flag`` (non-zero: review this grade) and, optionally, the grader's ``confidence`` in it."""

    flag: str = "needs_review"
    confidence: str | None = "confidence"

    def flagged(self, metrics: dict[str, float]) -> bool:
        """Whether these metrics of a check ask for review."""
        return bool(metrics.get(self.flag))

    def confidence_of(self, metrics: dict[str, float]) -> float | None:
        """The grader's confidence among these metrics (None when not measured)."""
        return None if self.confidence is None else metrics.get(self.confidence)


@dataclass(frozen=True)
class Exercise:
    """An exercise: its checks, what it grades, its stub and reference files, its defaults.

    ``grades`` says what a submission is: ``"code"`` (a .py file, notebook or folder whose
    functions run in the sandbox) or ``"text"`` (a file read by ``read_text``, never run).
    ``stub_file`` and ``solution_file`` are paths relative to seqgrade's ``exercises/`` and
    ``solutions/`` folders, or absolute (an exercise package shipped by a course); by
    default ``<name>.py`` both.
    """

    name: str
    title: str
    checks: tuple[Check, ...]
    stub_file: str = ""
    solution_file: str = ""
    call_timeout: float = 60.0
    # Files/folders beside the reference solution that it loads (trained models).
    artifacts: tuple[str, ...] = ()
    # Extra files copied by `seqgrade new` next to the stub (e.g. a question sheet).
    extra_stub_files: tuple[str, ...] = ()
    grades: Literal["code", "text"] = "code"
    # For text exercises: reads the submission file; raises ValueError with a message
    # for the student when it cannot. Its result reaches checks as ctx.options.answers.
    read_text: Callable[[Path], Any] | None = None
    # Data the submission's code reads, made visible (read-only) in the worker, where nothing
    # else of the machine is: absolute paths, or names of files in the data folder
    # (``--data-dir``/``SEQGRADE_DATA_DIR``).
    data_files: tuple[str, ...] = ()
    # Libraries this exercise's submissions typically import (module names): the sandbox's
    # fork server imports them once, and each worker forked from it has them already.
    # Only a cost: a submission that imports something else still works.
    worker_imports: tuple[str, ...] = ()
    # (function of the submission, the id of the check that judges it): a check whose
    # call raises inside such a function, when that function's check failed earlier in
    # the same grading, is ``blocked`` by it (see checkers.engine.grading.run_check).
    helper_checks: tuple[tuple[str, str], ...] = ()
    # Its own options (ctx.option(name); values from an options dict or the course file's
    # [X.options] table): see checkers.engine.options.
    options: tuple[Option, ...] = ()
    # Work done once per submission (e.g. embedding every answer of a file at once): called
    # with the context of the first check that runs, inside that check (an error in it is
    # that check's error, and is not retried).
    prepare: Callable[[Context], None] | None = None
    # The extras of seqgrade's pyproject.toml its grading needs (the autograder installs
    # ``seqgrade[extras]``); None: every extra (``all-cpu``).
    extras: tuple[str, ...] | None = None
    # Gradescope's leaderboard (``seqgrade autograder --leaderboard``).
    leaderboard: tuple[LeaderboardColumn, ...] = ()
    # Data files the autograder's setup.sh downloads when the zip does not carry them:
    # (a name of ``data_files``, "module:function" that fetches it, checksum-verified, and
    # returns its path).
    fetch_data: tuple[tuple[str, str], ...] = ()
    # The metrics by which its checks ask for an instructor's review (None: they never do).
    review: ReviewMetrics | None = None
    # How feedback pages plot the series of metrics its checks report.
    series: tuple[SeriesPlot, ...] = ()

    def __post_init__(self) -> None:
        if not self.stub_file:
            object.__setattr__(self, "stub_file", f"{self.name}.py")
        if not self.solution_file:
            object.__setattr__(self, "solution_file", self.stub_file)
        if self.grades not in ("code", "text"):
            raise ValueError(f"exercise {self.name}: grades must be 'code' or 'text'")
        if self.grades == "text" and self.read_text is None:
            raise ValueError(f"exercise {self.name}: a text exercise needs read_text")
        ids = [c.id for c in self.checks]
        if len(set(ids)) != len(ids):
            raise ValueError(f"exercise {self.name}: duplicate check ids")
        unknown = {c.check_id for c in self.leaderboard} - set(ids)
        if unknown:
            raise ValueError(f"exercise {self.name}: leaderboard names unknown checks "
                             f"{sorted(unknown)}")

    @property
    def stub_path(self) -> Path:
        """The stub file a student starts from."""
        return STUBS_DIR / self.stub_file

    @property
    def solution_path(self) -> Path:
        """The reference solution (in the repository; not shipped in the wheel)."""
        return SOLUTIONS_DIR / self.solution_file

    @property
    def max_score(self) -> float:
        """Sum of the points of every check."""
        return float(sum(c.points for c in self.checks))

    def check_by_id(self, check_id: str) -> Check:
        """The check with this id (KeyError if none)."""
        for check in self.checks:
            if check.id == check_id:
                return check
        raise KeyError(check_id)


def raised_through(error: Exception, helper: str, called: str | None = None) -> bool:
    """Whether ``error`` is an exception of the submission's code (it raised, or raised
    NotImplementedError) whose traceback passes through a frame of the function ``helper``
    below the function ``called`` (below the outermost frame when not given); a time-out,
    a crash, a missing function or a wrong type never does."""
    if not isinstance(error, SubmissionRaised | NotImplementedInSubmission):
        return False
    called = called or getattr(error, "called", None)  # set by Context's calls
    frames = list(error.frames)
    below = frames.index(called) + 1 if called in frames else 1
    return helper != called and helper in frames[below:]


def derive_seed(*parts: object) -> int:
    """A stable 63-bit seed from any printable parts (the grading seed, a check id, ...)."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


@dataclass
class Context:
    """What a check sees: the runner (through ``call``), the seed, and the grading options
    (``ctx.options.data_dir``, ``ctx.options.answers`` for a text exercise; the exercise's
    own through :meth:`option`)."""

    runner: Runner
    seed: int
    check: Check
    exercise: Exercise
    options: GradingOptions = field(default_factory=GradingOptions)
    # The checks that failed before this one in the same grading (see blocking_check).
    failed_checks: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        # A dict of options (the form callers used before GradingOptions) is read as one.
        if not isinstance(self.options, GradingOptions):
            self.options = GradingOptions.of(self.options)

    def blocking_check(self, error: Exception) -> tuple[str, str] | None:
        """``(function, check id)`` when ``error`` was raised inside a function of the
        submission (``Exercise.helper_checks``) whose own check failed earlier in this
        grading: its frame is in the traceback (proven, not assumed). Else None."""
        for function, owner in self.exercise.helper_checks:
            if owner != self.check.id and owner in self.failed_checks \
                    and raised_through(error, function):
                return function, owner
        return None

    def option(self, name: str) -> Any:
        """The value of the exercise's own option ``name`` (its declared default when none
        was given); :class:`GraderSetupError` when the exercise declares no such option."""
        for declared in self.exercise.options:
            if declared.name == name:
                return declared.coerce(self.options.exercise.get(name),
                                       f"exercise {self.exercise.name}")
        raise GraderSetupError(f"exercise {self.exercise.name} declares no option {name!r}")

    def call(self, func: str, *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        """Call ``func`` of the submission with plain-data arguments; returns plain data.

        Raises :class:`SubmissionError` (or a subclass) when the call fails in any way.
        """
        try:
            return self.runner.call(func, args, kwargs, timeout=self._time_limit(timeout))
        except SubmissionError as error:
            error.called = func  # what raised_through looks below
            raise

    def call_with_rngs(
        self, func: str, *args: Any, timeout: float | None = None, **kwargs: Any
    ) -> tuple[Any, list[np.random.Generator]]:
        """Like :meth:`call`, also returning every Generator argument in its state after the call.

        This lets a check verify that the submission drew its randomness from ``rng``.
        """
        try:
            return self.runner.call_with_rngs(func, args, kwargs,
                                              timeout=self._time_limit(timeout))
        except SubmissionError as error:
            error.called = func
            raise

    def call_many(self, func: str, calls: Iterable[tuple], *,
                  timeout: float | None = None) -> Iterator[Any]:
        """``func(*args)`` for each tuple of ``calls`` in order, yielding each value; raises
        the first call's :class:`SubmissionError` where it happens, as :meth:`call` would.

        The calls travel to the worker :data:`CALL_CHUNK` at a time (one round trip each);
        a chunk must finish within one call's time limit, so an endless loop is stopped as
        soon as with :meth:`call`. Meant for many cheap calls (generators, encoders).
        """
        batch = getattr(self.runner, "call_many", None)
        pending = [tuple(args) for args in calls]
        if batch is None:
            for args in pending:
                yield self.call(func, *args, timeout=timeout)
            return
        for start in range(0, len(pending), CALL_CHUNK):
            chunk = [(args, {}) for args in pending[start:start + CALL_CHUNK]]
            values, error = batch(func, chunk, timeout=self._time_limit(timeout))
            yield from values
            if error is not None:
                error.called = func
                raise error

    def _time_limit(self, timeout: float | None) -> float:
        """The call's own limit, else the check's, else the exercise's; times the scale."""
        limit = timeout or self.check.call_timeout or self.exercise.call_timeout
        limit *= self.options.timeout_scale
        deadline = self.options.deadline  # the submission's time budget, if any
        if deadline is not None:
            limit = max(1.0, min(limit, deadline - time.monotonic()))
        return limit

    def rng(self, *key: object) -> np.random.Generator:
        """A Generator determined by the grading seed, the check id and ``key``."""
        return np.random.default_rng(derive_seed(self.seed, self.check.id, *key))

    def seed_for(self, *key: object) -> int:
        """An int seed determined by the grading seed, the check id and ``key``."""
        return derive_seed(self.seed, self.check.id, *key)
