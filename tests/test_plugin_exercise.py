"""A new exercise is one folder, proven: a course's exercise package, registered by the
``seqgrade.exercises`` entry point only, goes through every command — ``list``, ``new``,
``check``, ``validate``, ``autograder`` (its leaderboard included, run as Gradescope would),
``grade``, ``export``, ``report``, ``feedback`` and ``review`` — without an edit anywhere
else. What those commands need to know of it is declared on its ``Exercise``
(``tests/plugin_exercise/vowels_course/__init__.py``).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

PLUGIN_ROOT = Path(__file__).resolve().parent / "plugin_exercise"
ROOT = Path(__file__).resolve().parent.parent
WRONG = ("def count_vowels(text):\n    return sum(c in 'aeiou' for c in text)\n\n\n"
         "def count_all(words):\n    return [count_vowels(w) for w in words]\n")


@pytest.fixture(scope="module")
def plugin_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An environment in which a temporary ``vowels_course`` distribution is installed:
    the package copied into a fresh site folder with its dist-info (entry_points.txt), as
    pip would leave it. Nothing of seqgrade is edited."""
    site = tmp_path_factory.mktemp("site")
    shutil.copytree(PLUGIN_ROOT / "vowels_course", site / "vowels_course")
    info = site / "vowels_course-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: vowels-course\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[seqgrade.exercises]\nvowels = vowels_course\n")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(ROOT)])
    return env


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A class folder (right, wrong, stub) and a course file that sets the exercise's own
    option and a check's points."""
    folder = tmp_path_factory.mktemp("course")
    klass = folder / "class"
    klass.mkdir()
    (klass / "alice.py").write_text((PLUGIN_ROOT / "vowels_course" / "solution.py").read_text())
    (klass / "bob.py").write_text(WRONG)  # forgets the upper-case vowels
    (klass / "carol.py").write_text((PLUGIN_ROOT / "vowels_course" / "stub.py").read_text())
    toml = folder / "course.toml"
    toml.write_text('seed = 7\n\n[vowels.points]\n"vowels.words" = 6\n\n'
                    "[vowels.options]\nword_count = 8\n")
    return {"folder": folder, "class": klass, "toml": toml}


def _seqgrade(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "checkers", *args], env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def _ok(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_nothing_of_seqgrade_names_it() -> None:
    """The exercise is known only through its entry point: seqgrade's own files never
    mention it (its package lives in the test's temporary site folder)."""
    for path in (ROOT / "checkers").rglob("*"):
        if path.suffix in (".py", ".toml", ".yaml", ".json", ".txt"):
            assert "vowels" not in path.read_text(encoding="utf-8", errors="replace"), path
    assert "vowels" not in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def test_list_new_check_validate(plugin_env: dict[str, str], tmp_path: Path) -> None:
    listing = _ok(_seqgrade(plugin_env, "list"))
    assert "vowels: Count the vowels" in listing
    assert "vowels.count" in listing and "vowels.words" in listing
    first_builtin = listing.split("\n", 1)[0].split(":")[0]
    assert listing.index(first_builtin) < listing.index("vowels")

    _ok(_seqgrade(plugin_env, "new", "vowels", str(tmp_path / "student")))
    stub = tmp_path / "student" / "stub.py"
    assert "raise NotImplementedError" in stub.read_text()
    right = tmp_path / "right.py"
    right.write_text((PLUGIN_ROOT / "vowels_course" / "solution.py").read_text())
    wrong = tmp_path / "wrong.py"
    wrong.write_text(WRONG)

    reports = {path.stem: json.loads(_ok(_seqgrade(plugin_env, "check", "vowels", str(path),
                                                   "--format", "json")))
               for path in (stub, right, wrong)}
    assert reports["right"]["score"] == 15
    assert reports["stub"]["score"] == 0
    count, words = reports["wrong"]["checks"]
    assert count["score"] == 0 and "count_vowels(" in count["feedback"]
    assert 0 < words["score"] < 5 and words["metrics"]["unsure"] == 1.0  # declared metrics
    assert "needs review" in _ok(_seqgrade(plugin_env, "check", "vowels", str(wrong)))

    validated = _seqgrade(plugin_env, "validate", "vowels")
    assert validated.returncode == 0, validated.stdout + validated.stderr


def test_autograder_with_its_leaderboard(plugin_env: dict[str, str], course: dict[str, Path],
                                         tmp_path: Path) -> None:
    out = tmp_path / "autograder.zip"
    _ok(_seqgrade(plugin_env, "autograder", "vowels", "--out", str(out), "--leaderboard",
                  "--config", str(course["toml"]), "--allow-unisolated"))
    root = tmp_path / "autograder"
    with zipfile.ZipFile(out) as archive:
        setup = archive.read("setup.sh").decode()
        names = archive.namelist()
        archive.extractall(root / "source")
    assert '"./seqgrade"' in setup and "download.pytorch.org" not in setup  # extras=()
    assert "course/vowels_course/__init__.py" in names  # the course's package travels
    (root / "submission").mkdir()
    (root / "submission" / "vowels.py").write_text(WRONG)
    # Gradescope's image has seqgrade, not the course's package: the zip must bring it.
    env = {**os.environ, "SEQGRADE_AUTOGRADER_ROOT": str(root),
           "SEQGRADE_PYTHON": sys.executable}
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["extra_data"]["max_score"] == 16  # the course file's points
    board = results["leaderboard"]
    assert [entry["name"] for entry in board] == ["Words right"]
    assert board[0]["order"] == "desc" and 0 < board[0]["value"] < 1
    words = next(t for t in results["tests"] if t["name"].startswith("vowels.words"))
    assert " of 8 words" in words["output"]  # the course file's [vowels.options]


def test_grade_export_report_feedback_review(plugin_env: dict[str, str],
                                            course: dict[str, Path], tmp_path: Path) -> None:
    db = tmp_path / "grades.sqlite"
    _ok(_seqgrade(plugin_env, "grade", "vowels", str(course["class"]), "--db", str(db),
                  "--config", str(course["toml"]), "--allow-unisolated", "--quiet"))
    exported = _ok(_seqgrade(plugin_env, "export", "--db", str(db), "--format", "csv"))
    scores = {row["student"]: float(row["total"]) for row in csv.DictReader(io.StringIO(exported))}
    assert scores["alice"] == 16 and scores["carol"] == 0 and 0 < scores["bob"] < 6

    _ok(_seqgrade(plugin_env, "report", "--db", str(db), "--html", str(tmp_path / "r.html")))
    pages = tmp_path / "feedback"
    _ok(_seqgrade(plugin_env, "feedback", "--db", str(db), "--out", str(pages)))
    bob = next(p for p in pages.iterdir() if "bob" in p.name).read_text()
    assert "Words counted right, by length" in bob  # the exercise's SeriesPlot

    listed = _ok(_seqgrade(plugin_env, "review", "--db", str(db), "--list"))
    assert "bob  vowels.words" in listed and "confidence" in listed  # its ReviewMetrics
    assert "alice" not in listed and "carol" not in listed
    _ok(_seqgrade(plugin_env, "review", "--db", str(db), "--set", "bob", "vowels.words=6",
                  "--reason", "close enough"))
    assert "no vowels grades need review" in _ok(
        _seqgrade(plugin_env, "review", "--db", str(db), "--list"))
