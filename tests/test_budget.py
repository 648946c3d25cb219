"""The time a submission gets, sized by the reference's (issue 30): the default budget
from ``reference_time.toml``, the hang limits, a hanging submission, a book-style beam
search (checkers/engine/budget.py)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from checkers.engine.budget import (
    BUDGET_FLOOR_S,
    BUDGET_MULTIPLE,
    CALL_FLOOR_S,
    CALL_MULTIPLE,
    HANG_MULTIPLE,
    CallClock,
    ReferenceTime,
    default_limits,
    load_factor,
    load_reference_time,
    reference_time_path,
)
from checkers.engine.config import load_config
from checkers.engine.errors import CallTimeout
from checkers.engine.registry import available_exercises, get_exercise
from checkers.sandbox.runner import Limits, SandboxRunner
from checkers.sandbox.submission import find_submission
from tests.helpers import REPO, grade_path

REAL_LOAD_FACTOR = load_factor  # imported before the fixture below stands in for it

# seqgrade's own code exercises (a course's installed exercise records its own time)
CODE_EXERCISES = [e.name for e in available_exercises() if e.grades == "code"
                  and e.checks[0].run.__module__.startswith("checkers.exercises.")]


@pytest.mark.parametrize("name", CODE_EXERCISES)
def test_every_code_exercise_has_its_reference_time_shipped(name: str) -> None:
    exercise = get_exercise(name)
    path = reference_time_path(exercise)
    assert path == REPO / "checkers" / "exercises" / name / "reference_time.toml"
    reference = load_reference_time(exercise)
    assert reference is not None and reference.seconds > 0, path
    assert default_limits(exercise).time_budget == max(BUDGET_FLOOR_S,
                                                       BUDGET_MULTIPLE * reference.seconds)


def test_package_data_ships_the_reference_times() -> None:
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert '"exercises/*/*.toml"' in text


def test_a_course_file_still_sets_the_budget(tmp_path: Path) -> None:
    exercise = get_exercise("reber")
    course = tmp_path / "course.toml"
    course.write_text("[reber.limits]\ntime_budget = 50\n", encoding="utf-8")
    limits, _ = load_config(course)["reber"].apply_limits(default_limits(exercise), exercise)
    assert limits.time_budget == 50


def test_without_a_recorded_time_the_runner_default_applies() -> None:
    from tests.test_blocked import _toy_exercise

    assert load_reference_time(_toy_exercise()) is None
    assert default_limits(_toy_exercise()) == Limits()


class _Hanging:
    """A runner whose calls of ``hang`` time out (after their limit, not slept) and whose
    other calls return 1; it records the limits it was given."""

    def __init__(self, hang: set[str]) -> None:
        self.hang = hang
        self.limits: list[tuple[str, float]] = []
        self.notes = ["from the runner"]

    def call(self, func: str, args: tuple, kwargs: dict, *, timeout: float) -> Any:
        self.limits.append((func, timeout))
        if func in self.hang:
            raise CallTimeout(f"`{func}` did not finish within {timeout:.0f} s")
        return 1


@pytest.fixture(autouse=True)
def quiet_machine(monkeypatch) -> None:
    """The limits as on an idle machine (the load stretches the caps; see below)."""
    import checkers.engine.budget as budget

    monkeypatch.setattr(budget, "load_factor", lambda: 1.0)


def test_the_caps_stretch_with_the_machines_load(monkeypatch) -> None:
    import checkers.engine.budget as budget

    monkeypatch.setattr(budget, "load_factor", lambda: 4.0)
    clock, runner = _clock(set(), lost=HANG_MULTIPLE * 10.0)  # all spent
    clock.call("slow", (), {}, timeout=300)
    assert runner.limits == [("slow", 4 * CALL_MULTIPLE * 3.0)]


def test_the_load_factor_is_never_below_one() -> None:
    from checkers.engine import budget

    assert REAL_LOAD_FACTOR is not budget.load_factor  # the fixture's stand-in is in place
    assert REAL_LOAD_FACTOR() >= 1.0


def _clock(hang: set[str], lost: float = 0.0) -> tuple[CallClock, _Hanging]:
    runner = _Hanging(hang)
    clock = CallClock(runner, ReferenceTime(10.0, {"slow": 3.0, "fast": 0.01}))
    clock.lost = lost
    return clock, runner


def test_a_function_that_timed_out_is_not_called_again() -> None:
    clock, runner = _clock({"f"})
    for _ in range(3):
        with pytest.raises(CallTimeout) as raised:
            clock.call("f", (), {}, timeout=60)
    assert "an earlier call of `f` did not finish" in raised.value.message
    assert [f for f, _ in runner.limits] == ["f"]
    assert clock.call("g", (), {}, timeout=60) == 1  # another function is called


def test_a_call_may_take_what_is_left_of_the_allowance() -> None:
    clock, runner = _clock(set(), lost=HANG_MULTIPLE * 10.0 - 25.0)  # 25 s left
    clock.call("fast", (), {}, timeout=300)
    clock.call("fast", (), {}, timeout=20)
    assert runner.limits == [("fast", 25.0), ("fast", 20)]
    assert clock.lost == HANG_MULTIPLE * 10.0 - 25.0  # calls that return cost nothing
    assert clock.notes == ["from the runner"]  # the runner's attributes show through


def test_once_the_allowance_is_spent_calls_are_capped_by_the_reference() -> None:
    clock, runner = _clock(set(), lost=HANG_MULTIPLE * 10.0)  # all spent
    for func in ("slow", "fast", "unmeasured"):
        clock.call(func, (), {}, timeout=300)
    assert runner.limits == [("slow", CALL_MULTIPLE * 3.0), ("fast", CALL_FLOOR_S),
                             ("unmeasured", CALL_FLOOR_S)]


def test_the_calls_inside_a_trained_model_probe_count_as_the_function() -> None:
    clock, _ = _clock({"seqgrade:call_reinitialised"})
    with pytest.raises(CallTimeout):
        clock.call("seqgrade:call_reinitialised", (0, "predict", [], {}), {}, timeout=60)
    assert "predict" in clock.timed_out


def _worker_start(path: Path, exercise: str) -> float:
    """Seconds to start a worker for ``path`` (fork server included, when it is cold)."""
    runner = SandboxRunner(find_submission(path, exercise), limits=default_limits(
        get_exercise(exercise)), preload=get_exercise(exercise).worker_imports)
    try:
        started = time.perf_counter()
        runner.ensure_started()
        return time.perf_counter() - started
    finally:
        runner.close()


@pytest.mark.slow
def test_a_submission_that_hangs_everywhere_finishes_within_ten_references() -> None:
    """Issue 30: with the default budget, a hanging submission ends in the order of the
    reference's time, not the budget's; every check lost, as time-outs.

    The issue's bound (10x the reference's time plus a worker start) is measured by
    ``bench/bench_dates.py --hang`` (``bench/dates_results.json``: 7.0x). Here, on a
    shared machine, the wall clock is held to three times that bound: a guard against
    falling back to the whole budget (hundreds of seconds), not a benchmark."""
    path = REPO / "tests" / "trivial" / "reber_hangs.py"
    reference = load_reference_time(get_exercise("reber"))
    assert reference is not None
    start = _worker_start(path, "reber")
    report = grade_path("reber", path)
    assert report.score == 0
    assert {c.status for c in report.checks} == {"timeout"}
    assert report.duration_s <= 3 * (10 * reference.seconds + start), (report.duration_s, start)
    assert any(note.startswith("time: the reference solution takes")
               for note in report.notes), report.notes
