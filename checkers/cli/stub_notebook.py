"""``seqgrade new EXERCISE --notebook``: an exercise's stub as a Jupyter notebook.

Generated from the ``.py`` stub, so both always show the same API: the stub's docstring as
teaching markdown, its imports and constants, one code cell per function to implement, a
training cell and a self-check cell (both tagged ``seqgrade-ignore``: the grader skips
them). A text exercise (``grades="text"``) gets a notebook that explains where the answers go and
self-checks the answers file.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from checkers.engine.model import Exercise

IGNORE_TAG = "seqgrade-ignore"


def _markdown(text: str) -> str:
    """A docstring as Markdown: ``code`` (reStructuredText) becomes `code`."""
    return re.sub(r"``(.+?)``", r"`\1`", text.strip())


def _segments(source: str) -> tuple[str | None, list[tuple[str, str]]]:
    """The module docstring and the code as (kind, text) runs: "code" or "function"."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    body = list(tree.body)
    docstring = ast.get_docstring(tree)
    if docstring is not None:
        body = body[1:]
    segments: list[tuple[str, str]] = []
    # Each statement with the comments above it (from the end of the one before).
    previous_end = tree.body[0].end_lineno if docstring is not None else 0
    for node in body:
        text = "".join(lines[previous_end:node.end_lineno]).strip("\n") + "\n"
        previous_end = node.end_lineno or previous_end
        kind = "function" if isinstance(node, ast.FunctionDef | ast.ClassDef) else "code"
        if kind == "code" and segments and segments[-1][0] == "code":
            segments[-1] = ("code", segments[-1][1] + "\n" + text)
        else:
            segments.append((kind, text))
    return docstring, segments


def _code(source: str, *, ignore: bool = False) -> nbformat.NotebookNode:
    cell = new_code_cell(source.strip() + "\n")
    if ignore:
        cell.metadata["tags"] = [IGNORE_TAG]
    return cell


def _how_to(exercise: Exercise) -> str:
    first = exercise.checks[0].id if exercise.checks else f"{exercise.name}.…"
    return (
        "## How to work in this notebook\n\n"
        "Implement the functions below, run their cells, then run the self-check at the "
        "end: `checkers.check(...)` runs the same checks as the grader, here in the "
        f"notebook (not an official grade). Run only some checks with "
        f"`checkers.check(\"{exercise.name}\", globals(), checks=[\"{first}\"])`, and ask "
        f"for a hint that addresses how a check failed with `checkers.hint(\"{first}\")`.\n\n"
        "Grading runs this notebook as Jupyter would, top to bottom, except the cells "
        f"tagged `{IGNORE_TAG}` (training, the self-check): keep training out of the "
        "function cells. Submit it with `seqgrade check "
        f"{exercise.name} {exercise.name}.ipynb`.")


def _training_cells(exercise: Exercise) -> list[nbformat.NotebookNode]:
    if not exercise.artifacts:
        return []
    saves = "\n".join(f"# model.save(checkers.model_path({name!r}))"
                      for name in exercise.artifacts)
    names = ", ".join(f"`{name}`" for name in exercise.artifacts)
    return [
        new_markdown_cell(
            "## Train and save your model\n\n"
            f"Train here, then save {names} beside this notebook: "
            "`checkers.model_path(name)` gives that place (in a script it is the folder of "
            "the file, in Jupyter the notebook's folder). The grader never trains: it loads "
            f"what you saved. This cell is tagged `{IGNORE_TAG}`, so grading skips it."),
        _code("import checkers\n\n# Your training code here, for example:\n" + saves,
              ignore=True),
    ]


def _check_cells(exercise: Exercise, target: str) -> list[nbformat.NotebookNode]:
    return [
        new_markdown_cell(
            "## Check your work\n\n"
            "The table shows each check, its points and what went wrong; "
            "`checkers.hint(\"<check id>\")` then gives a hint for one check. Until you "
            "implement the functions, every check says *not implemented*."),
        _code(f"import checkers\n\ncheckers.check({exercise.name!r}, {target})", ignore=True),
    ]


def code_notebook(exercise: Exercise) -> nbformat.NotebookNode:
    """The stub notebook of an exercise graded from code."""
    docstring, segments = _segments(exercise.stub_path.read_text(encoding="utf-8"))
    text = _markdown(docstring or "")
    first, _, rest = text.partition("\n")
    heading = (f"# {first}\n{rest}" if first.startswith("Exercise")
               else f"# Exercise `{exercise.name}`: {exercise.title}\n\n{text}")
    cells = [new_markdown_cell(heading),
             new_markdown_cell(_how_to(exercise))]
    for kind, text in segments:
        if kind == "function":
            name = re.search(r"(?:def|class)\s+(\w+)", text)
            if name and not name.group(1).startswith("_"):
                cells.append(new_markdown_cell(f"### `{name.group(1)}`"))
        cells.append(_code(text))
    cells += _training_cells(exercise)
    cells += _check_cells(exercise, "globals()")
    return new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}})


def text_notebook(exercise: Exercise, answers_name: str) -> nbformat.NotebookNode:
    """The notebook of an exercise graded from a text file (the answers stay in that file)."""
    intro = exercise.stub_path.read_text(encoding="utf-8").split("\n## ", 1)[0]
    cells = [
        new_markdown_cell(f"# Exercise `{exercise.name}`: {exercise.title}\n\n"
                          + intro.split("\n", 1)[-1].strip()),
        new_markdown_cell(
            f"## Where the answers go\n\nWrite your answers in `{answers_name}` (beside this "
            "notebook), under its `## ` headings: that file is what you submit "
            f"(`seqgrade check {exercise.name} {answers_name}`). The cell below self-checks "
            f"it; `checkers.hint(\"{exercise.checks[0].id}\")` gives a hint for one "
            "question."),
    ]
    cells += _check_cells(exercise, repr(answers_name))
    return new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}})


def write_stub_notebook(exercise: Exercise, target: Path) -> list[Path]:
    """Write the notebook to ``target`` (and, for a text exercise, its answers file)."""
    written = []
    if exercise.grades == "text":
        answers = target.with_name(exercise.stub_path.name)
        if not answers.exists():
            answers.write_bytes(exercise.stub_path.read_bytes())
            written.append(answers)
        notebook = text_notebook(exercise, answers.name)
    else:
        notebook = code_notebook(exercise)
    nbformat.validate(notebook)
    target.write_text(nbformat.writes(notebook), encoding="utf-8")
    return [target, *written]
