"""The Gradescope autograder: the zip of every exercise, and ``run_autograder`` run end to end
in a simulated Gradescope root (``SEQGRADE_AUTOGRADER_ROOT``), its ``results.json`` checked
against the fields Gradescope documents
(https://gradescope-autograders.readthedocs.io/en/latest/specs/, "Output format").

What the issue asked to show: an instructor's error exits 2 at build time and gives no score
at run time (never a 0); the visible parts of ``results.json`` hold neither the total nor a
figure measured on hidden data before the due date, and everything after it; each build
grades with a secret seed of its own. setup.sh on a clean root file system is in
``tests/test_autograder_rootfs.py``.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from checkers.batch.autograder import (
    TIMEOUT_RESERVE,
    build_autograder,
    gradescope_results,
    read_settings,
    recommended_settings,
    run,
)
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


def _validate_fields(data: dict) -> None:
    assert isinstance(data, dict) and set(data) <= TOP_FIELDS, set(data) - TOP_FIELDS
    tests = data.get("tests", [])
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


def validate_results(data: dict) -> None:
    """Fail unless ``data`` is a graded results.json that Gradescope's specification allows."""
    _validate_fields(data)
    tests = data.get("tests", [])
    assert "score" in data or (tests and all("score" in t for t in tests)), \
        "a score at the top level or on every test"


def assert_failed_run(data: dict) -> None:
    """``data`` is well formed but records no score: neither at the top nor on any test
    (the specification requires one of them, so Gradescope records a failed run)."""
    _validate_fields(data)
    assert "score" not in data and not any("score" in t for t in data.get("tests", []))
    assert "misconfigured" in data["output"] and "not your doing" in data["output"]


def visible_strings(data: dict, *, after_due_date: bool = False) -> list[str]:
    """Every string and number a student can see in ``data`` (numbers as their repr): the
    top-level output and extra_data, the leaderboard, and the tests shown now (or, with
    ``after_due_date``, once the due date has passed)."""
    shown = {"visible"} | ({"after_due_date"} if after_due_date else set())
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                found.append(str(key))
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif value is not None:
            found.append(str(value))

    walk([data.get("output"), data.get("extra_data"), data.get("leaderboard")])
    walk([t for t in data["tests"] if t.get("visibility", "visible") in shown])
    return found


def hidden_figures(data: dict) -> dict[str, float]:
    """The figures measured on hidden data: the metrics of the tests shown after the due
    date (the hidden checks, and the figures of the visible checks measured on hidden data),
    as they print (4 decimals), leaving out round values a public string may hold anyway."""
    figures = {}
    for test in data["tests"]:
        if test.get("visibility") == "after_due_date":
            for name, value in test.get("extra_data", {}).get("metrics", {}).items():
                if not float(value).is_integer():
                    figures[f"{test['name']} {name}"] = value
    return figures


def _root(tmp_path: Path, zip_path: Path) -> Path:
    """A Gradescope root: the zip extracted into source/, an empty submission/."""
    root = tmp_path / "autograder"
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root / "source")
    (root / "submission").mkdir()
    return root


def _run(root: Path, env: dict[str, str] | None = None,
         graded: bool = True) -> tuple[dict, subprocess.CompletedProcess]:
    env = {**os.environ, "SEQGRADE_AUTOGRADER_ROOT": str(root),
           "SEQGRADE_PYTHON": sys.executable, **(env or {})}
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env,
                          capture_output=True, text=True, timeout=900, check=False)
    results = root / "results" / "results.json"
    assert results.exists(), done.stdout + done.stderr
    data = json.loads(results.read_text(encoding="utf-8"))
    if graded:
        validate_results(data)
    return data, done


def _reference(root: Path, exercise: str) -> None:
    (root / "submission" / Path(get_exercise(exercise).solution_file).name).write_bytes(
        (SOLUTIONS / get_exercise(exercise).solution_file).read_bytes())
    for name in get_exercise(exercise).artifacts:
        (root / "submission" / name).write_bytes((SOLUTIONS / name).read_bytes())


# --------------------------------------------------------------------------- the zip


def test_zip_for_every_exercise(tmp_path: Path) -> None:
    for exercise in available_exercises():
        out = build_autograder(exercise.name, tmp_path / f"{exercise.name}.zip")
        with zipfile.ZipFile(out) as archive:
            names = set(archive.namelist())
            modes = {i.filename: i.external_attr >> 16 for i in archive.infolist()}
            settings = json.loads(archive.read("seqgrade_autograder.json"))
            setup = archive.read("setup.sh").decode()
            constraints = archive.read("seqgrade/constraints.txt").decode()
            readme = archive.read("README.md").decode()
        assert {"setup.sh", "run_autograder", "seqgrade/pyproject.toml", "README.md"} <= names
        assert "seqgrade/checkers/batch/autograder.py" in names
        for script in ("setup.sh", "run_autograder"):
            assert modes[script] & stat.S_IXUSR, f"{script} is not executable"
        assert not any(n.startswith("seqgrade/solutions") or "__pycache__" in n for n in names)
        assert settings["exercise"] == exercise.name
        assert settings["seed"] != 0 and settings["seed_source"] == "drawn"
        advice = recommended_settings(exercise.name)
        assert settings["timeout"] == (advice["timeout_s"] if advice else 600)
        assert settings["allow_unisolated"] is False
        # apt-get update before any apt-get install; the constraints the zip carries
        assert setup.index("apt-get update") < setup.index("apt-get install")
        assert "python3.11 python3.11-venv" in setup
        assert "-c ./seqgrade/constraints.txt" in setup and "seqgrade[" in setup
        assert "torch==2.13.0" in constraints and "numpy==" in constraints
        assert ("keras==" in constraints) == (exercise.name != "qa"), exercise.name
        torch = exercise.name == "textgen"  # qa's extra runs on numpy: no torch index
        assert ("download.pytorch.org/whl/cpu" in setup) == torch, exercise.name
        assert "Resources" in readme and f"timeout of {settings['timeout']} s" in readme
        if advice:  # the bench's figures, and what to set from them
            assert f"{advice['memory_gb']:g} GB of memory and 1 CPU" in readme
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
    tests = {t["name"]: t for t in data["tests"]}
    assert tests["reber.accuracy: acc"]["visibility"] == "after_due_date"
    assert tests["reber.string_to_ids: ids"]["visibility"] == "visible"
    assert "```\npredict(['BT'])\n```" in tests["reber.accuracy: acc"]["output"]
    assert tests["Total"]["visibility"] == "after_due_date"
    assert "17/35" in tests["Total"]["output"] and "17/35" not in data["output"]
    assert data["extra_data"]["metrics"] == {} and "seed" not in data["extra_data"]
    assert "leaderboard" not in data  # its only column is on hidden data
    assert "a \\<note\\>" in data["output"]
    public = Report("reber", "s.py", 0, 5.0, 5.0, 1.0, "test", checks[:1])
    only_public = gradescope_results(public, hidden={"reber.accuracy"})  # e.g. --checks
    assert "5/5" in only_public["output"] and len(only_public["tests"]) == 1
    shown = gradescope_results(report, hidden=frozenset(), leaderboard=True)
    assert shown["leaderboard"] == [{"name": "Accuracy", "value": 0.8, "order": "desc"}]
    assert "17/35" in shown["output"] and shown["extra_data"]["metrics"] == {
        "reber.accuracy": {"accuracy": 0.8}}


# --------------------------------------------------------------------------- visibility


@pytest.fixture(scope="module")
def reber_reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:
    """reber's reference (and its model) uploaded as one zip, graded by run_autograder:
    results.json and the autograder's stdout."""
    tmp_path = tmp_path_factory.mktemp("reber")
    root = _root(tmp_path, build_autograder("reber", tmp_path / "ag.zip", leaderboard=True))
    with zipfile.ZipFile(root / "submission" / "upload.zip", "w") as upload:
        upload.write(SOLUTIONS / "reber.py", "mine/reber.py")
        upload.write(SOLUTIONS / "reber.keras", "mine/reber.keras")
    data, done = _run(root)
    assert done.returncode == 0, done.stdout + done.stderr
    return data, done.stdout


def test_reference_uploaded_as_a_zip_earns_full_marks(reber_reference) -> None:
    data, stdout = reber_reference
    assert data["score"] == get_exercise("reber").max_score == 100.0
    assert all(t["status"] == "passed" for t in data["tests"] if "status" in t)
    hidden = {t["extra_data"].get("check_id") for t in data["tests"]
              if t["visibility"] == "after_due_date"}
    assert hidden == {"reber.accuracy", "reber.long_range", "reber.trained_model", None}
    assert "reber 100/100" in stdout  # the staff's line


def test_nothing_visible_gives_away_the_total_or_a_hidden_figure(reber_reference) -> None:
    """Before the due date no visible string holds the total or a figure measured on the
    hidden data (reber.accuracy's, reber.long_range's, and reber.trained_model's probe on
    400 hidden strings); after it, all of them are there."""
    data, _ = reber_reference
    figures = hidden_figures(data)
    assert "reber.trained_model: predict's answers come from a trained RNN in reber.keras " \
           "(figures on hidden data) reinitialised_0" in figures
    total = f"{data['score']:g}/{get_exercise('reber').max_score:g}"
    before = visible_strings(data)
    after = visible_strings(data, after_due_date=True)
    for name, value in figures.items():
        printed = f"{value:.4f}"
        assert not any(printed in text for text in before), (name, printed)
        assert not any(text == repr(value) for text in before), (name, value)
        assert any(printed in text for text in after), (name, printed)
    accuracy = next(t for t in data["tests"] if t["name"].startswith("reber.accuracy"))
    assert "accuracy 1.0000 on 2000 hidden strings" in accuracy["output"]
    assert not any("hidden strings: 1.0000" in text for text in before)
    assert any("predict's accuracy on 400 of the hidden strings: 1.0000" in text
               for text in after)
    assert not any(total in text for text in before)
    assert any(total in text for text in after)
    assert "leaderboard" not in data  # both of reber's columns are on hidden data
    trained = next(t for t in data["tests"] if t["name"].startswith("reber.trained_model")
                   and t["visibility"] == "visible")
    assert trained["score"] == 10.0 and "after the due date" in trained["output"]


def test_show_hidden_shows_everything(tmp_path: Path) -> None:
    """--show-hidden (a rebuild after the due date with the same seed): every check is
    visible, the total is in the output, the leaderboard complete."""
    checks = [CheckResult("reber.accuracy", "acc", 30.0, 30.0, "passed", "accuracy 0.9985",
                          metrics={"accuracy": 0.9985}),
              CheckResult("reber.trained_model", "tm", 10.0, 10.0, "passed", "1.0000 vs 0.5",
                          metrics={"real_0": 1.0, "reinitialised_0": 0.5})]
    report = Report("reber", "s", 3, 40.0, 40.0, 1.0, "test", checks)
    data = gradescope_results(report, hidden=frozenset(), leaderboard=True)
    assert all(t["visibility"] == "visible" for t in data["tests"])
    assert "40/40" in data["output"] and data["leaderboard"][0]["value"] == 0.9985
    out = build_autograder("reber", tmp_path / "ag.zip", seed=77, show_hidden=True)
    assert read_settings(out)["show_hidden"] is True


# --------------------------------------------------------------------------- the seed


def test_each_build_draws_a_secret_seed(tmp_path: Path,
                                        capsys: pytest.CaptureFixture) -> None:
    """Two zips for the same exercise grade with different seeds, neither 0; 0 only when
    asked, with a warning; results.json never shows the seed."""
    seeds = []
    for name in ("a", "b"):
        zip_path = tmp_path / f"{name}.zip"
        assert main(["autograder", "reber", "--out", str(zip_path)]) == 0
        root = _root(tmp_path / name, zip_path)
        assert run(root) == 0  # an empty submission: graded at once (0 points)
        printed = re.search(r"\(seed (\d+),", capsys.readouterr().out)
        assert printed, "run_autograder prints the seed it graded with (for the staff)"
        seeds.append(int(printed.group(1)))
        assert seeds[-1] == read_settings(zip_path)["seed"]
        results = (root / "results" / "results.json").read_text(encoding="utf-8")
        assert str(seeds[-1]) not in results
    assert seeds[0] != seeds[1] and 0 not in seeds
    assert main(["autograder", "reber", "--out", str(tmp_path / "p.zip"), "--seed", "0"]) == 2
    assert "--public-seed" in capsys.readouterr().err
    assert main(["autograder", "reber", "--out", str(tmp_path / "p.zip"),
                 "--public-seed"]) == 0
    assert "public seed" in capsys.readouterr().err
    assert read_settings(tmp_path / "p.zip")["seed"] == 0
    assert main(["autograder", "reber", "--out", str(tmp_path / "s.zip"), "--seed", "5"]) == 0
    assert read_settings(tmp_path / "s.zip")["seed"] == 5
    config = tmp_path / "course.toml"
    config.write_text("seed = 1234\n", encoding="utf-8")
    build_autograder("reber", tmp_path / "c.zip", config=config)
    assert read_settings(tmp_path / "c.zip")["seed"] == 1234


def test_grade_warns_on_the_public_seed(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "class").mkdir()
    db = str(tmp_path / "g.sqlite")
    assert main(["grade", "reber", str(tmp_path / "class"), "--db", db, "--quiet"]) == 0
    assert "warning: grading officially with seed 0" in capsys.readouterr().err
    assert main(["grade", "reber", str(tmp_path / "class"), "--db", db, "--quiet",
                 "--seed", "9"]) == 0
    assert "seed 0" not in capsys.readouterr().err


# ------------------------------------------------------------------ the instructor's errors


@pytest.mark.parametrize("course,reason", [
    ('[reber.points]\n"reber.acuracy" = 40\n', "unknown check ids ['reber.acuracy']"),
    ('[reber]\npionts = 3\n', "unknown keys ['pionts']"),
    ('[rebber.points]\n"rebber.accuracy" = 3\n', "no exercise 'rebber'"),
    ('[reber.limits]\nmemroy = "2 GiB"\n', "unknown limit"),
    ('[reber.limits]\ntime_budget = 590\n', "leaves no time to write results.json"),
    ('[reber.points]\n"reber.accuracy" = true\n', "numbers ≥ 0"),
    ('seed = "x"\n', "`seed` must be an integer"),
    ('[textgen]\nheldout = "missing.txt"\n', "does not exist"),
    ("[reber\n", "not valid TOML"),
])
def test_build_refuses_a_bad_course_file(tmp_path: Path, capsys: pytest.CaptureFixture,
                                         course: str, reason: str) -> None:
    config = tmp_path / "course.toml"
    config.write_text(course, encoding="utf-8")
    out = tmp_path / "ag.zip"
    assert main(["autograder", "reber", "--out", str(out), "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert reason in err and err.count("\n") == 1, err
    assert not out.exists()


def test_build_refuses_bad_settings(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = str(tmp_path / "ag.zip")
    assert main(["autograder", "reber", "--out", out,
                 "--config", str(tmp_path / "nope.toml")]) == 2
    assert "no course file" in capsys.readouterr().err
    assert main(["autograder", "reber", "--out", out, "--timeout", "3000"]) == 2
    assert "at most 2400" in capsys.readouterr().err
    private = tmp_path / "outside.txt"
    private.write_text("private\n", encoding="utf-8")
    (tmp_path / "course").mkdir()
    config = tmp_path / "course" / "course.toml"
    config.write_text('[textgen]\nheldout = "../outside.txt"\n', encoding="utf-8")
    assert main(["autograder", "textgen", "--out", out, "--config", str(config)]) == 2
    assert "course file's folder or below" in capsys.readouterr().err
    assert not Path(out).exists()


def test_course_files_travel_in_the_zip(tmp_path: Path) -> None:
    """The course file and the private text it names go into the zip, validated again by
    run_autograder against the copy."""
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "heldout.txt").write_text("a private text\n", encoding="utf-8")
    config = tmp_path / "course.toml"
    config.write_text('[textgen]\nheldout = "private/heldout.txt"\n[reber.limits]\n'
                      "time_budget = 100\n", encoding="utf-8")
    out = build_autograder("textgen", tmp_path / "ag.zip", config=config, timeout=900)
    with zipfile.ZipFile(out) as archive:
        assert archive.read("private/heldout.txt") == b"a private text\n"
        assert archive.read("course.toml").decode() == config.read_text(encoding="utf-8")
    assert read_settings(out)["timeout"] == 900


def test_a_bad_course_file_at_run_time_gives_no_score(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture) -> None:
    """A zip whose course file was not validated (edited after the build, or built by an
    older seqgrade) and run anyway: no score, the misconfiguration said, the reason on
    stdout only, exit 2. The same for a broken or public-seed settings file."""
    config = tmp_path / "course.toml"
    config.write_text('[reber.points]\n"reber.accuracy" = 40\n', encoding="utf-8")
    root = _root(tmp_path, build_autograder("reber", tmp_path / "ag.zip", config=config))
    _reference(root, "reber")
    (root / "source" / "course.toml").write_text('[reber.points]\n"reber.acuracy" = 40\n',
                                                 encoding="utf-8")
    capsys.readouterr()
    assert run(root) == 2
    data = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert_failed_run(data)
    assert not any("acuracy" in text for text in visible_strings(data, after_due_date=True))
    assert "unknown check ids ['reber.acuracy']" in capsys.readouterr().out
    settings = root / "source" / "seqgrade_autograder.json"
    for broken, reason in (("{not json", "cannot be read"),
                           (json.dumps({"exercise": "reber", "seed": 0}), "public seed"),
                           (json.dumps({"exercise": "rebber", "seed": 3}), "rebber")):
        settings.write_text(broken, encoding="utf-8")
        assert run(root) == 2
        assert_failed_run(json.loads((root / "results" / "results.json").read_text()))
        assert reason in capsys.readouterr().out


def test_a_check_the_grader_cannot_run_gives_no_score(tmp_path: Path) -> None:
    """wordgen with its data set gone (a setup that could not download it): the checks
    that need it cannot run, which is no fault of the student: no score, exit 2, the reason
    for the staff (the autograder's stdout)."""
    root = _root(tmp_path, build_autograder("wordgen", tmp_path / "ag.zip",
                                            data_dir=data_dir()))
    for item in (root / "source" / "data").iterdir():
        item.unlink()
    _reference(root, "wordgen")
    env = {"SEQGRADE_DATA_DIR": "", "SEQGRADE_CACHE_DIR": str(tmp_path / "cache"),
           "SEQGRADE_SHAKESPEARE_URL": (tmp_path / "nowhere.txt").as_uri()}
    data, done = _run(root, env=env, graded=False)
    assert done.returncode == 2, done.stdout + done.stderr
    assert_failed_run(data)
    assert "the grader could not run some checks" in done.stdout
    assert "no tiny Shakespeare" in done.stdout


def test_empty_submission_is_a_zero_with_a_message(tmp_path: Path) -> None:
    root = _root(tmp_path, build_autograder("reber", tmp_path / "ag.zip"))
    data, done = _run(root)
    assert done.returncode == 0 and data["score"] == 0
    assert "no .py file" in data["tests"][0]["output"]


def test_unsafe_upload_is_a_zero_with_the_reason(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """An uploaded archive that leaves its folder: nothing unpacked, 0 points, the reason
    (the student's to fix, unlike the instructor's errors above)."""
    root = _root(tmp_path, build_autograder("reber", tmp_path / "ag.zip"))
    with zipfile.ZipFile(root / "submission" / "upload.zip", "w") as upload:
        upload.writestr("../../escaped.py", "x = 1\n")
    monkeypatch.chdir(tmp_path)
    assert run(root) == 0
    data = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    validate_results(data)
    assert data["score"] == 0 and "upload.zip was not graded" in data["tests"][0]["output"]
    assert not list(tmp_path.rglob("escaped.py"))


def test_the_time_budget_leaves_room_for_results(tmp_path: Path) -> None:
    """The checks stop TIMEOUT_RESERVE s before Gradescope's timeout: a submission that
    spends the budget is graded (what ran) and results.json is written."""
    from checkers.batch.autograder import _grading_setup, load_settings

    root = _root(tmp_path, build_autograder("reber", tmp_path / "ag.zip", timeout=300))
    _, limits = _grading_setup(load_settings(root / "source"), root / "source")
    assert limits.time_budget == 300 - TIMEOUT_RESERVE


# --------------------------------------------------------------------------- slow


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
    data, done = _run(root)
    assert "(seed 7," in done.stdout
    lost = {t["extra_data"]["check_id"] for t in data["tests"]
            if "score" in t and t["score"] < t["max_score"]}
    assert known.expect <= lost <= known.expect | known.may_lose
    reference = _root(tmp_path / "ref", tmp_path / "ag.zip")
    _reference(reference, exercise)
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
