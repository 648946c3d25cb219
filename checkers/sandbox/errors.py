"""What can go wrong on the submission's side of a call, as seen by the host.

Every failure of a call into the submission is a :class:`SubmissionError`; its message is
written for the student and becomes the check's feedback. The engine re-exports these
classes from :mod:`checkers.engine.errors`, the one module graders import errors from.
"""

from __future__ import annotations


class SubmissionError(Exception):
    """A call into the submission failed; ``status`` (a value of
    ``checkers.engine.report.Status``) is the check's status when the error ends it.

    The message is written for the student and ends up as the check's feedback.
    """

    status = "error"

    def __init__(self, message: str, *, details: str | None = None,
                 frames: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        # The function names of the submission's frames in the traceback, outermost first.
        self.frames = tuple(frames)


class CallTimeout(SubmissionError):
    """A call ran past its wall-clock limit (the worker was killed and restarted)."""

    status = "timeout"


class WorkerDied(SubmissionError):
    """The worker process died during a call (``os._exit``, a signal, a resource limit)."""


class MissingFunction(SubmissionError):
    """The submission defines no function of the name a check calls."""

    status = "missing"


class NotImplementedInSubmission(SubmissionError):
    """The submission still raises ``NotImplementedError`` for a function a check needs."""

    status = "not_implemented"


class WrongType(SubmissionError):
    """A returned value has the wrong type or shape; graded as a failure, not an error."""

    status = "failed"


class SubmissionRaised(SubmissionError):
    """The submission raised an exception; ``exception_types`` lists its class and bases."""

    def __init__(self, message: str, exception_types: list[str], details: str | None = None,
                 frames: tuple[str, ...] = ()):
        super().__init__(message, details=details, frames=frames)
        self.exception_types = exception_types

    def raised(self, name: str) -> bool:
        """Whether the exception is a ``name`` (or a subclass of it)."""
        return name in self.exception_types


class GraderError(Exception):
    """The root of the errors that are not the submission's doing (re-exported, with its
    subclasses of the upper layers, by :mod:`checkers.engine.errors`)."""


class GraderEnvironmentError(GraderError):
    """The machine the grader runs on cannot grade safely or correctly: never a deduction.

    Raised out of grading altogether (the CLI exits 2 with this message; the autograder
    writes no score), not turned into a failed check.
    """


class IsolationUnavailable(GraderEnvironmentError):
    """An official grade was asked where no isolation layer can be applied."""


class BrokenInstallation(GraderEnvironmentError):
    """A module of the grader's own Python installation imports outside the sandbox but
    not inside it (the worker's view misses part of the installation)."""
