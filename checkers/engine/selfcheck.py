"""The student's self-check in a notebook or a script: per-check grading, display, hints.

:func:`self_check` grades the functions of a namespace (a notebook's ``globals()``) in this
process, or a file (a text exercise's answers, or a script graded in the sandbox), and
returns a :class:`SelfCheck`: an HTML table in Jupyter (``_repr_html_``), plain text
elsewhere, and a one-line ``repr``. It remembers how each check failed, so that
:func:`hint` can address that failure (see :mod:`checkers.engine.hints`).
"""

from __future__ import annotations

import html
import sys
import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

from checkers.engine.errors import (
    CallTimeout,
    MissingFunction,
    NotImplementedInSubmission,
    SubmissionError,
    SubmissionRaised,
    UnknownCheck,
    WrongType,
)
from checkers.engine.hints import Hint, hint_for
from checkers.engine.model import Exercise
from checkers.engine.registry import get_exercise
from checkers.engine.report import CheckResult, Report, Status
from checkers.sandbox.notebook import SKIPPED_NAMES, skipped_only_names

# check id -> the failure kind of its last self-check in this process.
_LAST_KINDS: dict[str, str] = {}

# How each failure kind reads in "Your last check failed (...)".
_KIND_LABELS = {"not_implemented": "not implemented yet", "missing": "function not found",
                "raised": "your code raised an exception", "wrong_type": "wrong type",
                "timeout": "too slow", "failed": "wrong result", "error": "could not run"}

_STATUS_COLOURS = {"passed": "#1a7f37", "failed": "#cf222e", "error": "#cf222e",
                   "timeout": "#9a6700", "blocked": "#8250df", "missing": "#cf222e",
                   "not_implemented": "#cf222e", "skipped": "#0969da"}


def _error_kind(error: SubmissionError) -> str:
    if isinstance(error, NotImplementedInSubmission):
        return "not_implemented"
    if isinstance(error, MissingFunction):
        return "missing"
    if isinstance(error, CallTimeout):
        return "timeout"
    if isinstance(error, WrongType):
        return "wrong_type"
    if isinstance(error, SubmissionRaised):
        return "raised"
    return "error"


# Statuses that are failure kinds of their own (checkers.engine.hints.KINDS), or no failure.
_KIND_OF_STATUS = {Status.PASSED: "passed", Status.BLOCKED: "blocked",
                   Status.SKIPPED: "passed", Status.MISSING: "missing",
                   Status.NOT_IMPLEMENTED: "not_implemented", Status.TIMEOUT: "timeout"}


def failure_kind(result: CheckResult, errors: Iterable[tuple[str, str]] = ()) -> str:
    """How a check failed: ``passed``, or one of :data:`checkers.engine.hints.KINDS`.

    The status says it where it can (missing, not implemented, time-out, blocked); else
    ``errors``, the (kind, message) of the submission errors seen during the check, name
    the kind of the one whose message became the feedback. A check judged elsewhere
    (``skipped``) has nothing to hint at.
    """
    if result.status in _KIND_OF_STATUS:
        return _KIND_OF_STATUS[result.status]
    for kind, message in reversed(list(errors)):
        if message == result.feedback:
            return kind
    return "failed" if result.status == Status.FAILED else "error"


class _RecordingRunner:
    """A runner that notes the kind of every submission error on its way to the check."""

    def __init__(self, runner: Any) -> None:
        self.runner = runner
        self.notes = getattr(runner, "notes", [])
        self.errors: list[tuple[str, str]] = []

    def call_with_rngs(self, func: str, args: tuple, kwargs: dict, *, timeout: float) -> Any:
        """See :class:`checkers.sandbox.runner.Runner`."""
        try:
            return self.runner.call_with_rngs(func, args, kwargs, timeout=timeout)
        except SubmissionError as error:
            self.errors.append((_error_kind(error), error.message))
            raise

    def call(self, func: str, args: tuple, kwargs: dict, *, timeout: float) -> Any:
        """See :class:`checkers.sandbox.runner.Runner`."""
        return self.call_with_rngs(func, args, kwargs, timeout=timeout)[0]

    def close(self) -> None:
        """Release the wrapped runner."""
        self.runner.close()


class _Displayable:
    """Shown once in Jupyter (HTML), as text elsewhere, and never as a long repr."""

    _shown = False

    def _repr_html_(self) -> str:
        raise NotImplementedError

    def _ipython_display_(self) -> None:
        # Shown by check()/hint() already: the same object as a cell's last line adds nothing.
        if self._shown:
            return
        self._shown = True
        from IPython.display import display

        display({"text/html": self._repr_html_(), "text/plain": str(self)}, raw=True)

    def show(self) -> None:
        """Display now: HTML under IPython/Jupyter, plain text on a terminal."""
        if "IPython" in sys.modules:
            from IPython import get_ipython

            if get_ipython() is not None:
                self._ipython_display_()
                return
        print(str(self))
        self._shown = True


@dataclass(eq=False)
class SelfCheck(_Displayable):
    """A self-check's report with how each check failed; reads like the report it holds."""

    report: Report
    kinds: dict[str, str] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "report":
            raise AttributeError(name)
        return getattr(self.report, name)  # score, max_score, checks, result(), to_json()

    def __repr__(self) -> str:
        passed = sum(1 for c in self.report.checks if c.status == "passed")
        return (f"<seqgrade self-check {self.report.exercise}: {self.report.score:g}/"
                f"{self.report.max_score:g}, {passed} of {len(self.report.checks)} checks "
                "passed>")

    def _failed(self) -> list[CheckResult]:
        return [c for c in self.report.checks
                if c.status not in (Status.PASSED, Status.SKIPPED)]

    def __str__(self) -> str:
        lines = [f"seqgrade self-check · {self.report.exercise} · "
                 f"{self.report.score:g}/{self.report.max_score:g} (not an official grade)"]
        for check in self.report.checks:
            mark = "ok  " if check.status == "passed" else f"{check.status.upper():8}"
            lines.append(f"  {mark} {check.id} ({check.score:g}/{check.max_score:g})")
            if check.status != "passed":
                for line in check.feedback.splitlines()[:12]:
                    lines.append(f"           {line}")
                if check.counterexample:
                    lines.append(f"           smallest failing input: {check.counterexample}")
        for note in self.report.notes:
            lines.append(f"  note: {note}")
        failed = self._failed()
        if failed:
            lines.append(f'  hint: checkers.hint("{failed[0].id}")')
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = []
        for check in self.report.checks:
            colour = _STATUS_COLOURS.get(check.status, "#57606a")
            feedback = "" if check.status == "passed" else html.escape(check.feedback)
            if check.counterexample and check.status != "passed":
                feedback += ("<br><b>smallest failing input:</b> <code>"
                             f"{html.escape(check.counterexample)}</code>")
            if check.status not in (Status.PASSED, Status.SKIPPED):
                feedback += (f'<br><i>hint: <code>checkers.hint("{html.escape(check.id)}")'
                             "</code></i>")
            rows.append(
                f"<tr><td><code>{html.escape(check.id)}</code></td>"
                f"<td style='text-align:right'>{check.score:g}/{check.max_score:g}</td>"
                f"<td style='color:{colour};font-weight:bold'>{html.escape(check.status)}</td>"
                f"<td style='text-align:left;white-space:pre-wrap'>{feedback}</td></tr>")
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.report.notes)
        return (
            "<div class='seqgrade-selfcheck'>"
            f"<b>seqgrade self-check · {html.escape(self.report.exercise)} · "
            f"{self.report.score:g}/{self.report.max_score:g}</b> (not an official grade)"
            "<table><thead><tr><th>check</th><th>points</th><th>status</th>"
            "<th>feedback</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
            + (f"<ul>{notes}</ul>" if notes else "") + "</div>")


@dataclass(eq=False)
class HintView(_Displayable):
    """A hint as shown to the student."""

    hint: Hint

    def __repr__(self) -> str:
        return f"<seqgrade hint for {self.hint.check_id}>"

    def __str__(self) -> str:
        lines = [f"Hint for {self.hint.check_id} ({self.hint.title}): {self.hint.general}"]
        if self.hint.specific:
            lines.append(f"Your last check failed ({_KIND_LABELS[self.hint.kind]}): "
                         f"{self.hint.specific}")
        elif self.hint.kind is None:
            lines.append("(Run the self-check first: the hint then also addresses how it "
                         "failed.)")
        elif self.hint.kind == "passed":
            lines.append("(This check passed in your last self-check.)")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        parts = [f"<p><b>Hint for <code>{html.escape(self.hint.check_id)}</code></b> "
                 f"({html.escape(self.hint.title)}): {html.escape(self.hint.general)}</p>"]
        if self.hint.specific:
            kind = html.escape(_KIND_LABELS[self.hint.kind])
            parts.append(f"<p><i>Your last check failed ({kind}):</i> "
                         f"{html.escape(self.hint.specific)}</p>")
        return "<div class='seqgrade-hint'>" + "".join(parts) + "</div>"


def _check_ids(exercise: Exercise, checks: str | Iterable[str] | None) -> list[str] | None:
    if checks is None:
        return None
    wanted = [checks] if isinstance(checks, str) else list(checks)
    known = [c.id for c in exercise.checks]
    for check_id in wanted:
        if check_id not in known:
            raise UnknownCheck(f"{exercise.name} has no check {check_id!r}; its checks: "
                               + ", ".join(known))
    return wanted


def notebook_of(namespace: Mapping[str, Any],
                notebook: str | PathLike | None = None) -> Path | None:
    """The notebook file whose kernel holds ``namespace``: ``notebook`` when given, else
    what Jupyter (``__session__``) or VS Code (``__vsc_ipynb_file__``) records there."""
    for candidate in (notebook, namespace.get("__session__"),
                      namespace.get("__vsc_ipynb_file__")):
        if isinstance(candidate, str | PathLike) and str(candidate).endswith(".ipynb") \
                and Path(candidate).is_file():
            return Path(candidate)
    return None


def graded_view(namespace: Mapping[str, Any], skipped: Mapping[str, int]) -> dict[str, Any]:
    """``namespace`` as grading sees it: without the names only skipped cells define.

    The notebook's functions are rebound to that view (same code, defaults and closures),
    so a function that uses a name from a skipped cell fails here as it fails when graded;
    the names stay in the view's record of skipped names, for the message.
    """
    view = {name: value for name, value in namespace.items() if name not in skipped}
    for name, value in list(view.items()):
        if isinstance(value, types.FunctionType) and value.__globals__ is namespace:
            clone = types.FunctionType(value.__code__, view, value.__name__, value.__defaults__,
                                       value.__closure__)
            clone.__kwdefaults__ = value.__kwdefaults__
            clone.__dict__.update(value.__dict__)
            view[name] = clone
    view[SKIPPED_NAMES] = dict(skipped)
    return view


def self_check(exercise_name: str, submission: Mapping[str, Any] | str | PathLike,
               *, checks: str | Iterable[str] | None = None, seed: int = 0,
               notebook: str | PathLike | None = None) -> SelfCheck:
    """Grade ``submission`` for ``exercise_name``: a namespace in this process, or a file.

    A namespace (``globals()``) runs in this process (no sandbox); a path is graded like
    ``seqgrade check`` (in the sandbox for code; text exercises are only read). In a
    notebook (found as :func:`notebook_of` says), the names that only cells tagged
    ``seqgrade-ignore`` define are left out, as grading leaves those cells out.
    """
    exercise = get_exercise(exercise_name)
    wanted = _check_ids(exercise, checks)
    kinds: dict[str, str] = {}
    if isinstance(submission, str | PathLike):
        from checkers.engine.grading import grade

        report = grade(exercise.name, Path(submission), seed=seed, checks=wanted)
        for result in report.checks:
            kinds[result.id] = failure_kind(result)
    elif exercise.grades == "text":
        raise TypeError(f"{exercise.name} is graded from a file: "
                        f"checkers.check({exercise.name!r}, 'answers.md')")
    else:
        from checkers.engine.grading import grade_with_runner
        from checkers.sandbox.runner import InProcessRunner

        found = notebook_of(submission, notebook)
        skipped = skipped_only_names(found.read_text(encoding="utf-8")) if found else {}
        view = graded_view(submission, skipped) if skipped else submission
        runner = _RecordingRunner(InProcessRunner(view))

        def classify(result: CheckResult) -> None:
            kinds[result.id] = failure_kind(result, runner.errors)
            runner.errors.clear()

        report = grade_with_runner(exercise, runner, submission_label="<notebook>",
                                   seed=seed, checks=wanted, on_check=classify)
    _LAST_KINDS.update(kinds)
    return SelfCheck(report=report, kinds=kinds)


def hint(check_id: str) -> HintView:
    """The hint for ``check_id`` (``"X.dataset"``), addressing its last failure."""
    exercise_name = check_id.split(".", 1)[0]
    exercise = get_exercise(exercise_name)
    _check_ids(exercise, [check_id])
    return HintView(hint_for(exercise, check_id, _LAST_KINDS.get(check_id)))
