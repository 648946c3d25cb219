"""Notebooks are graded as Jupyter runs them: magics, shell escapes, ignored cells, self-checks."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import nbformat
import pytest

from checkers.engine.registry import exercise_names, get_exercise
from checkers.sandbox.notebook import notebook_to_script
from tests.helpers import SOLUTIONS, grade_path

CHEAP = ["reber.string_to_ids", "reber.dataset", "reber.corrupted"]


def _cell(source: str, tags: list[str] | None = None) -> dict:
    metadata = {"tags": tags} if tags else {}
    return {"cell_type": "code", "metadata": metadata, "execution_count": None,
            "outputs": [], "source": source}


def _notebook(*cells: dict) -> str:
    return json.dumps({"cells": [{"cell_type": "markdown", "metadata": {}, "source": "# hi"},
                                 *cells],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def _run(script: str) -> dict:
    namespace: dict = {"__name__": "submission"}
    exec(compile(script, "notebook.py", "exec"), namespace)
    return namespace


def test_cell_magics_keep_their_python_body() -> None:
    script, notes = notebook_to_script(_notebook(
        _cell("%%time\ndef f():\n    return 1\n"),
        _cell("%%capture captured\ng = f() + 1\n"),
        _cell("\n%%timeit -n 3\nh = 3\n"),
    ))
    namespace = _run(script)
    assert (namespace["f"](), namespace["g"], namespace["h"]) == (1, 2, 3)
    assert namespace["captured"].stdout == ""  # %%capture's variable exists, empty
    assert "%%time" in notes[0] and "cell 2" in notes[0]


def test_line_magics_and_shell_escapes_become_what_ipython_runs() -> None:
    script, notes = notebook_to_script(_notebook(
        _cell("%matplotlib inline\n%load_ext autoreload\n%autoreload 2\nx = 1\n"),
        _cell("files = !ls\n!pip install foo\ny = x + 1\n"),
        _cell("t = %time y * 10\n%timeit -n 2 -r 1 z = t + 1\nx?\n"),
        _cell("display(x)\n"),
    ))
    namespace = _run(script)
    assert namespace["files"] == [] and namespace["y"] == 2
    assert namespace["t"] == 20 and namespace["z"] == 21
    assert "get_ipython().getoutput('ls')" in script  # IPython's own transformation
    assert "!pip" in notes[0] and "%matplotlib" in notes[0]


def test_other_cell_magics_and_ignored_cells_are_skipped_with_a_note(tmp_path,
                                                                     monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    script, notes = notebook_to_script(_notebook(
        _cell("%%bash\nrm -rf /\n"),
        _cell("raise SystemExit('training')\n", tags=["seqgrade-ignore"]),
        _cell("%%html\n<b>hi</b>\n"),
        _cell("%%writefile helper.py\nX = 1\n"),
        _cell("ok = (open('helper.py').read() == 'X = 1\\n')\n"),
    ))
    assert _run(script)["ok"] is True  # %%writefile wrote its file, as in Jupyter
    assert "rm -rf" not in script and "training" not in script
    assert any("%%bash (cell 2)" in n and "%%html (cell 4)" in n for n in notes)
    assert any("seqgrade-ignore" in n and "3" in n for n in notes)


def test_future_imports_move_first_and_syntax_errors_stay() -> None:
    script, _ = notebook_to_script(_notebook(
        _cell("!ls\n"), _cell("from __future__ import annotations\nx: undefined_name = 1\n")))
    assert script.startswith("from __future__ import annotations")
    assert _run(script)["x"] == 1
    broken, _ = notebook_to_script(_notebook(_cell("def f(:\n    pass\n")))
    with pytest.raises(SyntaxError):
        compile(broken, "nb", "exec")


def test_a_notebook_off_the_jupyter_schema_is_read_with_a_note() -> None:
    text = json.dumps({"cells": [42, {"cell_type": "code", "source": 7}, _cell("a = 1")],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    script, notes = notebook_to_script(text)
    assert _run(script)["a"] == 1
    assert any("Jupyter format" in n for n in notes)
    clean = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("b = 2")])
    script, notes = notebook_to_script(nbformat.writes(clean))
    assert _run(script)["b"] == 2 and notes == []


def test_notebook_is_graded_like_the_same_code_in_a_py_file(tmp_path) -> None:
    reference = (SOLUTIONS / "reber.py").read_text(encoding="utf-8")
    as_file = tmp_path / "file"
    as_file.mkdir()
    (as_file / "reber.py").write_text(reference, encoding="utf-8")
    head, _, tail = reference.partition("\ndef string_to_ids")
    as_notebook = tmp_path / "notebook"
    as_notebook.mkdir()
    (as_notebook / "reber.ipynb").write_text(_notebook(
        _cell("%matplotlib inline\nfiles = !ls\n"),
        _cell("%%time\n" + head),
        _cell("%%capture\ndef string_to_ids" + tail),
        _cell("model.fit(x, y, epochs=100)\n", tags=["seqgrade-ignore"]),
        _cell("import checkers\nchecker_result = checkers.check('reber', globals())\n"
              "assert checker_result is None, 'the self-check ran during grading'\n"),
        _cell("%%bash\necho hi\n"),
    ), encoding="utf-8")
    by_file = grade_path("reber", as_file / "reber.py", checks=CHEAP)
    by_notebook = grade_path("reber", as_notebook / "reber.ipynb", checks=CHEAP)
    assert by_file.score == by_notebook.score == by_notebook.max_score, by_notebook.to_json()
    assert [c.feedback for c in by_file.checks] == [c.feedback for c in by_notebook.checks]
    assert not any("stopped early" in n for n in by_notebook.notes), by_notebook.notes
    assert any("magics" in n for n in by_notebook.notes)


def test_a_left_in_self_check_is_a_no_op_in_the_worker(tmp_path) -> None:
    """The self-check call returns None at once during grading; it never grades again."""
    stub = (SOLUTIONS / "reber.py").read_text(encoding="utf-8")
    (tmp_path / "reber.ipynb").write_text(_notebook(
        _cell(stub),
        _cell("import checkers\nSELF_CHECK = checkers.check('reber', globals())\n"
              "HINT = checkers.hint('reber.dataset')\n"
              "MODEL = str(checkers.model_path('reber.keras'))\n"
              "def string_to_ids(s, chars=POSSIBLE_CHARS):\n"
              "    assert SELF_CHECK is None and HINT is None and MODEL.endswith('reber.keras')\n"
              "    return [chars.index(c) for c in s]\n"),
    ), encoding="utf-8")
    shutil.copy2(SOLUTIONS / "reber.keras", tmp_path / "reber.keras")
    report = grade_path("reber", tmp_path, checks=["reber.string_to_ids"])
    assert report.score == report.max_score, report.to_json()


@pytest.mark.parametrize("name", exercise_names())
def test_the_stub_notebook_runs_top_to_bottom_in_a_jupyter_kernel(name, tmp_path) -> None:
    """`seqgrade new --notebook`: a valid notebook whose every cell runs, self-check included."""
    from nbclient import NotebookClient

    made = subprocess.run([sys.executable, "-m", "checkers", "new", name, str(tmp_path),
                           "--notebook"], capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    notebook = nbformat.read(tmp_path / f"{name}.ipynb", as_version=4)
    nbformat.validate(notebook)
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    check_cell = notebook.cells[-1]
    assert f"checkers.check({name!r}" in check_cell.source
    # shown once, as HTML with a plain-text fallback (no repr of a dataclass)
    assert [o.output_type for o in check_cell.outputs] == ["display_data"]
    data = check_cell.outputs[0].data
    assert "<table>" in data["text/html"] and "self-check" in data["text/plain"]
    text_exercise = get_exercise(name).grades == "text"
    expected = "No answer was given" if text_exercise else "is not implemented yet"
    assert expected in data["text/plain"]


def test_the_stub_notebook_is_graded_like_the_stub_file(tmp_path) -> None:
    from checkers.cli.stub_notebook import write_stub_notebook

    write_stub_notebook(get_exercise("reber"), tmp_path / "reber.ipynb")
    report = grade_path("reber", tmp_path / "reber.ipynb", checks=CHEAP)
    shutil.copy2(get_exercise("reber").stub_path, tmp_path / "stub.py")
    expected = grade_path("reber", tmp_path / "stub.py", checks=CHEAP)
    assert [(c.score, c.feedback) for c in report.checks] == \
        [(c.score, c.feedback) for c in expected.checks]
    assert any("not implemented" in c.feedback for c in report.checks), report.to_json()
    assert any("seqgrade-ignore" in n for n in report.notes)
