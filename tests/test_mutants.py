"""Every check bites, and adversarial submissions lose only what they did not earn.

Mutants (tests/mutants/) are realistic wrong submissions; adversarial ones
(tests/adversarial/) try to break, escape or fool the grader. Each file names the checks it
must lose (``# expect:``), those it may lose as a consequence (``# may-lose:``) and,
optionally: the status a check must end with (``# status: id=timeout``; ``blocked``:
the check could observe nothing because the check it names, lost too, fails first), words its
feedback must hold (``# feedback:``, alternatives separated by `` | ``), paths that must
not exist afterwards (``# absent:``), and the checks to grade (``# checks:``, for costly
cases). Every other check keeps full marks, and no process of the submission outlives its
grading.
"""

from __future__ import annotations

import time
import uuid

import pytest

from tests.helpers import (
    ADVERSARIAL,
    MUTANTS,
    REPO,
    Mutant,
    all_mutants,
    grade_mutant,
    lost_points,
    processes_with_env,
)

KNOWN_BAD = all_mutants(MUTANTS)
HOSTILE_SUBMISSIONS = all_mutants(ADVERSARIAL)


def _assert_loses_exactly(mutant: Mutant, tmp_path) -> None:
    tag = f"SEQGRADE_TAG={uuid.uuid4().hex}"
    report = grade_mutant(tmp_path, mutant, worker_env=dict([tag.split("=", 1)]))
    deadline = time.monotonic() + 10
    while processes_with_env(tag) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not processes_with_env(tag), f"{mutant.name} left processes behind"
    for path in mutant.absent:
        assert not (REPO / path).exists(), f"{mutant.name} created {path}"
    lost = lost_points(report)
    missing = sorted(mutant.expect - set(lost))
    assert not missing, (
        f"{mutant.name} should lose points on {missing}; report:\n{report.to_json()}")
    unexpected = sorted(set(lost) - mutant.expect - mutant.may_lose)
    assert not unexpected, (
        f"{mutant.name} lost points it should keep on {unexpected}:\n"
        + "\n".join(f"{c.id}: {c.feedback}" for c in report.checks if c.id in unexpected))
    for check in report.checks:
        if check.id in mutant.expect:
            assert check.feedback.strip(), f"{check.id} failed without feedback"
            assert "internal grader error" not in check.feedback, check.feedback
    for check_id, status in mutant.statuses.items():
        assert report.result(check_id).status == status, report.result(check_id)
    for check in report.checks:  # blocked: 0 points, and the check named is one it loses
        if check.status == "blocked":
            assert check.score == 0.0 and check.blocked_by in lost, check
            assert f"fix {check.blocked_by} first" in check.feedback, check.feedback
    if mutant.feedback:  # words, or alternatives separated by " | "
        lost_feedback = " ".join(c.feedback for c in report.checks if c.id in mutant.expect)
        assert any(words.strip().lower() in lost_feedback.lower()
                   for words in mutant.feedback.split(" | ")), lost_feedback


@pytest.mark.parametrize("mutant", KNOWN_BAD, ids=[m.name for m in KNOWN_BAD])
def test_mutant_loses_exactly_its_checks(mutant: Mutant, tmp_path) -> None:
    _assert_loses_exactly(mutant, tmp_path)


@pytest.mark.parametrize("mutant", HOSTILE_SUBMISSIONS, ids=[m.name for m in HOSTILE_SUBMISSIONS])
def test_hostile_submission_is_contained(mutant: Mutant, tmp_path) -> None:
    _assert_loses_exactly(mutant, tmp_path)

