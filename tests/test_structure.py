"""What every exercise must show, written once and run for each discovered exercise
(:func:`checkers.engine.registry.available_exercises`): a new exercise gets these tests
without a line of its own.

- its untouched stub scores 0, every check saying that its function is not implemented
  (code exercises; in process, which is cheap: nothing of the stub runs past its first
  ``raise NotImplementedError``);
- its reference earns full marks (in the sandbox, graded once per test process by
  :func:`tests.helpers.reference_report`, which the exercises' own tests share);
- every check has a mutant under ``tests/mutants/<name>/`` that loses it (run by
  ``tests/test_mutants.py``), and no mutant names a check that does not exist;
- ``hints.yaml`` gives a valid hint for every check.
"""

from __future__ import annotations

import runpy

import pytest

from checkers.engine.grading import grade, grade_with_runner
from checkers.engine.hints import KINDS, read_hints_file, validate_hints
from checkers.engine.registry import available_exercises
from checkers.engine.report import Status
from checkers.sandbox.runner import InProcessRunner
from tests.helpers import MUTANTS, all_mutants, grading_options, reference_report

EXERCISES = available_exercises()
# The references the default pass grades anyway (their exercises' own tests share the
# cached report); the others train or load models for minutes: the slow pass grades them.
GRADED_BY_DEFAULT = {"reber", "qa"}


def _by_name(exercises=EXERCISES, slow=frozenset()):
    return [pytest.param(e, id=e.name, marks=[pytest.mark.slow] if e.name in slow else [])
            for e in exercises]


@pytest.mark.parametrize("exercise", _by_name())
def test_the_stub_scores_zero(exercise) -> None:
    if exercise.grades == "text":
        report = grade(exercise.name, exercise.stub_path, options=grading_options())
    else:
        namespace = runpy.run_path(str(exercise.stub_path))
        report = grade_with_runner(exercise, InProcessRunner(namespace), submission_label="stub",
                                   options=grading_options())
    assert report.score == 0, report.to_json()
    assert [c.id for c in report.checks] == [c.id for c in exercise.checks]
    if exercise.grades == "code":
        for check in report.checks:
            assert check.status == Status.NOT_IMPLEMENTED, (check.id, check.feedback)
            assert "not implemented" in check.feedback, (check.id, check.feedback)


@pytest.mark.parametrize(
    "exercise", _by_name(slow={e.name for e in EXERCISES} - GRADED_BY_DEFAULT))
def test_the_reference_earns_full_marks(exercise) -> None:
    report = reference_report(exercise.name)
    assert report.score == report.max_score == exercise.max_score, report.to_json()
    assert all(c.status == Status.PASSED for c in report.checks), report.to_json()


@pytest.mark.parametrize("exercise", _by_name())
def test_every_check_has_a_mutant(exercise) -> None:
    if exercise.grades == "text":
        pytest.skip("graded from text: its wrong answers are in its own tests")
    mutants = [m for m in all_mutants(MUTANTS) if m.exercise == exercise.name]
    ids = {c.id for c in exercise.checks}
    lost = set().union(*(m.expect for m in mutants))
    assert not ids - lost, f"no mutant under tests/mutants/{exercise.name}/ loses {ids - lost}"
    named = lost.union(*(m.may_lose for m in mutants))
    assert named <= ids, f"mutants name checks that do not exist: {named - ids}"


@pytest.mark.parametrize("exercise", _by_name())
def test_every_check_has_a_valid_hint(exercise) -> None:
    raw = read_hints_file(exercise)
    assert raw is not None, f"{exercise.name} ships no hints.yaml"
    # strict: a hint for a check that does not exist (a typo) is refused
    hints = validate_hints(raw, exercise, exercise.name)
    missing = {c.id for c in exercise.checks} - set(hints)
    assert not missing, f"add hints for {missing} to {exercise.name}'s hints.yaml"
    for entry in hints.values():
        assert set(entry) <= {"hint", *KINDS}
