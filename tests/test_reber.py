"""The reber exercise end to end: reference, stub, notebook, CLI, determinism, oracle."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from checkers.exercises.reber import oracle as oracle
from tests.helpers import EXERCISES, SOLUTIONS, copy_artifacts, grade_path
from tests.helpers import reference_report as cached_reference_report


@pytest.fixture(scope="module")
def reference_report():
    return cached_reference_report("reber")  # shared with tests/test_structure.py


def test_reference_earns_full_marks(reference_report) -> None:
    assert reference_report.score == reference_report.max_score == 100.0, (
        reference_report.to_json())
    accuracy = reference_report.result("reber.accuracy").metrics["accuracy"]
    assert accuracy >= 0.99
    print(f"reference accuracy on the hidden set: {accuracy:.4f}")


def test_same_seed_same_report(reference_report) -> None:
    again = grade_path("reber", SOLUTIONS / "reber.py")
    assert again.to_dict(with_durations=False) == reference_report.to_dict(
        with_durations=False)


def test_untouched_stub_scores_zero_with_one_clear_message_per_check() -> None:
    report = grade_path("reber", EXERCISES / "reber.py")
    assert report.score == 0.0
    for check in report.checks:
        assert "is not implemented yet" in check.feedback, check
        assert "Traceback" not in check.feedback


def test_cli_check_exits_zero_and_prints_the_json_report() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "checkers", "check", "reber", str(EXERCISES / "reber.py"),
         "--format", "json"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["exercise"] == "reber" and report["score"] == 0.0
    assert {"id", "name", "score", "max_score", "status", "feedback", "counterexample"} <= set(
        report["checks"][0])


def test_cli_list_and_new(tmp_path) -> None:
    listing = subprocess.run([sys.executable, "-m", "checkers", "list"],
                             capture_output=True, text=True, timeout=120)
    assert "reber.long_range" in listing.stdout
    made = subprocess.run([sys.executable, "-m", "checkers", "new", "reber", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0
    assert (tmp_path / "reber.py").read_text() == (EXERCISES / "reber.py").read_text()


def test_notebook_submission_is_graded_like_the_script(tmp_path) -> None:
    source = (SOLUTIONS / "reber.py").read_text()
    notebook = {"cells": [
        {"cell_type": "code", "source": "%load_ext autoreload\n!nvidia-smi"},
        {"cell_type": "code", "source": source},
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "reber.ipynb").write_text(json.dumps(notebook))
    copy_artifacts("reber", tmp_path)
    report = grade_path("reber", tmp_path, checks=["reber.string_to_ids", "reber.accuracy"])
    assert report.score == report.max_score == 35.0, report.to_json()
    assert any("magics" in note for note in report.notes)


def test_failed_property_shows_the_shrunk_counterexample(tmp_path) -> None:
    source = (SOLUTIONS / "reber.py").read_text() + (
        "\n\ndef string_to_ids(s, chars=POSSIBLE_CHARS):\n"
        "    return [chars.index(c) for c in s[:3]]\n")
    (tmp_path / "reber.py").write_text(source)
    report = grade_path("reber", tmp_path / "reber.py", checks=["reber.string_to_ids"])
    check = report.result("reber.string_to_ids")
    assert check.score == 0
    # Hypothesis shrinks to the smallest string that shows the bug: four letters.
    assert check.counterexample is not None and "string_to_ids('BBBB'" in check.counterexample


def test_missing_path_is_a_grade_not_a_crash(tmp_path) -> None:
    report = grade_path("reber", tmp_path / "nothing_here.py")
    assert report.score == 0 and "does not exist" in report.checks[0].feedback


def test_in_process_self_check_matches_the_sandbox() -> None:
    import checkers
    from solutions import reber as reference

    report = checkers.check("reber", vars(reference), show=False)
    # Every check passes in the notebook's process but the one it cannot judge there:
    # reber.trained_model examines the saved model in the sandbox (skipped, 0 points).
    assert report.score == 100.0 - report.result("reber.trained_model").max_score
    assert {c.id: str(c.status) for c in report.checks if c.status != "passed"} == {
        "reber.trained_model": "skipped"}


@given(st.integers(0, 2**32 - 1))
def test_oracle_accepts_the_generators_strings_and_rejects_corruptions(seed) -> None:
    rng = np.random.default_rng(seed)
    s = oracle.sample_embedded(rng)
    assert oracle.is_embedded_reber(s) and oracle.is_reber(s[2:-2])
    bad = oracle.corrupt(s, rng, oracle.is_embedded_reber)
    assert not oracle.is_embedded_reber(bad)
    assert oracle.one_substitution_from(bad, oracle.is_embedded_reber)


def test_oracle_known_strings() -> None:
    assert oracle.is_reber("BTXSE") and oracle.is_reber("BPVVE") and oracle.is_reber("BTSSXXTVVE")
    assert not oracle.is_reber("BTSSPXSE") and not oracle.is_reber("BTXSEE")
    assert oracle.is_embedded_reber("BTBTXSETE") and not oracle.is_embedded_reber("BTBTXSEPE")
