"""The gradebook: one SQLite row per (exercise, student), written once per finished grading.

Each finished submission is written in one transaction (its row in ``grades`` and one row
per check in ``check_results``), keyed by ``(exercise, student)``: grading again replaces
the row, so a killed and resumed batch never holds a submission twice. A row remembers the
content hash of what was graded and the grading settings (seed, checks), which is how
``--resume`` tells "graded and unchanged" (skip) from "changed" (grade again).

Row status: ``graded`` (every check ran to a verdict), ``incomplete`` (some check ended in
``error`` or ``timeout``: the submission crashed, hung, or is not implemented), ``missing``
(no gradable file in the entry), ``grader_error`` (the grader itself failed on it; always
graded again on resume).

Instructor overrides (``seqgrade review``) live in their own table, keyed like the grades
but never touched by :meth:`Gradebook.record`: re-grading and resuming keep them, and
:meth:`Gradebook.rows` — what every export and report reads — applies them. Every change
of an override (set or cleared) also appends a row to ``override_log`` in the same
transaction: who, when (UTC, milliseconds), the score before and after (NULL after a
clear), the reason. Two reviewers setting the same check both appear there; the last one
is the override. ``check_results``
also carries each check's ``confidence`` and ``needs_review`` (nullable: checks without
them, and gradebooks written before them, hold NULL).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from checkers.engine.model import ReviewMetrics
from checkers.engine.registry import review_metrics
from checkers.engine.report import INCOMPLETE_STATUSES, Report

SCHEMA_VERSION = "1"
STATUSES = ("graded", "incomplete", "missing", "grader_error")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS grades (
    exercise TEXT NOT NULL,
    student TEXT NOT NULL,
    path TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    settings TEXT NOT NULL,
    status TEXT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    report TEXT NOT NULL,
    graded_at TEXT NOT NULL,
    duration_s REAL NOT NULL,
    grader_host TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (exercise, student)
);
CREATE TABLE IF NOT EXISTS check_results (
    exercise TEXT NOT NULL,
    student TEXT NOT NULL,
    check_id TEXT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    status TEXT NOT NULL,
    PRIMARY KEY (exercise, student, check_id)
);
CREATE TABLE IF NOT EXISTS overrides (
    exercise TEXT NOT NULL,
    student TEXT NOT NULL,
    check_id TEXT NOT NULL,
    score REAL NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    set_at TEXT NOT NULL,
    PRIMARY KEY (exercise, student, check_id)
);
CREATE TABLE IF NOT EXISTS override_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    exercise TEXT NOT NULL,
    student TEXT NOT NULL,
    check_id TEXT NOT NULL,
    old_score REAL,
    new_score REAL,
    reason TEXT NOT NULL DEFAULT '',
    who TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL
);
"""
# Nullable columns added after schema 1 (an older gradebook gains them when opened).
_ADDED_COLUMNS = (
    ("check_results", "confidence", "REAL"),
    ("check_results", "needs_review", "INTEGER"),
)


@dataclass(frozen=True)
class Row:
    """One graded submission as stored."""

    exercise: str
    student: str
    path: str
    content_hash: str
    settings: dict[str, Any]
    status: str
    score: float
    max_score: float
    report: Report
    graded_at: str
    duration_s: float
    grader_host: str = ""


@dataclass(frozen=True)
class LogEntry:
    """One change of an instructor's score (``override_log``): ``new_score`` is None when
    the override was cleared; ``old_score`` is the score in force before (the grader's
    when there was no override)."""

    exercise: str
    student: str
    check_id: str
    old_score: float | None
    new_score: float | None
    reason: str
    who: str
    at: str


def _now_ms() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z"


@dataclass(frozen=True)
class Override:
    """A score the instructor set for one check (``seqgrade review``)."""

    check_id: str
    score: float
    reason: str
    set_at: str


def _apply_overrides(row: Row, found: dict[str, Override]) -> Row:
    """``row`` with the instructor's scores in place of the grader's: the check's score,
    status and feedback (which says so), ``metrics["grader_score"]`` keeps the grader's,
    and the totals follow."""
    if not found:
        return row
    review = review_metrics(row.exercise)
    checks = []
    for check in row.report.checks:
        override = found.get(check.id)
        if override is not None:
            note = (f"Score set by the instructor: {override.score:g}/{check.max_score:g}"
                    f" (the grader gave {check.score:g})"
                    + (f": {override.reason}" if override.reason else "") + ".")
            metrics = dict(check.metrics, grader_score=check.score, overridden=1.0)
            if review is not None:
                metrics.pop(review.flag, None)
            check = replace(check, score=override.score, metrics=metrics,
                            status="passed" if override.score >= check.max_score else "failed",
                            feedback=f"{note}\n{check.feedback}" if check.feedback else note)
        checks.append(check)
    total = round(sum(c.score for c in checks), 4)
    report = replace(row.report, checks=checks, score=total)
    return replace(row, report=report, score=total)


def _review_columns(review: ReviewMetrics | None,
                    metrics: dict[str, float]) -> tuple[float | None, int | None]:
    """The ``confidence`` and ``needs_review`` columns of a check: what its exercise's
    review metrics (``Exercise.review``) say, NULL where it declares or measured none."""
    if review is None:
        return None, None
    flag = None if review.flag not in metrics else int(review.flagged(metrics))
    return review.confidence_of(metrics), flag


def _row_of(r: tuple) -> Row:
    return Row(exercise=r[0], student=r[1], path=r[2], content_hash=r[3],
               settings=json.loads(r[4]), status=r[5], score=r[6], max_score=r[7],
               report=Report.from_dict(json.loads(r[8])), graded_at=r[9], duration_s=r[10],
               grader_host=r[11])


def settings_key(seed: int, checks: list[str] | tuple[str, ...] | None) -> dict[str, Any]:
    """The grading settings a stored grade depends on (a change means: grade again)."""
    return {"seed": int(seed), "checks": sorted(checks) if checks else None}


def row_status(report: Report, missing: bool = False) -> str:
    """The gradebook status of a report (see the module docstring)."""
    if missing:
        return "missing"
    if any(c.status in INCOMPLETE_STATUSES for c in report.checks):
        return "incomplete"
    return "graded"


class Gradebook:
    """A SQLite gradebook file (WAL journal; safe to read while a batch writes it)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        with self._transaction():
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self._db.execute(statement)
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
                             (SCHEMA_VERSION,))
            for table, column, kind in _ADDED_COLUMNS:
                have = {r[1] for r in self._db.execute(f"PRAGMA table_info({table})")}
                if column not in have:
                    self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def record(self, *, student: str, path: str, content_hash: str, settings: dict[str, Any],
               status: str, report: Report, grader_host: str = "") -> None:
        """Store one finished grading (one transaction; replaces an earlier grade)."""
        if status not in STATUSES:
            raise ValueError(f"unknown gradebook status {status!r}")
        data = report.to_dict()
        graded_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        review = review_metrics(report.exercise)
        with self._transaction() as db:
            db.execute(
                "INSERT INTO grades (exercise, student, path, content_hash, settings, status,"
                " score, max_score, report, graded_at, duration_s, grader_host)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
                " ON CONFLICT (exercise, student) DO UPDATE SET path=excluded.path,"
                " content_hash=excluded.content_hash, settings=excluded.settings,"
                " status=excluded.status, score=excluded.score, max_score=excluded.max_score,"
                " report=excluded.report, graded_at=excluded.graded_at,"
                " duration_s=excluded.duration_s, grader_host=excluded.grader_host",
                (report.exercise, student, path, content_hash,
                 json.dumps(settings, sort_keys=True), status, float(report.score),
                 float(report.max_score), json.dumps(data, ensure_ascii=False), graded_at,
                 float(report.duration_s), grader_host),
            )
            db.execute("DELETE FROM check_results WHERE exercise=? AND student=?",
                       (report.exercise, student))
            db.executemany(
                "INSERT INTO check_results (exercise, student, check_id, score, max_score,"
                " status, confidence, needs_review) VALUES (?,?,?,?,?,?,?,?)",
                [(report.exercise, student, c.id, float(c.score), float(c.max_score), c.status,
                  *_review_columns(review, c.metrics)) for c in report.checks],
            )

    def is_current(self, exercise: str, student: str, content_hash: str,
                   settings: dict[str, Any]) -> bool:
        """Whether ``student`` is graded already, for this content and these settings."""
        found = self._db.execute(
            "SELECT content_hash, settings, status FROM grades WHERE exercise=? AND student=?",
            (exercise, student),
        ).fetchone()
        if found is None:
            return False
        stored_hash, stored_settings, status = found
        return (stored_hash == content_hash and json.loads(stored_settings) == settings
                and status != "grader_error")

    def exercises(self) -> list[str]:
        """The exercises with at least one grade, sorted."""
        return [r[0] for r in self._db.execute(
            "SELECT DISTINCT exercise FROM grades ORDER BY exercise")]

    def rows(self, exercise: str | None = None) -> list[Row]:
        """Every stored grade (of one exercise, or all), sorted by exercise and student."""
        query = ("SELECT exercise, student, path, content_hash, settings, status, score,"
                 " max_score, report, graded_at, duration_s, grader_host FROM grades")
        params: tuple = ()
        if exercise is not None:
            query += " WHERE exercise=?"
            params = (exercise,)
        query += " ORDER BY exercise, student"
        rows = [_row_of(r) for r in self._db.execute(query, params)]
        found = self.overrides(exercise)
        return [_apply_overrides(row, found.get((row.exercise, row.student), {}))
                for row in rows]

    def set_override(self, exercise: str, student: str, check_id: str, score: float,
                     reason: str = "", *, who: str = "") -> Override:
        """Set the instructor's score for one check of one student (replaces an earlier
        one). It is kept apart from the graded rows, so re-grading and ``--resume`` keep it;
        every read through :meth:`rows` (exports, reports) shows it. The change is logged
        in ``override_log`` (``who``, when, old and new score, reason) in the same
        transaction.

        Raises ValueError when the student, the check or the score is not valid."""
        found = self._db.execute(
            "SELECT max_score FROM check_results WHERE exercise=? AND student=? AND check_id=?",
            (exercise, student, check_id)).fetchone()
        if found is None:
            raise ValueError(f"no graded check {check_id!r} for student {student!r} "
                             f"in exercise {exercise!r}")
        if not 0.0 <= float(score) <= float(found[0]):
            raise ValueError(f"{check_id}: score must be between 0 and {found[0]:g}")
        override = Override(check_id, float(score), reason,
                            time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        with self._transaction() as db:
            old = self._score_in_force(exercise, student, check_id)
            db.execute(
                "INSERT INTO overrides VALUES (?,?,?,?,?,?) ON CONFLICT (exercise, student,"
                " check_id) DO UPDATE SET score=excluded.score, reason=excluded.reason,"
                " set_at=excluded.set_at",
                (exercise, student, check_id, override.score, reason, override.set_at))
            db.execute("INSERT INTO override_log (exercise, student, check_id, old_score,"
                       " new_score, reason, who, at) VALUES (?,?,?,?,?,?,?,?)",
                       (exercise, student, check_id, old, override.score, reason, who,
                        _now_ms()))
        return override

    def _score_in_force(self, exercise: str, student: str, check_id: str) -> float | None:
        """The instructor's score of a check if set, else the grader's (inside a
        transaction, so that the log reads what the write replaces)."""
        key = (exercise, student, check_id)
        found = self._db.execute("SELECT score FROM overrides WHERE exercise=? AND student=?"
                                 " AND check_id=?", key).fetchone()
        if found is None:
            found = self._db.execute("SELECT score FROM check_results WHERE exercise=? AND"
                                     " student=? AND check_id=?", key).fetchone()
        return None if found is None else float(found[0])

    def clear_override(self, exercise: str, student: str, check_id: str, *,
                       who: str = "") -> bool:
        """Remove an instructor's score (the grader's counts again); whether one existed.
        A removal is logged in ``override_log`` (new score NULL)."""
        with self._transaction() as db:
            old = self._score_in_force(exercise, student, check_id)
            cursor = db.execute("DELETE FROM overrides WHERE exercise=? AND student=? AND"
                                " check_id=?", (exercise, student, check_id))
            removed = cursor.rowcount > 0
            if removed:
                db.execute("INSERT INTO override_log (exercise, student, check_id, old_score,"
                           " new_score, reason, who, at) VALUES (?,?,?,?,NULL,'',?,?)",
                           (exercise, student, check_id, old, who, _now_ms()))
        return removed

    def override_log(self, exercise: str | None = None, student: str | None = None,
                     check_id: str | None = None) -> list[LogEntry]:
        """Every change of an instructor's score, oldest first (optionally of one exercise,
        student, check)."""
        query = ("SELECT exercise, student, check_id, old_score, new_score, reason, who, at"
                 " FROM override_log")
        conditions, params = [], []
        for column, value in (("exercise", exercise), ("student", student),
                              ("check_id", check_id)):
            if value is not None:
                conditions.append(f"{column}=?")
                params.append(value)
        if conditions:
            query += " WHERE " + " AND ".join(conditions)
        return [LogEntry(*r) for r in self._db.execute(query + " ORDER BY id", params)]

    def flagged_checks(self, exercise: str) -> set[tuple[str, str]]:
        """(student, check id) of every check the grader flagged ``needs_review``, whether
        or not the instructor has set its score since."""
        return {(r[0], r[1]) for r in self._db.execute(
            "SELECT student, check_id FROM check_results WHERE exercise=? AND needs_review=1",
            (exercise,))}

    def review_progress(self, exercise: str) -> tuple[int, int]:
        """(reviewed, flagged): flagged checks, and how many of them have the instructor's
        score."""
        found = self._db.execute(
            "SELECT COUNT(*), COUNT(o.score) FROM check_results c LEFT JOIN overrides o"
            " ON o.exercise=c.exercise AND o.student=c.student AND o.check_id=c.check_id"
            " WHERE c.exercise=? AND c.needs_review=1", (exercise,)).fetchone()
        return int(found[1]), int(found[0])

    def row(self, exercise: str, student: str) -> Row | None:
        """One stored grade, with the instructor's scores applied (None if absent)."""
        found = self._db.execute(
            "SELECT exercise, student, path, content_hash, settings, status, score,"
            " max_score, report, graded_at, duration_s, grader_host FROM grades"
            " WHERE exercise=? AND student=?", (exercise, student)).fetchone()
        if found is None:
            return None
        row = _row_of(found)
        return _apply_overrides(row, self.overrides(exercise, student).get(
            (exercise, student), {}))

    def overrides(self, exercise: str | None = None, student: str | None = None
                  ) -> dict[tuple[str, str], dict[str, Override]]:
        """(exercise, student) → check id → the instructor's score."""
        query = "SELECT exercise, student, check_id, score, reason, set_at FROM overrides"
        params: tuple = ()
        if exercise is not None:
            query += " WHERE exercise=?"
            params = (exercise,)
            if student is not None:
                query += " AND student=?"
                params = (exercise, student)
        out: dict[tuple[str, str], dict[str, Override]] = {}
        for r in self._db.execute(query, params):
            out.setdefault((r[0], r[1]), {})[r[2]] = Override(r[2], r[3], r[4], r[5])
        return out

    def count(self) -> int:
        """Number of stored grades."""
        return int(self._db.execute("SELECT COUNT(*) FROM grades").fetchone()[0])


def pick_exercise(book: Gradebook, exercise: str | None) -> str:
    """The exercise to export or report: the one asked for, or the only one in the book.

    Raises ValueError with a readable message when that is ambiguous or absent.
    """
    found = book.exercises()
    if exercise is not None:
        if exercise not in found:
            raise ValueError(f"{book.path} holds no grades for {exercise!r} "
                             f"(it has: {', '.join(found) or 'none'})")
        return exercise
    if not found:
        raise ValueError(f"{book.path} holds no grades yet")
    if len(found) > 1:
        raise ValueError(f"{book.path} holds several exercises ({', '.join(found)}); "
                         "choose one with --exercise")
    return found[0]
