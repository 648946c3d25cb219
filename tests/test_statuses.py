"""One failure protocol and typed statuses (issues 27 and 28).

A :class:`CheckFailed` raised anywhere in a check fails it with its message; a missing
function is ``missing``, an unimplemented one ``not_implemented``; a check the notebook
self-check cannot judge is ``skipped`` with 0 points, never passed.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import strategies as st

from checkers.authoring import CheckFailed, Violation, run_property
from checkers.engine.grading import grade_with_runner
from checkers.engine.model import Check, Context, Exercise, Outcome
from checkers.engine.report import Report, Status
from checkers.engine.selfcheck import failure_kind
from checkers.sandbox.runner import InProcessRunner, SandboxRunner
from checkers.sandbox.submission import find_submission
from tests.helpers import SOLUTIONS

SOURCE = '''
def double(x):
    return 2 * x

def todo(x):
    raise NotImplementedError
'''


def _helper_fails(ctx: Context) -> Outcome:
    value = ctx.call("double", 2)
    if value == 4:
        raise CheckFailed("double(2) is 4, and this check wants 5", counterexample="double(2)",
                          ratio=0.8)
    return Outcome.passed()


def _violation_outside_a_property(ctx: Context) -> Outcome:
    raise Violation("a violation outside run_property fails the check")


def _calls(function: str):
    def run(ctx: Context) -> Outcome:
        ctx.call(function, 1)
        return Outcome.passed()
    return run


def _property_with_edges(ctx: Context) -> Outcome:
    def prop(x: int) -> None:
        if ctx.call("double", x) == 2 * x and x == -7:
            raise Violation("-7 is the edge case this property rejects")
    return run_property(ctx, st.integers(0, 50), prop, max_examples=20, edges=[3, -7, -8])


def _exercise() -> Exercise:
    checks = (Check("toy.raised", "CheckFailed", 1, _helper_fails),
              Check("toy.violation", "Violation", 1, _violation_outside_a_property),
              Check("toy.missing", "missing", 1, _calls("tripple")),
              Check("toy.todo", "todo", 1, _calls("todo")),
              Check("toy.edges", "edges", 1, _property_with_edges))
    return Exercise(name="toy", title="toy", checks=checks, stub_file="toy.py",
                    solution_file="toy.py")


def _assert_statuses(report: Report) -> None:
    raised = report.result("toy.raised")
    assert (raised.status, raised.score) == (Status.FAILED, 0.0)
    assert raised.feedback == "double(2) is 4, and this check wants 5"
    assert (raised.counterexample, raised.metrics) == ("double(2)", {"ratio": 0.8})
    violation = report.result("toy.violation")
    assert violation.status == Status.FAILED
    assert "internal grader error" not in violation.feedback
    assert report.result("toy.missing").status == Status.MISSING
    assert report.result("toy.todo").status == Status.NOT_IMPLEMENTED
    edges = report.result("toy.edges")  # the generated examples held; an edge did not
    assert (edges.status, edges.counterexample) == (Status.FAILED, "-7")


def test_the_failure_protocol_in_process() -> None:
    namespace: dict = {}
    exec(compile(SOURCE, "toy.py", "exec"), namespace)  # noqa: S102 - the point
    _assert_statuses(grade_with_runner(_exercise(), InProcessRunner(namespace),
                                       submission_label="toy"))


def test_the_failure_protocol_in_the_sandbox(tmp_path) -> None:
    (tmp_path / "toy.py").write_text(SOURCE)
    runner = SandboxRunner(find_submission(tmp_path / "toy.py", "toy"))
    try:
        report = grade_with_runner(_exercise(), runner, submission_label="toy")
    finally:
        runner.close()
    _assert_statuses(report)
    again = Report.from_dict(json.loads(report.to_json()))  # statuses survive JSON
    assert [c.status for c in again.checks] == [c.status for c in report.checks]
    assert all(isinstance(c.status, Status) for c in again.checks)


def test_an_unknown_status_is_refused() -> None:
    with pytest.raises(ValueError):
        Report.from_dict({**_empty_report(), "checks": [
            {"id": "a", "name": "a", "score": 0, "max_score": 1, "status": "excused",
             "feedback": ""}]})


def _empty_report() -> dict:
    return {"exercise": "toy", "submission": "toy", "seed": 0, "score": 0, "max_score": 1,
            "duration_s": 0.0, "grader_version": "0", "checks": []}


def test_a_check_the_self_check_cannot_judge_is_skipped_never_passed() -> None:
    """reber.trained_model examines the model files in the sandbox: in the notebook's own
    process it is ``skipped`` with 0 points and says where it is judged."""
    import checkers

    namespace = {"__file__": str(SOLUTIONS / "reber.py")}
    exec((SOLUTIONS / "reber.py").read_text(), namespace)  # noqa: S102 - the reference
    result = checkers.check("reber", namespace, checks=["reber.trained_model"], show=False)
    check = result.report.result("reber.trained_model")
    assert (check.status, check.score) == (Status.SKIPPED, 0.0)
    assert check.feedback.startswith("judged by `seqgrade check` only")
    assert failure_kind(check) == "passed"  # nothing to hint at
    assert "hint:" not in str(result)


def test_a_missing_function_names_its_kind_without_reading_the_message() -> None:
    import checkers

    namespace: dict = {"__file__": str(SOLUTIONS / "reber.py")}
    exec((SOLUTIONS / "reber.py").read_text(), namespace)  # noqa: S102 - the reference
    namespace["string_to_idz"] = namespace.pop("string_to_ids")
    result = checkers.check("reber", namespace, checks=["reber.string_to_ids"], show=False)
    check = result.report.result("reber.string_to_ids")
    assert check.status == Status.MISSING
    assert "did you mean" in check.feedback
    assert result.kinds["reber.string_to_ids"] == "missing"
