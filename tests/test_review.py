"""``seqgrade review`` and instructor overrides: flagged checks are listed with their
key-point verdicts; scores set by the instructor persist in the gradebook, appear in every
export and in the HTML report, and survive re-grading; old gradebooks still open."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest

from checkers.batch.exports import export_csv, export_gradescope
from checkers.batch.gradebook import Gradebook, settings_key
from checkers.batch.html_report import render_html
from checkers.batch.review import deciding_sentence, flagged, parse_assignment, queue
from checkers.cli.main import main
from checkers.engine.report import CheckResult, Report

FEEDBACK = ('covered: what a stateful RNN can learn that a stateless one cannot (you wrote: '
            '"a stateful rnn keeps its state"). missing: why stateless RNNs are easier to train. '
            'contradicted: how the training data must be prepared for a stateful RNN '
            '(you wrote: "you can shuffle the batches")')


def _report(student: str, *, review: bool) -> Report:
    checks = [
        CheckResult("qa.q1", "q1", 4.0, 10.0, "failed", FEEDBACK,
                    metrics={"confidence": 0.55 if review else 0.95,
                             "needs_review": float(review)}),
        CheckResult("qa.q2", "q2", 10.0, 10.0, "passed", "covered: everything",
                    metrics={"confidence": 0.99, "needs_review": 0.0}),
    ]
    return Report(exercise="qa", submission=f"/class/{student}.md", seed=0, score=14.0,
                  max_score=20.0, duration_s=1.0, grader_version="test", checks=checks)


def _book(db: Path) -> None:
    with Gradebook(db) as book:
        for student, review in (("alice", True), ("bob", False)):
            book.record(student=student, path=f"/class/{student}.md", content_hash="h",
                        settings=settings_key(0, None), status="graded",
                        report=_report(student, review=review))


def test_flagged_checks_are_listed_with_their_verdicts(tmp_path: Path, capsys) -> None:
    db = tmp_path / "grades.sqlite"
    _book(db)
    with Gradebook(db) as book:
        items = flagged(book.rows("qa"))
    assert [(i.student, i.check_id) for i in items] == [("alice", "qa.q1")]
    assert main(["review", "--db", str(db), "--list"]) == 0
    out = capsys.readouterr().out
    assert "alice  qa.q1: 4/10, confidence 0.55" in out
    assert "contradicted: how the training data" in out and "bob" not in out
    assert '== qa.q1 (1 flagged) ==' in out
    assert '  decided by: "you can shuffle the batches"' in out


COVERED = ('covered: what a stateful RNN can learn that a stateless one cannot; why stateless '
           'RNNs are easier to train (you wrote: "they can shuffle the windows"); variable-'
           'length inputs (you wrote: "pad them"). missing: how the data must be prepared')
MISSING = "missing: what a stateful RNN can learn; why stateless RNNs are easier to train"

# (student, check) → (needs review, confidence or None, feedback); the reports list the
# checks as q1, q2, q10 (a text sort would give q1, q10, q2).
CLASS = {
    ("alice", "qa.q1"): (True, 0.6, COVERED), ("bob", "qa.q1"): (True, 0.4, FEEDBACK),
    ("carol", "qa.q1"): (True, None, MISSING), ("dave", "qa.q1"): (False, 0.95, COVERED),
    ("alice", "qa.q2"): (False, 0.9, MISSING), ("bob", "qa.q2"): (False, 0.8, COVERED),
    ("carol", "qa.q2"): (False, None, FEEDBACK), ("dave", "qa.q2"): (True, 0.5, COVERED),
    ("alice", "qa.q10"): (True, 0.3, FEEDBACK), ("bob", "qa.q10"): (False, 0.99, COVERED),
    ("carol", "qa.q10"): (True, 0.3, COVERED), ("dave", "qa.q10"): (False, 0.85, "OK"),
}
FLAGGED_ORDER = [("bob", "qa.q1"), ("alice", "qa.q1"), ("carol", "qa.q1"), ("dave", "qa.q2"),
                 ("alice", "qa.q10"), ("carol", "qa.q10")]
UNFLAGGED_ORDER = [("dave", "qa.q1"), ("bob", "qa.q2"), ("alice", "qa.q2"), ("carol", "qa.q2"),
                   ("dave", "qa.q10"), ("bob", "qa.q10")]


def _class_book(db: Path) -> None:
    with Gradebook(db) as book:
        for student in ("alice", "bob", "carol", "dave"):
            checks = []
            for check_id in ("qa.q1", "qa.q2", "qa.q10"):
                review, confidence, feedback = CLASS[(student, check_id)]
                metrics = {"needs_review": float(review)}
                if confidence is not None:
                    metrics["confidence"] = confidence
                checks.append(CheckResult(check_id, check_id.split(".")[1], 5.0, 10.0,
                                          "failed", feedback, metrics=metrics))
            report = Report(exercise="qa", submission=f"/class/{student}.md", seed=0,
                            score=15.0, max_score=30.0, duration_s=1.0,
                            grader_version="test", checks=checks)
            book.record(student=student, path=f"/class/{student}.md", content_hash="h",
                        settings=settings_key(0, None), status="graded", report=report)


def test_the_deciding_sentence_is_a_contradiction_else_the_first_covered_quote() -> None:
    assert deciding_sentence(FEEDBACK) == "you can shuffle the batches"
    assert deciding_sentence(COVERED) == "they can shuffle the windows"  # first quoted
    assert deciding_sentence(MISSING) is None
    assert deciding_sentence("accuracy 0.81 on the hidden set") is None
    assert deciding_sentence("Score set by the instructor: 7/10 (the grader gave 4): ok.\n"
                             + FEEDBACK) == "you can shuffle the batches"


def test_flagged_checks_come_grouped_by_question_in_report_order(tmp_path: Path) -> None:
    db = tmp_path / "grades.sqlite"
    _class_book(db)
    with Gradebook(db) as book:
        items = flagged(book.rows("qa"))
    # Grouped by check as the reports list them (q10 after q2), lowest confidence first,
    # an unmeasured confidence last, a tie by student.
    assert [(i.student, i.check_id) for i in items] == FLAGGED_ORDER
    assert [i.deciding for i in items] == [
        "you can shuffle the batches", "they can shuffle the windows", None,
        "they can shuffle the windows", "you can shuffle the batches",
        "they can shuffle the windows"]


def test_the_queue_puts_flagged_first_grouped_with_the_deciding_sentence(
        tmp_path: Path) -> None:
    db = tmp_path / "grades.sqlite"
    _class_book(db)
    with Gradebook(db) as book:
        data = queue(book, "qa")
    items = data["items"]
    assert data["checks"] == ["qa.q1", "qa.q2", "qa.q10"]
    assert [(i["student"], i["check"]) for i in items] == FLAGGED_ORDER + UNFLAGGED_ORDER
    assert [i["flagged"] for i in items] == [True] * 6 + [False] * 6
    for item in items:
        feedback = CLASS[(item["student"], item["check"])][2]
        expected = {FEEDBACK: "you can shuffle the batches",  # the contradicted point's
                    COVERED: "they can shuffle the windows"}.get(feedback)  # first covered
        assert item["deciding"] == expected, item
        assert {"student", "check", "name", "score", "max", "grader_score", "status",
                "confidence", "band", "flagged", "decision"} <= set(item)


def test_list_prints_a_header_per_question_and_the_deciding_sentence(
        tmp_path: Path, capsys) -> None:
    db = tmp_path / "grades.sqlite"
    _class_book(db)
    assert main(["review", "--db", str(db), "--list"]) == 0
    out = capsys.readouterr().out
    headers = [line for line in out.splitlines() if line.startswith("== ")]
    assert headers == ["== qa.q1 (3 flagged) ==", "== qa.q2 (1 flagged) ==",
                       "== qa.q10 (2 flagged) =="]
    firsts = [line.split("] ", 1)[1].split(":")[0] for line in out.splitlines()
              if line.startswith("[")]
    assert firsts == [f"{s}  {c}" for s, c in FLAGGED_ORDER]
    bob = out.split("[1/6] bob  qa.q1")[1].split("[2/6]")[0]
    assert bob.splitlines()[1] == '  decided by: "you can shuffle the batches"'
    carol = out.split("[3/6] carol  qa.q1")[1].split("== qa.q2")[0]
    assert "decided by" not in carol  # nothing quoted
    assert out.index("== qa.q2 (1 flagged) ==") < out.index("[4/6] dave  qa.q2")


def test_set_score_persists_in_exports_and_report_and_survives_regrading(
        tmp_path: Path, capsys) -> None:
    db = tmp_path / "grades.sqlite"
    _book(db)
    assert main(["review", "--db", str(db), "--set", "alice", "qa.q1=7",
                 "--reason", "the claim is right, said differently"]) == 0
    assert "alice qa.q1: score set to 7" in capsys.readouterr().out
    with Gradebook(db) as book:
        rows = {r.student: r for r in book.rows("qa")}
        assert rows["alice"].score == 17.0 and rows["alice"].report.score == 17.0
        check = rows["alice"].report.result("qa.q1")
        assert check.score == 7.0 and check.metrics["grader_score"] == 4.0
        assert check.feedback.startswith("Score set by the instructor: 7/10 (the grader gave 4)")
        assert flagged(book.rows("qa")) == []  # reviewed
        table = list(csv.DictReader(io.StringIO(export_csv(list(rows.values())))))
        assert {r["student"]: r["qa.q1"] for r in table} == {"alice": "7", "bob": "4"}
        written = export_gradescope(list(rows.values()), tmp_path / "gs")
        results = json.loads(next(p for p in written if "alice" in str(p)).read_text())
        assert results["score"] == 17.0
        page = render_html(list(rows.values()), exercise="qa")
        assert "Score set by the instructor" in page and "7/10 ✎" in page
        # Grading again (or resuming) rewrites the grade, never the instructor's score.
        book.record(student="alice", path="/class/alice.md", content_hash="h2",
                    settings=settings_key(0, None), status="graded",
                    report=_report("alice", review=True))
        assert {r.student: r.score for r in book.rows("qa")}["alice"] == 17.0
    assert main(["review", "--db", str(db), "--clear", "alice", "qa.q1"]) == 0
    with Gradebook(db) as book:
        assert {r.student: r.score for r in book.rows("qa")}["alice"] == 14.0


@pytest.mark.parametrize("args", [["--set", "carol", "qa.q1=3"], ["--set", "alice", "qa.q9=3"],
                                  ["--set", "alice", "qa.q1=11"], ["--set", "alice", "q1"]])
def test_bad_overrides_are_usage_errors(tmp_path: Path, args: list[str], capsys) -> None:
    db = tmp_path / "grades.sqlite"
    _book(db)
    assert main(["review", "--db", str(db), *args]) == 2
    assert capsys.readouterr().err.startswith("seqgrade: ")
    with Gradebook(db) as book:
        assert book.overrides() == {}


def test_interactive_review_sets_the_typed_score(tmp_path: Path, capsys) -> None:
    from checkers.cli.review import _interactive

    db = tmp_path / "grades.sqlite"
    _book(db)
    replies = iter(["abc", "6", "partly right"])
    with Gradebook(db) as book:
        assert _interactive(book, "qa", lambda prompt: next(replies)) == 0
        found = book.overrides("qa")[("qa", "alice")]["qa.q1"]
    assert (found.score, found.reason) == (6.0, "partly right")


def test_assignments_parse() -> None:
    assert parse_assignment(" qa.q10 = 7.5 ") == ("qa.q10", 7.5)
    with pytest.raises(ValueError, match="CHECK=SCORE"):
        parse_assignment("qa.q1:7")


def test_a_gradebook_written_before_overrides_still_opens(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite"
    con = sqlite3.connect(db)
    con.executescript(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "INSERT INTO meta VALUES ('schema_version', '1');"
        "CREATE TABLE grades (exercise TEXT NOT NULL, student TEXT NOT NULL, path TEXT NOT NULL,"
        " content_hash TEXT NOT NULL, settings TEXT NOT NULL, status TEXT NOT NULL,"
        " score REAL NOT NULL, max_score REAL NOT NULL, report TEXT NOT NULL,"
        " graded_at TEXT NOT NULL, duration_s REAL NOT NULL,"
        " grader_host TEXT NOT NULL DEFAULT '', PRIMARY KEY (exercise, student));"
        "CREATE TABLE check_results (exercise TEXT NOT NULL, student TEXT NOT NULL,"
        " check_id TEXT NOT NULL, score REAL NOT NULL, max_score REAL NOT NULL,"
        " status TEXT NOT NULL, PRIMARY KEY (exercise, student, check_id));")
    old = _report("dora", review=False)
    for check in old.checks:
        check.metrics = {}
    con.execute("INSERT INTO grades VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                ("qa", "dora", "/x.md", "h", json.dumps(settings_key(0, None)), "graded",
                 14.0, 20.0, json.dumps(old.to_dict()), "2026-01-01T00:00:00Z", 1.0, ""))
    con.commit()
    con.close()
    with Gradebook(db) as book:
        assert [r.student for r in book.rows()] == ["dora"]
        assert flagged(book.rows()) == []
        columns = {r[1] for r in book._db.execute("PRAGMA table_info(check_results)")}
        assert {"confidence", "needs_review"} <= columns
    assert main(["review", "--db", str(db), "--list"]) == 0
