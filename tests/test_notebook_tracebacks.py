"""A traceback through a notebook names the student's own text: the notebook, the cell (its
number and first line) and the line inside the cell, never the script the grader made."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat

from tests.helpers import SOLUTIONS

CHECK = "shifted_targets.encoding"


def _notebook(path: Path, cells: list) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = cells
    nbformat.write(notebook, path)
    return path


def _check(path: Path) -> dict:
    done = subprocess.run([sys.executable, "-m", "checkers", "check", "shifted_targets",
                           str(path), "--checks", CHECK, "--format", "json"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_an_error_in_a_call_names_the_cell_and_the_line_in_it(tmp_path: Path) -> None:
    reference = (SOLUTIONS / "shifted_targets.py").read_text(encoding="utf-8")
    path = _notebook(tmp_path / "shifted_targets.ipynb", [
        nbformat.v4.new_markdown_cell("# Shifted targets"),
        nbformat.v4.new_code_cell(reference),
        nbformat.v4.new_code_cell("model = load_my_model()",
                                  metadata={"tags": ["seqgrade-ignore"]}),
        nbformat.v4.new_code_cell("def vectorize(*args, **kwargs):\n"
                                  "    width = 3\n"
                                  "    return model.predict(width)\n"),
    ])
    report = _check(path)
    feedback = report["checks"][0]["feedback"]
    assert 'shifted_targets.ipynb, cell 4 ("def vectorize(*args, **kwargs):"), line 3' \
        in feedback, feedback
    assert "_notebook.py" not in json.dumps(report)
    assert "NameError" in feedback
    assert "`model` is defined only in cell 3, which is tagged seqgrade-ignore" in feedback


def test_a_syntax_error_names_the_cell(tmp_path: Path) -> None:
    path = _notebook(tmp_path / "shifted_targets.ipynb", [
        nbformat.v4.new_code_cell("import numpy as np"),
        nbformat.v4.new_code_cell("x = 1\ndef vectorize(:\n    pass\n"),
    ])
    report = _check(path)
    feedback = report["checks"][0]["feedback"]
    assert "syntax error" in feedback and 'cell 2 ("x = 1"), line 2' in feedback, feedback
    assert "_notebook.py" not in json.dumps(report)
