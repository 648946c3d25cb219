"""Every error class of the grader, in one place (pytest's ``outcomes``, Hypothesis' ``errors``).

Three families:

- :class:`CheckFailed`: a check's own verdict that the submission is wrong, raised
  anywhere inside a check (pytest's ``fail.Exception``); the engine turns it into a failed
  check with its message. ``checkers.authoring.Violation`` (a property that does not hold
  for one example) is one.

- :class:`SubmissionError` and its subclasses: something the submission did (raised,
  timed out, crashed, returned the wrong type). Defined by the sandbox, which raises them,
  and re-exported here. The engine turns them into failed checks.
- :class:`GraderError` and its subclasses: something the grader or its user got wrong (a
  missing data set, an unknown exercise, a malformed course file). Never the student's
  fault; the CLI reports them in one line.
"""

from __future__ import annotations

from checkers.sandbox.errors import (
    BrokenInstallation,
    CallTimeout,
    GraderEnvironmentError,
    GraderError,
    IsolationUnavailable,
    MissingFunction,
    NotImplementedInSubmission,
    SubmissionError,
    SubmissionRaised,
    WorkerDied,
    WrongType,
)

__all__ = [
    "BrokenInstallation",
    "CallTimeout",
    "CheckFailed",
    "ConfigError",
    "GraderEnvironmentError",
    "GraderError",
    "GraderSetupError",
    "IsolationUnavailable",
    "MissingFunction",
    "NotImplementedInSubmission",
    "SubmissionError",
    "SubmissionRaised",
    "UnknownCheck",
    "UnknownExercise",
    "WorkerDied",
    "WrongFileType",
    "WrongType",
]


class CheckFailed(AssertionError):
    """The submission is wrong, as a check found: raise it anywhere inside a check.

    The engine catches it and reports the check as failed with this message (written for
    the student), ``counterexample`` and ``metrics``; no ``try``/``except`` in the check.
    """

    def __init__(self, message: str = "", *, counterexample: str | None = None,
                 **metrics: float) -> None:
        super().__init__(message)
        self.message = message
        self.counterexample = counterexample
        self.metrics = metrics

    def __str__(self) -> str:
        return self.message


class GraderSetupError(GraderError, RuntimeError):
    """The grader lacks something it needs (a data set, a model): not the student's fault.

    The check is reported as an error with this message, without a traceback.
    """


class UnknownExercise(GraderError, KeyError):
    """An exercise name that no installed exercise package provides."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown exercise"


class UnknownCheck(GraderError, KeyError):
    """A check id that the exercise does not have."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown check"


class ConfigError(GraderError, ValueError):
    """A malformed instructor's file (course TOML, rubric, thresholds)."""


class WrongFileType(ValueError):
    """A text exercise was given a file of a type it does not read (a notebook for an
    answers file, say). ``check`` reports it in one line with exit 2; a class's ``grade``
    gives that student 0 with the message (one student's error, never the batch's)."""
