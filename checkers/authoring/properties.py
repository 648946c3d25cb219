"""Property checks: Hypothesis runs in the grader, the submission only answers calls.

:func:`run_property` runs a test over examples drawn from a strategy, seeded from the
grading seed and the check id, with no example database, and returns an
:class:`checkers.engine.model.Outcome`. A test signals a violated property by raising
:class:`Violation` with a sentence for the student; Hypothesis then shrinks the example and
the feedback shows the smallest one. An exception raised by the submission for some input
is a counterexample too; a time-out, a crashed worker, a missing function or
``NotImplementedError`` stops the property at once (no shrinking over a dead or hung worker).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky, FlakyFailure

from checkers.engine.errors import (
    CallTimeout,
    CheckFailed,
    MissingFunction,
    NotImplementedInSubmission,
    SubmissionError,
    WorkerDied,
)
from checkers.engine.model import Context, Outcome


class Violation(CheckFailed):
    """A property does not hold for the current example; the message is for the student.

    Inside :func:`run_property` it marks the example as a counterexample (shrunk by
    Hypothesis); raised anywhere else in a check, it fails the check (a
    :class:`CheckFailed`).
    """


class _Abort(Exception):
    """Raised inside the property once a fatal submission error was seen."""


# Errors that no other example would change: the property stops at once (no shrinking, no
# meaningless "smallest failing input" for a function that does not exist).
_FATAL = (CallTimeout, WorkerDied, NotImplementedInSubmission, MissingFunction)


def run_property(
    ctx: Context,
    strategy: st.SearchStrategy,
    test: Callable[[Any], None],
    *,
    max_examples: int = 100,
    describe: Callable[[Any], str] = repr,
    explicit: list[Any] | None = None,
    edges: Sequence[Any] = (),
) -> Outcome:
    """Run ``test`` on examples of ``strategy``; full marks when no example violates it.

    ``explicit`` examples are always tried first (edge cases worth naming). ``edges`` are
    tried one by one only once the generated examples held, so that a named edge case
    never hides a smaller, shrunk counterexample.
    """
    fatal: list[SubmissionError] = []
    failures: list[tuple[Any, str]] = []
    observed: list[Any] = []
    blocked: list[tuple[str, str]] = []  # (function, its check) per example not judged

    def attempt(example: Any) -> None:
        if fatal:
            raise _Abort
        try:
            test(example)
            observed.append(example)
        except Violation as violation:
            failures.append((example, str(violation)))
            raise
        except _FATAL as error:
            fatal.append(error)
            raise _Abort from None
        except SubmissionError as error:
            blocker = ctx.blocking_check(error)
            if blocker is not None:  # raised inside a function whose check failed
                blocked.append(blocker)
                return
            failures.append((example, error.message))
            raise Violation(error.message) from None

    config = settings(
        database=None,
        max_examples=max_examples,
        deadline=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        report_multiple_bugs=False,
        print_blob=False,
    )
    runner = given(strategy)(attempt)
    for example in reversed(explicit or []):
        from hypothesis import example as hypothesis_example

        runner = hypothesis_example(example)(runner)
    runner = seed(ctx.seed_for("hypothesis"))(config(runner))
    try:
        runner()
    except _Abort:
        pass
    except (Violation, Flaky, FlakyFailure, AssertionError):
        pass
    except BaseException as error:  # an ExceptionGroup from Hypothesis, for instance
        if not failures and not fatal:
            raise error
    _raise_fatal(fatal)
    if not failures:
        _try_edges(edges, attempt, fatal)
    if failures:
        example, message = failures[-1]
        return Outcome.failed(message, counterexample=describe(example))
    return _unfailed(len(observed), blocked)


def _try_edges(edges: Sequence[Any], attempt: Callable[[Any], None],
               fatal: list[SubmissionError]) -> None:
    """Try the named edge cases in order, stopping at the first that fails (``attempt``
    records it); a fatal submission error is raised as the property runner raises it."""
    for edge in edges:
        try:
            attempt(edge)
        except Violation:
            return
        except _Abort:
            _raise_fatal(fatal)


def _raise_fatal(fatal: list[SubmissionError]) -> None:
    """Raise (a fresh copy of) the first fatal submission error, if there was one."""
    if fatal:
        error = fatal[0]
        again = type(error)(error.message, details=error.details, frames=error.frames)
        again.called = getattr(error, "called", None)
        raise again


def _unfailed(observed: int, blocked: list[tuple[str, str]]) -> Outcome:
    """No example failed: passed, or blocked when every example raised inside a function
    whose check failed (the excused examples listed when some were judged)."""
    if not blocked:
        return Outcome.passed("the property held on every generated example")
    function, check = blocked[0]
    if not observed:
        return Outcome.blocked(check, f"every example raised inside {function}, which "
                               f"{check} finds wrong, so nothing of this check's own "
                               "function could be seen")
    return Outcome.passed(f"the property held on the {observed} examples judged").excusing(
        [(f"{len(blocked)} examples that raised inside {function}", check)])
