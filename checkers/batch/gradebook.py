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
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checkers.engine.report import Report

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
"""


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


def settings_key(seed: int, checks: list[str] | tuple[str, ...] | None) -> dict[str, Any]:
    """The grading settings a stored grade depends on (a change means: grade again)."""
    return {"seed": int(seed), "checks": sorted(checks) if checks else None}


def row_status(report: Report, missing: bool = False) -> str:
    """The gradebook status of a report (see the module docstring)."""
    if missing:
        return "missing"
    if any(c.status in ("error", "timeout") for c in report.checks):
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
                "INSERT INTO check_results VALUES (?,?,?,?,?,?)",
                [(report.exercise, student, c.id, float(c.score), float(c.max_score), c.status)
                 for c in report.checks],
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
        return [
            Row(exercise=r[0], student=r[1], path=r[2], content_hash=r[3],
                settings=json.loads(r[4]), status=r[5], score=r[6], max_score=r[7],
                report=Report.from_dict(json.loads(r[8])), graded_at=r[9], duration_s=r[10],
                grader_host=r[11])
            for r in self._db.execute(query, params)
        ]

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
