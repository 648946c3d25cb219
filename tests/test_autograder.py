"""The Gradescope autograder: the zip of every exercise, and ``run_autograder`` run end to end
in a simulated Gradescope root (``SEQGRADE_AUTOGRADER_ROOT``), its ``results.json`` checked
against the fields Gradescope documents
(https://gradescope-autograders.readthedocs.io/en/latest/specs/, "Output format").
"""

from __future__ import annotations

import json
import math
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from checkers.batch.autograder import build_autograder, gradescope_results
from checkers.cli.main import main
from checkers.engine.registry import available_exercises, get_exercise
from checkers.engine.report import CheckResult, Report
from tests.helpers import MUTANTS, SOLUTIONS, build_submission, data_dir, read_mutant

# Gradescope's results.json, as its specification lists the fields.
FORMATS = {"text", "html", "simple_format", "md", "ansi"}
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}
TOP_FIELDS = {"score", "execution_time", "output", "output_format", "test_output_format",
              "test_name_format", "visibility", "stdout_visibility", "extra_data", "tests",
              "leaderboard"}
TEST_FIELDS = {"score", "max_score", "status", "name", "name_format", "number", "output",
               "output_format", "tags", "visibility", "extra_data"}


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(
        value)


def validate_results(data: dict) -> None:
    """Fail unless ``data`` is a results.json that Gradescope's specification allows."""
    assert isinstance(data, dict) and set(data) <= TOP_FIELDS, set(data) - TOP_FIELDS
    tests = data.get("tests", [])
    assert "score" in data or (tests and all("score" in t for t in tests)), \
        "a score at the top level or on every test"
    if "score" in data:
        assert _number(data["score"])
    if "execution_time" in data:
        assert _number(data["execution_time"]) and data["execution_time"] >= 0
    for key in ("output_format", "test_output_format", "test_name_format"):
        assert data.get(key, "text") in FORMATS, key
    for key in ("visibility", "stdout_visibility"):
        assert data.get(key, "visible") in VISIBILITIES, key
    assert isinstance(data.get("output", ""), str)
    assert isinstance(data.get("extra_data", {}), dict)
    assert isinstance(tests, list)
    for test in tests:
        assert isinstance(test, dict) and set(test) <= TEST_FIELDS, set(test) - TEST_FIELDS
        for key in ("score", "max_score"):
            if key in test:
                assert _number(test[key]), key
        assert test.get("status", "passed") in ("passed", "failed")
        for key in ("name", "number", "output"):
            assert isinstance(test.get(key, ""), str), key
        for key in ("output_format", "name_format"):
            assert test.get(key, "text") in FORMATS
        assert test.get("visibility", "visible") in VISIBILITIES
        assert all(isinstance(tag, str) for tag in test.get("tags", []))
        assert isinstance(test.get("extra_data", {}), dict)
    for entry in data.get("leaderboard", []):
        assert set(entry) <= {"name", "value", "order"} and isinstance(entry["name"], str)
        assert _number(entry["value"]) or isinstance(entry["value"], str)
        assert entry.get("order", "desc") in ("asc", "desc")
    json.dumps(data, allow_nan=False)  # strict JSON: no NaN or Infinity


def _root(tmp_path: Path, zip_path: Path) -> Path:
    """A Gradescope root: the zip extracted into source/, an empty submission/."""
    root = tmp_path / "autograder"
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root / "source")
    (root / "submission").mkdir()
    return root


def _run(root: Path) -> tuple[dict, subprocess.CompletedProcess]:
    env = {**os.environ, "SEQGRADE_AUTOGRADER_ROOT": str(root),
           "SEQGRADE_PYTHON": sys.executable}
    if data_dir():
        env["SEQGRADE_DATA_DIR"] = data_dir()
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env,
                          capture_output=True, text=True, timeout=900, check=False)
    results = root / "results" / "results.json"
    assert results.exists(), done.stdout + done.stderr
    data = json.loads(results.read_text(encoding="utf-8"))
    validate_results(data)
    return data, done


def test_zip_for_every_exercise(tmp_path: Path) -> None:
    for exercise in available_exercises():
        out = build_autograder(exercise.name, tmp_path / f"{exercise.name}.zip")
        with zipfile.ZipFile(out) as archive:
            names = set(archive.namelist())
            modes = {i.filename: i.external_attr >> 16 for i in archive.infolist()}
            settings = json.loads(archive.read("seqgrade_autograder.json"))
            setup = archive.read("setup.sh").decode()
        assert {"setup.sh", "run_autograder", "seqgrade/pyproject.toml"} <= names
        assert "seqgrade/checkers/batch/autograder.py" in names
        for script in ("setup.sh", "run_autograder"):
            assert modes[script] & stat.S_IXUSR, f"{script} is not executable"
        assert not any(n.startswith("seqgrade/solutions") or "__pycache__" in n for n in names)
        assert settings["exercise"] == exercise.name
        assert "download.pytorch.org/whl/cpu" in setup and "seqgrade[" in setup
        for script in ("setup.sh", "run_autograder"):  # both parse as bash
            with zipfile.ZipFile(out) as archive:
                text = archive.read(script).decode()
            done = subprocess.run(["bash", "-n"], input=text, capture_output=True, text=True,
                                  check=False)
            assert done.returncode == 0, (exercise.name, script, done.stderr)


def test_results_fields_on_a_synthetic_report() -> None:
    checks = [CheckResult("reber.string_to_ids", "ids", 5.0, 5.0, "passed", "OK"),
              CheckResult("reber.accuracy", "acc", 12.0, 30.0, "failed",
                          "accuracy 0.8 on 2000 hidden strings\nSome mistakes: *x*",
                          counterexample="predict(['BT'])", metrics={"accuracy": 0.8})]
    report = Report("reber", "s.py", 0, 17.0, 35.0, 1.5, "test", checks, notes=["a <note>"])
    data = gradescope_results(report, hidden={"reber.accuracy"}, leaderboard=True)
    validate_results(data)
    assert data["output_format"] == "md" and data["score"] == 17.0
    tests = {t["extra_data"]["check_id"]: t for t in data["tests"]}
    assert tests["reber.accuracy"]["visibility"] == "after_due_date"
    assert tests["reber.string_to_ids"]["visibility"] == "visible"
    assert "```\npredict(['BT'])\n```" in tests["reber.accuracy"]["output"]
    assert data["extra_data"]["metrics"] == {"reber.accuracy": {"accuracy": 0.8}}
    assert data["leaderboard"] == [{"name": "Accuracy", "value": 0.8, "order": "desc"}]
    assert "a \\<note\\>" in data["output"]


@pytest.mark.slow
def test_reference_uploaded_as_a_zip_earns_full_marks(tmp_path: Path) -> None:
    """reber end to end: the reference (and its model) uploaded as one zip."""
    root = _root(tmp_path, build_autograder("reber", tmp_path / "ag.zip", leaderboard=True))
    with zipfile.ZipFile(root / "submission" / "upload.zip", "w") as upload:
        upload.write(SOLUTIONS / "reber.py", "mine/reber.py")
        upload.write(SOLUTIONS / "reber.keras", "mine/reber.keras")
    data, done = _run(root)
    assert done.returncode == 0, done.stderr
    assert data["score"] == get_exercise("reber").max_score == 100.0
    assert all(t["status"] == "passed" for t in data["tests"])
    hidden = {t["extra_data"]["check_id"] for t in data["tests"]
              if t["visibility"] == "after_due_date"}
    assert hidden == {"reber.accuracy", "reber.long_range"}
    assert data["extra_data"]["metrics"]["reber.accuracy"]["accuracy"] >= 0.9
    assert [e["name"] for e in data["leaderboard"]] == ["Accuracy", "Long-range accuracy"]


def test_empty_submission_is_a_zero_with_a_message(tmp_path: Path) -> None:
    root = _root(tmp_path, build_autograder("reber", tmp_path / "ag.zip"))
    data, done = _run(root)
    assert done.returncode == 0 and data["score"] == 0
    assert "no .py file" in data["tests"][0]["output"]


def test_unsafe_upload_is_a_zero_with_the_reason(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """An uploaded archive that leaves its folder: nothing unpacked, 0 points, the reason."""
    from checkers.batch.autograder import run

    root = _root(tmp_path, build_autograder("reber", tmp_path / "ag.zip"))
    with zipfile.ZipFile(root / "submission" / "upload.zip", "w") as upload:
        upload.writestr("../../escaped.py", "x = 1\n")
    monkeypatch.chdir(tmp_path)
    assert run(root) == 0
    data = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    validate_results(data)
    assert data["score"] == 0 and "upload.zip was not graded" in data["tests"][0]["output"]
    assert not list(tmp_path.rglob("escaped.py"))


@pytest.mark.slow
@pytest.mark.parametrize("exercise,mutant", [("reber", "corruption_keeps_letter"),
                                             ("shifted_targets", "detector_always_true")])
def test_mutant_loses_its_check(tmp_path: Path, exercise: str, mutant: str) -> None:
    """A mutant in the autograder: exactly its check lost; the reference: full marks."""
    config = tmp_path / "course.toml"
    config.write_text("seed = 7\n", encoding="utf-8")
    root = _root(tmp_path, build_autograder(exercise, tmp_path / "ag.zip", config=config))
    known = read_mutant(exercise, MUTANTS / exercise / f"{mutant}.py")
    folder = build_submission(tmp_path / "built", known)
    for item in folder.iterdir():
        item.rename(root / "submission" / item.name)
    data, _ = _run(root)
    assert data["extra_data"]["seed"] == 7
    lost = {t["extra_data"]["check_id"] for t in data["tests"] if t["score"] < t["max_score"]}
    assert known.expect <= lost <= known.expect | known.may_lose
    reference = _root(tmp_path / "ref", tmp_path / "ag.zip")
    (reference / "submission" / f"{exercise}.py").write_bytes(
        (SOLUTIONS / get_exercise(exercise).solution_file).read_bytes())
    for name in get_exercise(exercise).artifacts:
        (reference / "submission" / name).write_bytes((SOLUTIONS / name).read_bytes())
    data, _ = _run(reference)
    assert data["score"] == get_exercise(exercise).max_score


@pytest.mark.slow
def test_reference_notebook_earns_full_marks(tmp_path: Path) -> None:
    """shifted_targets end to end: the reference uploaded as a notebook."""
    root = _root(tmp_path, build_autograder("shifted_targets", tmp_path / "ag.zip"))
    source = (SOLUTIONS / "shifted_targets.py").read_text(encoding="utf-8")
    cell = {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
            "source": source.splitlines(keepends=True)}
    notebook = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (root / "submission" / "shifted_targets.ipynb").write_text(json.dumps(notebook),
                                                               encoding="utf-8")
    data, _ = _run(root)
    assert data["score"] == get_exercise("shifted_targets").max_score


def test_autograder_command(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "reber.zip"
    assert main(["autograder", "reber", "--out", str(out)]) == 0
    assert zipfile.is_zipfile(out)
    assert main(["autograder", "reber", "--out", str(out),
                 "--config", str(tmp_path / "nope.toml")]) == 2
    assert "no course file" in capsys.readouterr().err
