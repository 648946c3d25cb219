"""The same submission graded 3 times, with --jobs 1 and --jobs 2, gives identical reports."""

from __future__ import annotations

from checkers.batch.gradebook import Gradebook
from checkers.batch.run import run_batch
from tests.helpers import MUTANTS, build_submission, grading_options, read_mutant


def _comparable(report) -> dict:
    data = report.to_dict(with_durations=False)
    data.pop("submission")
    return data


def test_three_copies_with_one_and_two_jobs_give_identical_reports(tmp_path) -> None:
    mutant = read_mutant("reber", MUTANTS / "reber" / "ignores_second_letter.py")
    source = build_submission(tmp_path / "build", mutant)
    folder = tmp_path / "class"
    folder.mkdir()
    for copy in ("ana", "ben", "eve"):
        target = folder / copy
        target.mkdir()
        for item in source.iterdir():
            (target / item.name).write_bytes(item.read_bytes())
    reports = []
    for jobs in (1, 2):
        db = tmp_path / f"jobs{jobs}.sqlite"
        run_batch("reber", folder, db, jobs=jobs, options=grading_options())
        with Gradebook(db) as book:
            reports += [_comparable(row.report) for row in book.rows("reber")]
    assert len(reports) == 6
    assert all(report == reports[0] for report in reports), reports
    lost = {c["id"] for c in reports[0]["checks"] if c["score"] < c["max_score"]}
    assert "reber.long_range" in lost  # a real grade, not an empty one
