"""A course ships its own exercise package, registered by the ``seqgrade.exercises`` entry
point, and ``seqgrade`` lists and grades it end to end without any edit to seqgrade."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PLUGIN_ROOT = Path(__file__).resolve().parent / "plugin_exercise"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def plugin_env(tmp_path: Path) -> dict[str, str]:
    """An environment in which the ``vowels_course`` distribution is installed: its
    dist-info (with entry_points.txt) on the path, as pip would leave it."""
    site = tmp_path / "site"
    info = site / "vowels_course-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: vowels-course\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[seqgrade.exercises]\nvowels = vowels_course\n")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(PLUGIN_ROOT), str(ROOT)])
    return env


def _seqgrade(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "checkers", *args], env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_entry_point_exercise_is_listed(plugin_env: dict[str, str]) -> None:
    listing = _seqgrade(plugin_env, "list")
    assert listing.returncode == 0, listing.stderr
    assert "vowels: Count the vowels" in listing.stdout
    assert "vowels.count" in listing.stdout
    assert listing.stdout.index("textgen") < listing.stdout.index("vowels")


def test_the_entry_point_exercise_is_graded_end_to_end(plugin_env: dict[str, str],
                                                       tmp_path: Path) -> None:
    made = _seqgrade(plugin_env, "new", "vowels", str(tmp_path / "student"))
    assert made.returncode == 0, made.stderr
    stub = tmp_path / "student" / "stub.py"
    assert "raise NotImplementedError" in stub.read_text()

    right = tmp_path / "right.py"
    right.write_text((PLUGIN_ROOT / "vowels_course" / "solution.py").read_text())
    wrong = tmp_path / "wrong.py"  # forgets the upper-case vowels
    wrong.write_text("def count_vowels(text):\n    return sum(c in 'aeiou' for c in text)\n")

    reports = {}
    for path in (stub, right, wrong):
        done = _seqgrade(plugin_env, "check", "vowels", str(path), "--format", "json")
        assert done.returncode == 0, done.stderr
        reports[path.stem] = json.loads(done.stdout)
    assert reports["right"]["score"] == 10
    assert reports["stub"]["score"] == 0
    wrong_check = reports["wrong"]["checks"][0]
    assert wrong_check["score"] == 0 and "count_vowels(" in wrong_check["feedback"]

    validated = _seqgrade(plugin_env, "validate", "vowels")
    assert validated.returncode == 0, validated.stdout + validated.stderr
