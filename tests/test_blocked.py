"""The `blocked` status and proven excuses (issue 30), and what trivial submissions earn.

A check that could observe nothing of its function because another check's function
fails is `blocked` (0 points, the check to fix first); an excuse holds only when the
traceback passes through the helper's frame; a stub earns nothing.
"""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

from checkers.authoring import Violation, run_property
from checkers.engine.grading import grade_with_runner
from checkers.engine.model import Check, Context, Exercise, Outcome
from checkers.engine.registry import available_exercises
from checkers.engine.report import STATUSES, Report
from checkers.sandbox.runner import InProcessRunner, SandboxRunner
from checkers.sandbox.submission import find_submission
from tests.helpers import REPO, grade_path

HELPER_SOURCE = '''
def helper(x):
    raise ValueError("helper not written yet")

def through_helper(x):
    return helper(x) + 1

def own_error(x):
    helper_result = 0
    raise RuntimeError("not written either")
'''


def _helper_check(ctx: Context) -> Outcome:
    value = ctx.call("helper", 1)
    return Outcome.passed() if value == 2 else Outcome.failed(f"helper(1) gave {value}")


def _caller_check(function: str):
    def run(ctx: Context) -> Outcome:
        value = ctx.call(function, 1)
        return Outcome.passed() if value == 3 else Outcome.failed(f"{function}(1) gave {value}")
    return run


def _property_check(function: str):
    def run(ctx: Context) -> Outcome:
        def prop(x: int) -> None:
            if ctx.call(function, x) != 2 * x + 1:
                raise Violation(f"{function}({x}) is not 2 * {x} + 1")
        return run_property(ctx, st.integers(0, 100), prop, max_examples=10)
    return run


def _toy_exercise() -> Exercise:
    checks = (Check("toy.helper", "helper doubles", 5, _helper_check),
              Check("toy.through", "through_helper", 5, _caller_check("through_helper")),
              Check("toy.own", "own_error", 5, _caller_check("own_error")),
              Check("toy.through_property", "through_helper, as a property", 5,
                    _property_check("through_helper")),
              Check("toy.own_property", "own_error, as a property", 5,
                    _property_check("own_error")))
    return Exercise(name="toy", title="toy", checks=checks, stub_file="toy.py",
                    solution_file="toy.py",
                    helper_checks=(("helper", "toy.helper"), ("through_helper", "toy.through"),
                                   ("own_error", "toy.own")))


def _grade_toy(runner) -> Report:
    return grade_with_runner(_toy_exercise(), runner, submission_label="toy")


def _assert_blocked_only_through_the_helper(report: Report) -> None:
    assert report.result("toy.helper").status == "error"
    through = report.result("toy.through")
    assert (through.status, through.score, through.blocked_by) == ("blocked", 0.0, "toy.helper")
    assert "fix toy.helper first" in through.feedback
    own = report.result("toy.own")  # its own exception: judged as it is, never excused
    assert (own.status, own.blocked_by) == ("error", None)
    assert "not written either" in own.feedback
    through_property = report.result("toy.through_property")  # every example raised there
    assert (through_property.status, through_property.blocked_by) == ("blocked", "toy.helper")
    own_property = report.result("toy.own_property")
    assert (own_property.status, own_property.blocked_by) == ("failed", None)
    assert report.score == 0.0


def test_blocked_only_through_the_helpers_frame_in_the_sandbox(tmp_path) -> None:
    (tmp_path / "toy.py").write_text(HELPER_SOURCE)
    runner = SandboxRunner(find_submission(tmp_path / "toy.py", "toy"))
    try:
        _assert_blocked_only_through_the_helper(_grade_toy(runner))
    finally:
        runner.close()


def test_blocked_only_through_the_helpers_frame_in_process() -> None:
    namespace: dict = {}
    exec(compile(HELPER_SOURCE, "toy.py", "exec"), namespace)  # noqa: S102 - the point
    _assert_blocked_only_through_the_helper(_grade_toy(InProcessRunner(namespace)))


def test_a_blocked_report_reads_back() -> None:
    namespace: dict = {}
    exec(compile(HELPER_SOURCE, "toy.py", "exec"), namespace)  # noqa: S102 - the point
    report = _grade_toy(InProcessRunner(namespace))
    again = Report.from_dict(report.to_dict())
    assert again.result("toy.through").blocked_by == "toy.helper"
    assert {c.status for c in again.checks} <= set(STATUSES)


def test_an_excused_part_is_listed_and_earns_nothing_by_itself() -> None:
    judged = Outcome(0.5, "half right").excusing([("the long strings", "x.other")])
    assert judged.fraction == 0.5
    assert judged.feedback == "half right. Not judged: the long strings (fix x.other first)"
    blocked = Outcome.blocked("x.other", "nothing seen")
    assert (blocked.fraction, blocked.blocked_by) == (0.0, "x.other")


CODE_EXERCISES = [e.name for e in available_exercises() if e.grades == "code"]


@pytest.mark.parametrize("variant", ["stub", "ValueError"])
@pytest.mark.parametrize("exercise", CODE_EXERCISES)
def test_a_stub_scores_zero(exercise: str, variant: str, tmp_path) -> None:
    """The stub as shipped, and with ``raise ValueError("todo")`` in place of every
    ``raise NotImplementedError``, earn nothing."""
    from checkers.engine.registry import get_exercise

    source = get_exercise(exercise).stub_path.read_text(encoding="utf-8")
    if variant == "ValueError":
        assert "raise NotImplementedError" in source
        source = source.replace("raise NotImplementedError", 'raise ValueError("todo")')
    (tmp_path / f"{exercise}.py").write_text(source, encoding="utf-8")
    report = grade_path(exercise, tmp_path)
    earned = {c.id: c.feedback for c in report.checks if c.score > 0}
    assert not earned, earned
    assert report.score == 0.0
    assert not [c for c in report.checks if c.status == "passed"]


# What a submission of constants of the right types earns (docs/EXERCISES.md, "What a
# trivial submission earns"): only reber.predict_contract, whose contract (one
# probability in [0, 1] per string, whatever the order or batch) a constant meets.
CONSTANT_EARNS = {"reber": {"reber.predict_contract"}, "dates": set(),
                  "shifted_targets": set(), "textgen": set(), "wordgen": set()}


@pytest.mark.parametrize("exercise", sorted(CONSTANT_EARNS))
def test_a_constant_submission_earns_only_what_a_constant_honestly_meets(exercise: str
                                                                         ) -> None:
    report = grade_path(exercise, REPO / "tests" / "trivial" / f"{exercise}_constant.py")
    earned = {c.id for c in report.checks if c.score > 0}
    assert earned == CONSTANT_EARNS[exercise], {c.id: c.feedback for c in report.checks
                                                if c.score > 0}
    assert report.score == sum(report.result(c).max_score for c in earned)
    for check in report.checks:  # a blocked check names a check the submission loses
        if check.status == "blocked":
            assert report.result(check.blocked_by).score < report.result(
                check.blocked_by).max_score


def test_the_constant_reber_submission_is_blocked_where_nothing_is_seen() -> None:
    report = grade_path("reber", REPO / "tests" / "trivial" / "reber_constant.py")
    coverage = report.result("reber.generate_coverage")
    assert (coverage.status, coverage.blocked_by) == ("blocked", "reber.generate_valid")
    assert "fix reber.generate_valid first" in coverage.feedback
    assert report.result("reber.corrupted").status == "failed"


def test_every_code_exercise_has_a_constant_submission() -> None:
    assert set(CODE_EXERCISES) == set(CONSTANT_EARNS)
