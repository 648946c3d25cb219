"""The worker's view keeps the Python installation wherever it lives, and an import that
works outside but not inside is the grader's fault, never the student's.

A virtual environment under ``/tmp`` (made with ``--system-site-packages``, seqgrade
installed in it as the README does, without dependencies) once graded the reference
``reber`` 40/100: the worker's private ``/tmp`` covered the environment, and a module
TensorFlow loads lazily failed to import. Here modules of that environment's own
``site-packages`` are imported lazily, inside calls; and one whose file lies outside every
view (a symlink into a folder no worker sees) shows what a broken view gives: exit 2 naming
the module, no deduction.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.helpers import REPO, SOLUTIONS, copy_artifacts, data_dir

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the worker's views are Linux's")

LAZY = '''

def lazy_import(name):
    import importlib
    return importlib.import_module(name).VALUE
'''


@pytest.fixture(scope="module")
def venv():
    """A virtual environment under /tmp holding seqgrade and two modules of its own."""
    folder = Path(tempfile.mkdtemp(prefix="seqgrade-venv-", dir="/tmp"))
    outside = Path(tempfile.mkdtemp(prefix="seqgrade-outside-", dir="/tmp"))
    try:
        subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(folder)],
                       check=True, capture_output=True)
        python = folder / "bin" / "python"
        done = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps",
                               "--no-build-isolation", "--disable-pip-version-check",
                               "-e", str(REPO)], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        site = Path(subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True, capture_output=True, text=True).stdout.strip())
        (site / "seqgrade_lazy_ok.py").write_text("VALUE = 'ok'\n")
        (outside / "seqgrade_lazy_broken.py").write_text("VALUE = 'outside'\n")
        (site / "seqgrade_lazy_broken.py").symlink_to(outside / "seqgrade_lazy_broken.py")
        yield python
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(outside, ignore_errors=True)


def _check(python: Path, folder: Path, exercise: str, *extra: str,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    command = [str(python), "-m", "checkers", "check", exercise, str(folder), "--format",
               "json", *extra]
    if data_dir():
        command += ["--data-dir", str(data_dir())]
    return subprocess.run(command, capture_output=True, text=True, timeout=900,
                          env={**os.environ, **(env or {})}, cwd=folder)


def _reference_with(tmp_path: Path, exercise: str, name: str, code: str = "") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    source = (SOLUTIONS / f"{exercise}.py").read_text(encoding="utf-8")
    (folder / f"{exercise}.py").write_text(source + code, encoding="utf-8")
    copy_artifacts(exercise, folder)
    return folder


@pytest.mark.parametrize("switched_off", ["", "SEQGRADE_NO_NAMESPACES"])
def test_a_module_of_a_venv_under_tmp_imports_inside_the_worker(venv: Path, tmp_path: Path,
                                                                switched_off: str) -> None:
    code = LAZY + '''
_original = vectorize


def vectorize(*args, **kwargs):
    assert lazy_import("seqgrade_lazy_ok") == "ok"
    return _original(*args, **kwargs)
'''
    folder = _reference_with(tmp_path, "shifted_targets", "lazy_ok", code)
    done = _check(venv, folder, "shifted_targets", "--checks", "shifted_targets.encoding",
                  env={switched_off: "1"} if switched_off else None)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["score"] == report["max_score"], report
    assert report["isolation"] == ("landlock" if switched_off else "namespaces")


def test_an_import_broken_by_the_view_is_the_graders_error(venv: Path,
                                                           tmp_path: Path) -> None:
    """The module's file lies in a folder no worker sees: it imports outside, not inside
    (in the allow-list view, where the missing file reads as a missing module)."""
    code = LAZY + '''
_original = vectorize


def vectorize(*args, **kwargs):
    lazy_import("seqgrade_lazy_broken")
    return _original(*args, **kwargs)
'''
    folder = _reference_with(tmp_path, "shifted_targets", "lazy_broken", code)
    done = _check(venv, folder, "shifted_targets", "--checks", "shifted_targets.encoding")
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr
    assert "seqgrade_lazy_broken" in done.stderr and "not the student's fault" in done.stderr
    assert done.stdout.strip() == "", "no report: nothing is deducted"


def test_a_student_faking_a_missing_installed_module_gains_nothing(venv: Path,
                                                                   tmp_path: Path) -> None:
    """A submission that raises ModuleNotFoundError for numpy itself: a clean worker
    imports numpy, so the error stays the submission's."""
    code = '''

def vectorize(*args, **kwargs):
    raise ModuleNotFoundError("No module named 'numpy'", name="numpy")
'''
    folder = _reference_with(tmp_path, "shifted_targets", "liar", code)
    done = _check(venv, folder, "shifted_targets", "--checks", "shifted_targets.encoding")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["score"] == 0 and "numpy" in report["checks"][0]["feedback"]


@pytest.mark.slow
def test_the_reference_reber_grades_full_marks_from_a_venv_under_tmp(venv: Path,
                                                                     tmp_path: Path) -> None:
    folder = _reference_with(tmp_path, "reber", "reber")
    done = _check(venv, folder, "reber")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["score"] == report["max_score"], report
