"""Reports are data first (dataclasses), then JSON, Gradescope results.json, or a table."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """How a check ended. A ``str``: it compares equal to, and serialises as, its value."""

    PASSED = "passed"  # full points
    FAILED = "failed"  # the submission is wrong (partial credit possible)
    ERROR = "error"  # it raised or crashed, or the grader could not run the check
    TIMEOUT = "timeout"  # too slow, or the time budget was spent
    # Nothing of the check's function could be observed because the function of another
    # check (``blocked_by``) fails: 0 points, fix that one first.
    BLOCKED = "blocked"
    MISSING = "missing"  # the submission defines no function of the name the check calls
    NOT_IMPLEMENTED = "not_implemented"  # the function still raises NotImplementedError
    # Judged by ``seqgrade check`` only (the notebook self-check cannot judge it): 0 points
    # here, never shown as passed.
    SKIPPED = "skipped"


STATUSES = tuple(status.value for status in Status)
# Statuses that mean the grade is incomplete through no verdict on the work (a crash, a
# time-out): the gradebook marks such a grade for another look.
INCOMPLETE_STATUSES = frozenset({Status.ERROR, Status.TIMEOUT})


@dataclass
class CheckResult:
    """The grade of one check."""

    id: str
    name: str
    score: float
    max_score: float
    status: Status
    feedback: str
    counterexample: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    duration_s: float = 0.0
    # For status ``blocked``: the id of the check to fix first.
    blocked_by: str | None = None

    def __post_init__(self) -> None:
        self.status = Status(self.status)  # a report read back from JSON holds strings


@dataclass
class Report:
    """The grade of one submission for one exercise."""

    exercise: str
    submission: str
    seed: int
    score: float
    max_score: float
    duration_s: float
    grader_version: str
    checks: list[CheckResult]
    notes: list[str] = field(default_factory=list)
    # The isolation level the worker reached (checkers.sandbox.isolation.LEVELS), or
    # "no-code" for exercises graded from text (nothing of the submission runs).
    isolation: str = "none"

    def to_dict(self, *, with_durations: bool = True) -> dict[str, Any]:
        """The JSON report as a dict (schema in docs/REPORT.md)."""
        data = asdict(self)
        if not with_durations:
            data.pop("duration_s")
            for check in data["checks"]:
                check.pop("duration_s")
        return data

    def to_json(self, *, with_durations: bool = True) -> str:
        """The JSON report as text."""
        return json.dumps(self.to_dict(with_durations=with_durations), indent=2,
                          ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        """A report read back from :meth:`to_dict` output."""
        checks = [CheckResult(**c) for c in data["checks"]]
        fields = {k: v for k, v in data.items() if k != "checks"}
        return cls(checks=checks, **fields)

    def result(self, check_id: str) -> CheckResult:
        """The result of one check (KeyError if absent)."""
        for check in self.checks:
            if check.id == check_id:
                return check
        raise KeyError(check_id)


def _check_text(check: CheckResult) -> str:
    text = check.feedback
    if check.counterexample:
        text += f"\nSmallest failing input: {check.counterexample}"
    return text


def render_text(report: Report, console: Any = None) -> None:
    """Print the report as a rich table (to ``console``, or to stdout)."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    if report.isolation == "none":
        console.print("[bold red]not isolated:[/] this grade ran without a sandbox "
                      "(see the notes below)")
    table = Table(title=f"seqgrade · {report.exercise} · {report.submission}",
                  show_lines=True, expand=True)
    table.add_column("check", no_wrap=True)
    table.add_column("points", justify="right", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("feedback", ratio=1)
    styles = {"passed": "green", "failed": "red", "error": "red", "timeout": "yellow",
              "blocked": "magenta", "missing": "red", "not_implemented": "red",
              "skipped": "cyan"}
    from checkers.engine.registry import review_metrics

    asks = review_metrics(report.exercise)
    for check in report.checks:
        review = " · needs review" if asks is not None and asks.flagged(check.metrics) else ""
        table.add_row(
            check.id,
            f"{check.score:g}/{check.max_score:g}",
            f"[{styles.get(check.status, 'white')}]{check.status}[/]{review}",
            _check_text(check),
        )
    console.print(table)
    for note in report.notes:
        console.print(f"[yellow]note:[/] {note}")
    console.print(
        f"[bold]score {report.score:g}/{report.max_score:g}[/] "
        f"(seed {report.seed}, {report.duration_s:.1f} s, isolation: {report.isolation})"
    )
