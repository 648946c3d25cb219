"""Malformed submissions are graded with a message a student can act on, never a crash."""

from __future__ import annotations

import pytest

from tests.helpers import grade_path
from tests.malformed.cases import ACCURACY, CASES, IDS, Case


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_malformed_submission_gets_actionable_feedback(case: Case, tmp_path) -> None:
    path = case.build(tmp_path)
    report = grade_path("reber", path, checks=[IDS, ACCURACY])
    assert [c.id for c in report.checks] == [IDS, ACCURACY]
    for check in report.checks:
        assert "internal grader error" not in check.feedback, check.feedback
        assert "Traceback (most recent call last)" not in check.feedback, check.feedback
    for check_id, words in case.expect.items():
        check = report.result(check_id)
        if words:
            assert check.score < check.max_score, check
            assert words.lower() in check.feedback.lower(), check.feedback
        else:
            assert check.score == check.max_score, check.feedback


def test_there_are_at_least_thirty_cases() -> None:
    assert len(CASES) >= 30
