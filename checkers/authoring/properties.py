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
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, example, given, seed, settings
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


@dataclass
class _PropertyRun:
    """The state of one property run: what each example did."""

    ctx: Context
    test: Callable[[Any], None]
    fatal: list[SubmissionError] = field(default_factory=list)
    failures: list[tuple[Any, str]] = field(default_factory=list)
    observed: list[Any] = field(default_factory=list)
    blocked: list[tuple[str, str]] = field(default_factory=list)  # (function, its check)

    def attempt(self, example: Any) -> None:
        """Run the test on one example, recording how it went (Hypothesis calls this)."""
        if self.fatal:
            raise _Abort
        try:
            self.test(example)
            self.observed.append(example)
        except CheckFailed as violation:
            self.failures.append((example, str(violation)))
            raise
        except _FATAL as error:
            self.fatal.append(error)
            raise _Abort from None
        except SubmissionError as error:
            blocker = self.ctx.blocking_check(error)
            if blocker is not None:  # raised inside a function whose check failed
                self.blocked.append(blocker)
                return
            self.failures.append((example, error.message))
            raise Violation(error.message) from None

    def try_edges(self, edges: Sequence[Any]) -> None:
        """Try the named edge cases in order, stopping at the first that fails."""
        for edge in edges:
            try:
                self.attempt(edge)
            except CheckFailed:
                return
            except _Abort:
                _raise_fatal(self.fatal)


def _hypothesis_test(run: _PropertyRun, strategy: st.SearchStrategy, max_examples: int,
                     explicit: Sequence[Any]) -> Callable[[], None]:
    """The Hypothesis test over ``run.attempt``: seeded, no database, quiet, shrinking."""
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
    test = given(strategy)(run.attempt)
    for case in reversed(explicit):
        test = example(case)(test)
    return seed(run.ctx.seed_for("hypothesis"))(config(test))


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
    run = _PropertyRun(ctx, test)
    try:
        _hypothesis_test(run, strategy, max_examples, explicit or [])()
    except _Abort:
        pass
    except (Flaky, FlakyFailure, AssertionError):  # CheckFailed (a Violation) among them
        pass
    except BaseException as error:  # an ExceptionGroup from Hypothesis, for instance
        if not run.failures and not run.fatal:
            raise error
    _raise_fatal(run.fatal)
    if not run.failures:
        run.try_edges(edges)
    if run.failures:
        case, message = run.failures[-1]
        return Outcome.failed(message, counterexample=describe(case))
    return _unfailed(len(run.observed), run.blocked)


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
