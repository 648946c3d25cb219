"""Grading one submission: run every check of an exercise against a runner, build a Report."""

from __future__ import annotations

import dataclasses
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from checkers.engine.budget import (
    CallClock,
    GradingTime,
    cpu_seconds_by_process,
    cpu_seconds_since,
    default_limits,
    load_reference_time,
)
from checkers.engine.errors import (
    CheckFailed,
    GraderEnvironmentError,
    GraderSetupError,
    SubmissionError,
)
from checkers.engine.model import Check, Context, Exercise, Outcome
from checkers.engine.options import GradingOptions
from checkers.engine.registry import get_exercise, plugin_folders
from checkers.engine.report import CheckResult, Report, Status
from checkers.sandbox.levels import require_isolation
from checkers.sandbox.runner import Limits, Runner, SandboxRunner
from checkers.sandbox.submission import SubmissionNotFound, find_submission

UNISOLATED_NOTE = ("NOT ISOLATED: graded with --allow-unisolated on a machine where the "
                   "sandbox could apply no isolation; the submission could read the "
                   "grader's files and use the network")


def grader_version() -> str:
    """The installed seqgrade version."""
    try:
        return metadata.version("seqgrade")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def run_check(check: Check, exercise: Exercise, runner: Runner, seed: int,
              options: GradingOptions, earlier: Sequence[CheckResult] = ()) -> CheckResult:
    """Run one check; whatever the submission does, a CheckResult comes back.

    A submission error raised inside a function whose check already failed (``earlier``
    results) makes the check ``blocked`` by that check: nothing of its own was seen.
    """
    ctx = Context(runner=runner, seed=seed, check=check, exercise=exercise, options=options,
                  failed_checks=frozenset(r.id for r in earlier if r.status != Status.PASSED))
    started = time.perf_counter()
    outcome, status = _outcome_of(check, ctx)
    fraction = min(1.0, max(0.0, float(outcome.fraction)))
    if outcome.blocked_by is not None:
        status, fraction = Status.BLOCKED, 0.0
    elif outcome.skipped:
        status, fraction = Status.SKIPPED, 0.0
    elif status is None:
        status = Status.PASSED if fraction >= 1.0 else Status.FAILED
    elif status == Status.FAILED and fraction >= 1.0:
        status = Status.PASSED
    return CheckResult(
        id=check.id,
        name=check.name,
        score=round(check.points * fraction, 2),
        max_score=float(check.points),
        status=status,
        feedback=outcome.feedback,
        counterexample=outcome.counterexample,
        metrics={k: float(v) for k, v in outcome.metrics.items()},
        duration_s=round(time.perf_counter() - started, 3),
        blocked_by=outcome.blocked_by,
    )


def _outcome_of(check: Check, ctx: Context) -> tuple[Outcome, Status | None]:
    """The check's outcome, and the status an error imposes (None: from the fraction).

    The failure protocol: a :class:`CheckFailed` raised anywhere in the check is its
    verdict; a :class:`SubmissionError` is the submission's failure (``blocked`` when it
    was raised inside a function whose own check failed); a grader's error is never the
    student's deduction.
    """
    try:
        outcome = check.run(ctx)
        if not isinstance(outcome, Outcome):
            raise TypeError(f"check {check.id} returned {type(outcome).__name__}")
        return outcome, None
    except CheckFailed as failure:
        return Outcome.failed(failure.message, failure.counterexample,
                              **failure.metrics), None
    except SubmissionError as error:
        blocker = ctx.blocking_check(error)
        if blocker is None:
            return Outcome.failed(error.message), Status(error.status)
        return Outcome.blocked(blocker[1], f"this check's call raised inside {blocker[0]}, "
                               f"which {blocker[1]} finds wrong:\n{error.message}"), None
    except GraderSetupError as error:
        return Outcome.failed(f"the grader could not run this check: {error}"), Status.ERROR
    except GraderEnvironmentError:
        raise  # the machine cannot grade: no check result, no deduction
    except Exception:  # a bug in the grader: say so, keep grading the other checks
        return Outcome.failed("internal grader error (not your fault; please report it):\n"
                              + traceback.format_exc(limit=4)), Status.ERROR


def grade_with_runner(
    exercise: Exercise,
    runner: Runner,
    *,
    submission_label: str,
    seed: int = 0,
    options: GradingOptions | Mapping[str, Any] | None = None,
    checks: Sequence[str] | None = None,
    notes: list[str] | None = None,
    on_check: Callable[[CheckResult], None] | None = None,
    time_budget: float | None = None,
    timing: GradingTime | None = None,
) -> Report:
    """Grade with an existing runner (sandboxed or in-process).

    ``time_budget`` (seconds of wall clock for the whole submission): calls are cut at
    what is left of it, and once it is spent the remaining checks are not run (0 points,
    status ``timeout``, a message saying so); with it, the hang limits of
    :mod:`checkers.engine.budget` apply, and a report with a time-out says in a note how
    long the reference takes (an honest report is unchanged).
    ``timing``, when given, receives what the grading took (wall clock, CPU time, the
    slowest call of each function).
    ``Exercise.prepare`` runs at the start of the first check that runs.
    """
    started = time.perf_counter()
    cpu_start = cpu_seconds_by_process() if timing is not None else {}
    options = GradingOptions.of(options).for_exercise(exercise.options, exercise.name)
    reference = None
    if time_budget is not None:
        # Context caps every call at what is left (see Context._time_limit).
        options = options.replace(deadline=time.monotonic() + time_budget)
        reference = load_reference_time(exercise)
    clock = CallClock(runner, reference, options.timeout_scale)
    results = _run_checks(exercise, runner, clock, seed, options, checks, on_check,
                          time_budget)
    if reference is not None and any(r.status == Status.TIMEOUT for r in results):
        notes = [*(notes or []), reference.note(time_budget, time.perf_counter() - started)]
    if timing is not None:  # before the runner closes: its worker's time counts
        timing.wall_seconds = time.perf_counter() - started
        timing.cpu_seconds = cpu_seconds_since(cpu_start)
        timing.calls.update(clock.slowest)
    all_notes = list(notes or []) + list(getattr(runner, "notes", []))
    return Report(
        exercise=exercise.name,
        submission=submission_label,
        seed=seed,
        score=round(sum(r.score for r in results), 2),
        max_score=float(sum(r.max_score for r in results)),
        duration_s=round(time.perf_counter() - started, 3),
        grader_version=grader_version(),
        checks=results,
        notes=list(dict.fromkeys(all_notes)),
        isolation=getattr(runner, "isolation", "none"),
    )


def _run_checks(exercise: Exercise, runner: Runner, clock: CallClock, seed: int,
                options: GradingOptions, checks: Sequence[str] | None,
                on_check: Callable[[CheckResult], None] | None,
                time_budget: float | None) -> list[CheckResult]:
    """The results of the checks asked for, in the exercise's order (calls through
    ``clock``); the exercise's ``prepare`` runs at the start of the first that runs."""
    results: list[CheckResult] = []
    prepare = exercise.prepare
    for check in exercise.checks:
        if checks is not None and check.id not in checks:
            continue
        if options.deadline is not None and time.monotonic() >= options.deadline:
            result = _not_run(check, time_budget or 0.0)
        else:
            if prepare is not None:
                check, prepare = _preparing(check, prepare), None
            result = run_check(check, exercise, clock, seed, options, results)
        fatal = getattr(runner, "fatal", None)
        if fatal is not None:  # raised inside the check, and perhaps caught there
            raise fatal
        results.append(result)
        if on_check is not None:
            on_check(result)
    return results


def _preparing(check: Check, prepare: Callable[[Context], None]) -> Check:
    """``check`` that first runs the exercise's ``prepare`` with its own context."""
    def run(ctx: Context) -> Outcome:
        prepare(ctx)
        return check.run(ctx)

    return dataclasses.replace(check, run=run)


def _not_run(check: Check, time_budget: float) -> CheckResult:
    return CheckResult(
        id=check.id, name=check.name, score=0.0, max_score=float(check.points),
        status=Status.TIMEOUT,
        feedback=(f"not run: the time budget of your submission ({time_budget:g} s for all "
                  "checks) was spent before this check; make the slow functions faster"),
    )


class _TextRunner:
    """For exercises graded from text: nothing of the submission ever runs."""

    notes: list[str] = []
    isolation = "no-code"

    def call(self, func: str, args: tuple, kwargs: dict, *, timeout: float) -> Any:
        raise SubmissionError("this exercise is graded from text; no code is called")

    call_with_rngs = call

    def close(self) -> None:
        """Nothing to release."""


def _failed_everywhere(exercise: Exercise, label: str, seed: int, message: str,
                       checks: Sequence[str] | None) -> Report:
    results = [
        CheckResult(id=c.id, name=c.name, score=0.0, max_score=float(c.points),
                    status=Status.ERROR, feedback=message)
        for c in exercise.checks
        if checks is None or c.id in checks
    ]
    return Report(exercise=exercise.name, submission=label, seed=seed, score=0.0,
                  max_score=float(sum(r.max_score for r in results)), duration_s=0.0,
                  grader_version=grader_version(), checks=results, notes=[message])


def declared_data(exercise: Exercise, data_dir: str | None) -> list[str]:
    """The paths of the exercise's ``data_files`` (names resolved in the data folder)."""
    paths = []
    for name in exercise.data_files:
        path = Path(name)
        if not path.is_absolute():
            if not data_dir:
                continue
            path = Path(data_dir) / name
        paths.append(str(path))
    return paths


def grade(
    exercise_name: str,
    path: Path,
    *,
    seed: int = 0,
    options: GradingOptions | Mapping[str, Any] | None = None,
    limits: Limits | None = None,
    checks: Sequence[str] | None = None,
    on_check: Callable[[CheckResult], None] | None = None,
    timing: GradingTime | None = None,
) -> Report:
    """Grade the submission at ``path`` for ``exercise_name`` in a sandbox.

    ``options.config_path`` names an instructor's TOML file (points, limits and options per
    exercise, see :mod:`checkers.engine.config`). Without ``limits``, the time budget is
    the exercise's default (:func:`checkers.engine.budget.default_budget`: a multiple of
    the reference's recorded grading time), unless the course file sets one.
    ``timing``: see :func:`grade_with_runner`.
    """
    exercise = get_exercise(exercise_name)
    exercise, options, limits = _configured(exercise, GradingOptions.of(options),
                                            limits or default_limits(exercise))
    path = Path(path)
    label = str(path)
    if exercise.grades == "text":
        return _grade_text(exercise, path, label, seed, options, checks, on_check)
    try:
        submission = find_submission(path, exercise.name)
    except SubmissionNotFound as error:
        return _failed_everywhere(exercise, label, seed, str(error), checks)
    env = dict(options.worker_env)
    if options.data_dir:
        env["SEQGRADE_DATA_DIR"] = str(options.data_dir)
    if limits.time_budget is not None:
        limits = dataclasses.replace(
            limits, time_budget=limits.time_budget * options.timeout_scale)
    required = options.official and not options.allow_unisolated
    if required and limits.isolate:
        require_isolation(env)
    runner = SandboxRunner(submission, limits=limits, env=env,
                           data_paths=declared_data(exercise, options.data_dir),
                           extra_hidden=plugin_folders(), preload=exercise.worker_imports,
                           require_isolation=required)
    try:
        report = grade_with_runner(
            exercise, runner, submission_label=label, seed=seed, options=options,
            checks=checks, notes=submission.notes, on_check=on_check,
            time_budget=limits.time_budget, timing=timing,
        )
    finally:
        runner.close()
    if report.isolation == "none" and options.allow_unisolated:
        report.notes.insert(0, UNISOLATED_NOTE)
    return report


def _configured(exercise: Exercise, options: GradingOptions,
                limits: Limits) -> tuple[Exercise, GradingOptions, Limits]:
    """The exercise, options and limits with the course file's section applied (points,
    limits, ``heldout`` and the exercise's own options), when ``options`` names one."""
    if options.config_path:
        from checkers.engine.config import load_config

        overrides = load_config(Path(options.config_path)).get(exercise.name)
        if overrides is not None:
            exercise = overrides.apply_points(exercise)
            limits, exercise = overrides.apply_limits(limits, exercise)
            options = GradingOptions.of({**options.to_dict(), **overrides.options})
    return exercise, options.for_exercise(exercise.options, exercise.name), limits


def _grade_text(exercise: Exercise, path: Path, label: str, seed: int,
                options: GradingOptions, checks: Sequence[str] | None,
                on_check: Callable[[CheckResult], None] | None) -> Report:
    assert exercise.read_text is not None  # Exercise.__post_init__ guarantees it
    try:
        options = options.replace(answers=exercise.read_text(path), answers_error=None)
    except ValueError as error:
        options = options.replace(answers={}, answers_error=str(error))
    return grade_with_runner(exercise, _TextRunner(), submission_label=label, seed=seed,
                             options=options, checks=checks, on_check=on_check)
