"""The notebook self-check agrees with grading about cells tagged ``seqgrade-ignore``.

A function that needs a name defined only in a skipped cell (a model loaded in a training
cell) works in the live kernel but not when graded. Run in a real Jupyter kernel, the
self-check leaves those names out as grading does: both give the same score, and both
messages name the skipped cell.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tests.helpers import SOLUTIONS

CHECK = "shifted_targets.encoding"
SELF_CHECK = f'''import checkers
result = checkers.check("shifted_targets", globals(), checks=["{CHECK}"], show=False)
print("SELF", result.report.score, result.report.checks[0].feedback)
'''


def _notebook(folder: Path) -> Path:
    reference = (SOLUTIONS / "shifted_targets.py").read_text(encoding="utf-8")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(reference),
        nbformat.v4.new_code_cell("width = 3  # as if loaded by a training cell",
                                  metadata={"tags": ["seqgrade-ignore"]}),
        nbformat.v4.new_code_cell("_reference_vectorize = vectorize\n\n"
                                  "def vectorize(*args, **kwargs):\n"
                                  "    assert width == 3\n"
                                  "    return _reference_vectorize(*args, **kwargs)\n"),
        nbformat.v4.new_code_cell(SELF_CHECK, metadata={"tags": ["seqgrade-ignore"]}),
    ]
    path = folder / "shifted_targets.ipynb"
    nbformat.write(notebook, path)
    return path


def _run_in_kernel(path: Path, monkeypatch) -> str:
    from nbclient import NotebookClient

    monkeypatch.setenv("JPY_SESSION_NAME", str(path))  # what Jupyter tells its kernels
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return "".join(output.get("text", "") for output in notebook.cells[-1].outputs)


@pytest.mark.skipif(sys.platform == "win32", reason="a Jupyter kernel and the sandbox")
def test_a_name_from_a_skipped_cell_fails_alike_in_the_self_check_and_grading(
        tmp_path: Path, monkeypatch) -> None:
    path = _notebook(tmp_path)
    printed = _run_in_kernel(path, monkeypatch)
    assert printed.startswith("SELF "), printed
    self_score = float(printed.split()[1])
    done = subprocess.run([sys.executable, "-m", "checkers", "check", "shifted_targets",
                           str(path), "--checks", CHECK, "--format", "json"],
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "JPY_SESSION_NAME": ""})
    report = json.loads(done.stdout)
    assert self_score == report["score"] == 0.0
    hint = "`width` is defined only in cell 2, which is tagged seqgrade-ignore"
    assert hint in printed and hint in report["checks"][0]["feedback"], (printed, report)


def test_without_a_known_notebook_the_self_check_uses_the_live_namespace() -> None:
    """A script's or a plain namespace's self-check is unchanged: nothing to leave out."""
    import checkers

    namespace: dict = {}
    exec((SOLUTIONS / "shifted_targets.py").read_text(encoding="utf-8"), namespace)
    result = checkers.check("shifted_targets", namespace, checks=[CHECK], show=False)
    assert result.report.score == result.report.max_score
