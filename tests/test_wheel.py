"""The wheel students install carries the grader and the stubs, never the references."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_holds_the_grader_and_stubs_but_no_solutions(tmp_path: Path) -> None:
    source = tmp_path / "src"
    # A copy of the tracked tree, so that the build leaves nothing in the checkout.
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                           check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "-q", "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    (wheel,) = (tmp_path / "dist").glob("seqgrade-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert not [n for n in names if n.startswith("solutions/")]
    assert not [n for n in names if n.endswith(".keras")]
    assert not [n for n in names if n.startswith("tests/")]
    for expected in ("checkers/__init__.py", "checkers/engine/grading.py",
                     "checkers/sandbox/worker.py", "checkers/exercises/reber/checks.py",
                     "checkers/exercises/qa/rubric.yaml",
                     "checkers/exercises/qa/judge.json",
                     "checkers/exercises/qa/crossencoder.safetensors",
                     "checkers/exercises/qa/probe.npz",
                     "checkers/exercises/reber/thresholds.toml",
                     "checkers/exercises/textgen/lm_v2/model.safetensors",
                     "checkers/batch/review_assets/page.html",
                     "checkers/batch/review_assets/review.js",
                     "exercises/reber.py", "exercises/qa.md"):
        assert expected in names, expected
