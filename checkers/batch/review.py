"""Instructor review of low-confidence grades: which checks are flagged, and setting scores.

A check is flagged when its metrics say ``needs_review`` (the qa grader does so when its
confidence that the answer's band is right falls below the review threshold). The
instructor's score is stored as an override in the gradebook (:meth:`Gradebook.set_override`),
which every export and report applies and which re-grading and ``--resume`` keep.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from checkers.batch.gradebook import Gradebook, Row

_ASSIGNMENT = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*=\s*([0-9]+(?:\.[0-9]+)?)\s*$")


@dataclass(frozen=True)
class Flagged:
    """One check of one student that asks for the instructor's eye."""

    exercise: str
    student: str
    check_id: str
    score: float
    max_score: float
    confidence: float | None
    feedback: str
    overridden: bool
    path: str


def flagged(rows: list[Row], *, include_overridden: bool = False) -> list[Flagged]:
    """The flagged checks of ``rows`` (those already overridden only when asked)."""
    out = []
    for row in rows:
        for check in row.report.checks:
            overridden = bool(check.metrics.get("overridden"))
            if check.metrics.get("needs_review") or (include_overridden and overridden):
                out.append(Flagged(row.exercise, row.student, check.id, check.score,
                                   check.max_score, check.metrics.get("confidence"),
                                   check.feedback, overridden, row.path))
    return out


def parse_assignment(text: str) -> tuple[str, float]:
    """``"qa.q3=7"`` → ``("qa.q3", 7.0)``; ValueError with a readable message otherwise."""
    found = _ASSIGNMENT.match(text)
    if not found:
        raise ValueError(f"expected CHECK=SCORE (for example qa.q3=7), got {text!r}")
    return found.group(1), float(found.group(2))


def set_scores(book: Gradebook, exercise: str, student: str, assignments: list[str],
               reason: str = "") -> list[tuple[str, float]]:
    """Store the instructor's scores for one student (all or nothing: every assignment is
    checked before any is written)."""
    parsed = [parse_assignment(a) for a in assignments]
    if not parsed:
        raise ValueError("give at least one CHECK=SCORE")
    graded = {r.student: r for r in book.rows(exercise)}
    if student not in graded:
        raise ValueError(f"no grade for student {student!r} in exercise {exercise!r}")
    checks = {c.id: c for c in graded[student].report.checks}
    for check_id, score in parsed:
        if check_id not in checks:
            raise ValueError(f"{student} has no check {check_id!r} "
                             f"(checks: {', '.join(checks)})")
        if not 0.0 <= score <= checks[check_id].max_score:
            raise ValueError(f"{check_id}: score must be between 0 and "
                             f"{checks[check_id].max_score:g}")
    for check_id, score in parsed:
        book.set_override(exercise, student, check_id, score, reason)
    return parsed


def answer_text(item: Flagged) -> str | None:
    """The student's answer to a flagged qa question, if the file is still there."""
    if item.exercise != "qa" or not item.path:
        return None
    try:
        from checkers.exercises.qa.answers import load_answers

        answers = load_answers(Path(item.path))
    except Exception:  # noqa: BLE001 - the file may be gone or changed; the review goes on
        return None
    question = item.check_id.split(".", 1)[-1]
    return answers.get(question) if isinstance(answers, dict) else None
