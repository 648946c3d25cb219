"""Instructor review of low-confidence grades: which checks are flagged, and setting scores.

A check is flagged when its metrics say so, by the flag its exercise declares
(``Exercise.review``, e.g. when the grader's confidence that an answer's band is right
falls below a threshold). The
instructor's score is stored as an override in the gradebook (:meth:`Gradebook.set_override`),
which every export and report applies and which re-grading and ``--resume`` keep, with each
change logged (who, when, old and new score, reason) in the gradebook's ``override_log``.

The review page (:mod:`checkers.batch.review_server`) reads its data through
:func:`queue`, :func:`item_detail` and :func:`student_detail`, and writes through
:func:`decide`, which calls the same :meth:`Gradebook.set_override` as ``--set``. Nothing
here knows an exercise: the key-point view of an answer comes from the shape of the
check's feedback (``covered: … (you wrote: "…"); …. missing: …``, :func:`parse_verdicts`),
and a text exercise's answer from its own ``read_text``.

Order (issue 26): both :func:`flagged` and :func:`queue` group the checks by question, in
the order the checks appear in the reports (``q1, q2, …, q10``, never sorted as text),
and within a question put the lowest confidence first (unmeasured last), then the student;
:func:`queue` puts every flagged check before the others. Each item carries the sentence
that decided its grade (:func:`deciding_sentence`), read from the feedback too.
"""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checkers.batch.gradebook import Gradebook, LogEntry, Row
from checkers.engine.registry import review_metrics

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
    deciding: str | None = None  # the quoted sentence that decided it (deciding_sentence)


def check_order(rows: Iterable[Row]) -> dict[tuple[str, str], int]:
    """(exercise, check id) → its rank: exercises in the order of ``rows``, and within one
    the checks in the order they appear in its reports (the exercise's own order: ``q1,
    q2, …, q10``, not ``q1, q10, q2``). A check missing from the first report is placed
    after the checks that precede it in the report where it is first seen."""
    ranks: dict[tuple[str, str], int] = {}
    exercises: list[str] = []
    orders: dict[str, list[str]] = {}
    for row in rows:
        if row.exercise not in orders:
            exercises.append(row.exercise)
            orders[row.exercise] = []
        order = orders[row.exercise]
        at = 0
        for check in row.report.checks:
            if check.id in order:
                at = order.index(check.id) + 1
            else:
                order.insert(at, check.id)
                at += 1
    for exercise in exercises:
        for check_id in orders[exercise]:
            ranks[(exercise, check_id)] = len(ranks)
    return ranks


def review_key(rank: int, confidence: float | None, student: str
               ) -> tuple[int, bool, float, str]:
    """The sort key of the review order: the check's rank (:func:`check_order`), then the
    confidence ascending (None last), then the student."""
    return (rank, confidence is None, 0.0 if confidence is None else float(confidence),
            student)


def deciding_sentence(feedback: str) -> str | None:
    """The quoted sentence that decided a grade, from its feedback's key-point verdicts
    (:func:`parse_verdicts`): the quote of the first "contradicted" point that has one,
    else the quote of the first "covered" point that has one; None when the feedback
    quotes nothing (a code check, an empty answer, a grade set without key points)."""
    verdicts = parse_verdicts(feedback)
    for wanted in ("contradicted", "covered"):
        for verdict in verdicts:
            if verdict["verdict"] == wanted and verdict["quote"]:
                return verdict["quote"]
    return None


def flagged(rows: list[Row], *, include_overridden: bool = False) -> list[Flagged]:
    """The flagged checks of ``rows`` (those already overridden only when asked), grouped
    by check in the reports' order, within a check by confidence ascending (None last),
    then by student."""
    out = []
    ranks = check_order(rows)
    for row in rows:
        review = review_metrics(row.exercise)
        for check in row.report.checks:
            overridden = bool(check.metrics.get("overridden"))
            flagged_now = review is not None and review.flagged(check.metrics)
            if flagged_now or (include_overridden and overridden):
                confidence = None if review is None else review.confidence_of(check.metrics)
                out.append(Flagged(row.exercise, row.student, check.id, check.score,
                                   check.max_score, confidence, check.feedback, overridden,
                                   row.path, deciding_sentence(check.feedback)))
    out.sort(key=lambda item: review_key(ranks[(item.exercise, item.check_id)],
                                         item.confidence, item.student))
    return out


def parse_assignment(text: str) -> tuple[str, float]:
    """``"essay.q3=7"`` → ``("essay.q3", 7.0)``; ValueError with a readable message
    otherwise."""
    found = _ASSIGNMENT.match(text)
    if not found:
        raise ValueError(f"expected CHECK=SCORE (for example essay.q3=7), got {text!r}")
    return found.group(1), float(found.group(2))


def set_scores(book: Gradebook, exercise: str, student: str, assignments: list[str],
               reason: str = "", who: str = "") -> list[tuple[str, float]]:
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
        book.set_override(exercise, student, check_id, score, reason, who=who or reviewer())
    return parsed


def answer_text(item: Flagged) -> str | None:
    """The student's answer to a flagged question of a text exercise, if the file is still
    there."""
    return answer_of(item.exercise, item.path, item.check_id)


_ANSWERS: dict[tuple[str, str, float], Any] = {}


def answer_of(exercise: str, path: str, check_id: str) -> str | None:
    """The student's answer to one check of a text exercise: the exercise's own
    ``read_text`` of the graded file, the entry named after the check (``essay.q3`` → ``q3``).
    None for code exercises, or when the file is gone or unreadable."""
    if not path:
        return None
    try:
        from checkers.engine.registry import get_exercise

        spec = get_exercise(exercise)
        if spec.grades != "text" or spec.read_text is None:
            return None
        key = (exercise, path, os.stat(path).st_mtime)
        if key not in _ANSWERS:
            if len(_ANSWERS) > 2048:
                _ANSWERS.clear()
            _ANSWERS[key] = spec.read_text(Path(path))
        answers = _ANSWERS[key]
    except Exception:  # noqa: BLE001 - the file may be gone or changed; the review goes on
        return None
    question = check_id.split(".", 1)[-1]
    found = answers.get(question) if isinstance(answers, dict) else None
    return found if isinstance(found, str) else None


def reviewer() -> str:
    """Who is reviewing, for the audit trail: ``SEQGRADE_REVIEWER``, else the login name."""
    try:
        return os.environ.get("SEQGRADE_REVIEWER") or getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (a container without passwd entry)
        return ""


# Bands, as fractions of a check's points: 0 below 0.2, 1 below 0.7, 2 from 0.7 (for 10
# points: bottom < 2, middle < 7, top >= 7). A band decision keeps the grader's score when
# it is already in that band, else sets the band's score (none, half, full points).
BAND_EDGES = (0.2, 0.7)
BAND_SCORES = (0.0, 0.5, 1.0)


def band_of(score: float, max_score: float) -> int:
    """The band (0, 1, 2) of a score."""
    share = score / max_score if max_score > 0 else 0.0
    return 0 if share < BAND_EDGES[0] - 1e-9 else 1 if share < BAND_EDGES[1] - 1e-9 else 2


def band_score(band: int, grader_score: float, max_score: float) -> float:
    """The score a band decision sets (see :data:`BAND_SCORES`)."""
    if band not in (0, 1, 2):
        raise ValueError("a band is 0, 1 or 2")
    if band_of(grader_score, max_score) == band:
        return grader_score
    return round(BAND_SCORES[band] * max_score, 4)


_VERDICT = re.compile(r"(?:^|(?<=\. )|(?<=\n))(covered|missing|contradicted): ")
_QUOTE = re.compile(r'^(?P<point>.*?) \(you wrote: "(?P<quote>.*?)"\)(?=$|; |\. |\.$)', re.DOTALL)


def parse_verdicts(feedback: str) -> list[dict[str, str | None]]:
    """The key-point verdicts of a feedback written as ``covered: POINT (you wrote:
    "QUOTE"); POINT. missing: POINT; …. contradicted: POINT (you wrote: "QUOTE")``
    (a key-point grader's): ``[{"verdict", "point", "quote"}]`` in the feedback's order,
    ``[]`` for any other feedback. Text after the last point (notes) is left out."""
    out: list[dict[str, str | None]] = []
    for line in feedback.splitlines():
        heads = list(_VERDICT.finditer(line))
        if not heads or heads[0].start() != 0:
            continue
        for n, head in enumerate(heads):
            end = heads[n + 1].start() if n + 1 < len(heads) else len(line)
            rest = line[head.end():end].rstrip()
            rest = rest[:-1] if rest.endswith(".") and not rest.endswith('")') else rest
            while rest:
                quoted = _QUOTE.match(rest)
                if quoted:
                    point, quote = quoted["point"], quoted["quote"]
                    rest = rest[quoted.end():]
                else:
                    cut = [i for i in (rest.find("; "), rest.find(". ")) if i >= 0]
                    stop = min(cut) if cut else len(rest)
                    point, quote, rest = rest[:stop], None, rest[stop:]
                out.append({"verdict": head[1], "point": point.strip(), "quote": quote})
                if rest.startswith("; "):
                    rest = rest[2:]
                else:
                    break  # ". " then notes, or the end
    return out


def decide(book: Gradebook, exercise: str, student: str, check_id: str, score: float,
           reason: str = "", who: str = "") -> LogEntry:
    """Store the instructor's decision on one check (through :meth:`Gradebook.set_override`,
    as ``seqgrade review --set`` does) and return its audit entry."""
    book.set_override(exercise, student, check_id, float(score), reason,
                      who=who or reviewer())
    return book.override_log(exercise, student, check_id)[-1]


def queue(book: Gradebook, exercise: str) -> dict[str, Any]:
    """Every check of ``exercise`` for the review page, with the progress (reviewed of
    flagged): the flagged ones first, then the others, each part grouped by check in the
    reports' order, within a check by confidence ascending (None last), then by student.
    Each item's ``deciding`` is the sentence that decided it (:func:`deciding_sentence`);
    ``checks`` lists the check ids in the exercise's order."""
    flagged_keys = book.flagged_checks(exercise)
    overrides = book.overrides(exercise)
    logs: dict[tuple[str, str], LogEntry] = {}
    for entry in book.override_log(exercise):
        logs[(entry.student, entry.check_id)] = entry
    review = review_metrics(exercise)
    rows = book.rows(exercise)
    ranks = check_order(rows)
    first: list[tuple[tuple[int, bool, float, str], dict[str, Any]]] = []
    rest: list[tuple[tuple[int, bool, float, str], dict[str, Any]]] = []
    for row in rows:
        found = overrides.get((exercise, row.student), {})
        for check in row.report.checks:
            grader = float(check.metrics.get("grader_score", check.score))
            override = found.get(check.id)
            entry = logs.get((row.student, check.id))
            is_flagged = ((row.student, check.id) in flagged_keys
                          or (review is not None and review.flagged(check.metrics)))
            confidence = None if review is None else review.confidence_of(check.metrics)
            item = {
                "student": row.student, "check": check.id, "name": check.name,
                "score": check.score, "max": check.max_score, "grader_score": grader,
                "status": check.status, "confidence": confidence,
                "band": band_of(grader, check.max_score), "flagged": is_flagged,
                "deciding": deciding_sentence(check.feedback),
                "decision": None if override is None else {
                    "score": override.score, "reason": override.reason,
                    "who": entry.who if entry else "", "at": entry.at if entry else
                    override.set_at},
            }
            key = review_key(ranks[(exercise, check.id)], confidence, row.student)
            (first if is_flagged else rest).append((key, item))
    first.sort(key=lambda pair: pair[0])
    rest.sort(key=lambda pair: pair[0])
    reviewed, total = book.review_progress(exercise)
    return {"exercise": exercise, "items": [item for _, item in first + rest],
            "checks": [check_id for (_, check_id) in sorted(ranks, key=ranks.__getitem__)],
            "progress": {"reviewed": reviewed, "flagged": total}}


def _check_view(exercise: str, row: Row, check: Any) -> dict[str, Any]:
    feedback = check.feedback
    if check.metrics.get("overridden") and "\n" in feedback:
        feedback = feedback.split("\n", 1)[1]  # the instructor's note is shown apart
    elif check.metrics.get("overridden"):
        feedback = ""
    return {
        "student": row.student, "check": check.id, "name": check.name,
        "score": check.score, "max": check.max_score, "status": check.status,
        "grader_score": float(check.metrics.get("grader_score", check.score)),
        "overridden": bool(check.metrics.get("overridden")),
        "feedback": feedback, "verdicts": parse_verdicts(feedback),
        "counterexample": check.counterexample,
        "metrics": {k: v for k, v in check.metrics.items()
                    if k not in ("grader_score", "overridden")},
    }


def item_detail(book: Gradebook, exercise: str, student: str, check_id: str
                ) -> dict[str, Any] | None:
    """One check of one student for the review page: feedback, its key-point verdicts,
    metrics, the answer (text exercises), the audit trail. None if there is no such check."""
    row = book.row(exercise, student)
    check = None if row is None else next(
        (c for c in row.report.checks if c.id == check_id), None)
    if row is None or check is None:
        return None
    view = _check_view(exercise, row, check)
    view["answer"] = answer_of(exercise, row.path, check_id)
    view["history"] = [entry.__dict__ for entry in book.override_log(exercise, student,
                                                                      check_id)]
    return view


def student_detail(book: Gradebook, exercise: str, student: str) -> dict[str, Any] | None:
    """A student's page for the review: every check with its feedback and score."""
    row = book.row(exercise, student)
    if row is None:
        return None
    return {"student": student, "score": row.score, "max": row.max_score,
            "status": row.status, "notes": list(row.report.notes),
            "checks": [_check_view(exercise, row, c) for c in row.report.checks]}
