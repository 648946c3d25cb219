"""Broken submissions, each with the words its feedback must contain.

Every case builds a submission (a file or a folder) under a given folder and returns its
path. ``tests/test_malformed.py`` grades each against two checks of `reber` (one plain
function, one model-backed) and asserts that grading completes, that no grader error
appears, and that the feedback says what the student must fix. Cases are built rather
than stored when their bytes are the point (encodings, junk, trained model files).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
REFERENCE = (REPO / "solutions" / "reber.py").read_text(encoding="utf-8")
MODEL = REPO / "solutions" / "reber.keras"
GOOD_IDS = "def string_to_ids(s, chars='BEPSTVX'):\n    return [chars.index(c) for c in s]\n"


@dataclass(frozen=True)
class Case:
    """A malformed submission: how to build it and what its feedback must say."""

    name: str
    build: Callable[[Path], Path]
    # check id -> words that check's feedback must contain ("" = the check must pass)
    expect: dict[str, str]


def _file(name: str, content: str | bytes) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path
    return build


def _notebook(cells: object, extra: dict | None = None, raw: str | None = None
              ) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / "reber.ipynb"
        if raw is not None:
            path.write_text(raw, encoding="utf-8")
        else:
            path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                        "nbformat_minor": 5, **(extra or {})}))
        return path
    return build


def _code_cell(source: str, outputs: list | None = None) -> dict:
    return {"cell_type": "code", "source": source, "metadata": {}, "outputs": outputs or [],
            "execution_count": None}


def _folder(files: dict[str, str | bytes | Path | Callable[[Path], None]]
            ) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        root = folder / "submission"
        root.mkdir()
        for name, content in files.items():
            target = root / name
            if isinstance(content, Path):
                shutil.copy2(content, target)
            elif callable(content):
                content(target)
            elif isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        return root
    return build


def _lambda_model(target: Path) -> None:
    import keras

    model = keras.Sequential([keras.Input(shape=(4,)),
                              keras.layers.Lambda(lambda x: x * 2.0),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.save(target)


def _other_model(target: Path) -> None:
    import keras

    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
    model.save(target)


ACCURACY = "reber.accuracy"
IDS = "reber.string_to_ids"
PASSES = {IDS: "", ACCURACY: ""}

CASES: list[Case] = [
    Case("empty_file", _file("reber.py", ""), {IDS: "no function `string_to_ids`"}),
    Case("binary_junk", _file("reber.py", bytes(range(256)) * 40), {IDS: "not UTF-8"}),
    Case("latin1_encoding", _file("reber.py", ("# café\n" + GOOD_IDS).encode("latin-1")),
         {IDS: "not UTF-8"}),
    Case("null_bytes", _file("reber.py", GOOD_IDS + "\x00\n"), {IDS: "null bytes"}),
    Case("missing_colon", _file("reber.py", "def string_to_ids(s, chars='BEPSTVX')\n    pass\n"),
         {IDS: "syntax error", ACCURACY: "line 1"}),
    Case("indentation_error", _file("reber.py", "def string_to_ids(s):\nreturn []\n"),
         {IDS: "IndentationError"}),
    Case("tabs_and_spaces", _file("reber.py", "def f():\n\tif True:\n        pass\n\tpass\n"),
         {IDS: "TabError"}),
    Case("unterminated_string", _file("reber.py", "x = 'abc\n" + GOOD_IDS),
         {IDS: "unterminated string"}),
    Case("python2_print", _file("reber.py", "print 'hello'\n" + GOOD_IDS),
         {IDS: "syntax error"}),
    Case("missing_module", _file("reber.py", "import tensorflow_addons\n" + GOOD_IDS),
         {IDS: "No module named 'tensorflow_addons'"}),
    Case("raises_at_import", _file("reber.py", GOOD_IDS + "raise RuntimeError('oops')\n"
                                   "def predict(strings):\n    return [0.5] * len(strings)\n"),
         {IDS: "", ACCURACY: "RuntimeError: oops"}),
    Case("input_at_import", _file("reber.py", "name = input('your name? ')\n" + GOOD_IDS),
         {IDS: "EOFError"}),
    Case("recursion_at_import", _file("reber.py", "def f():\n    return f()\nf()\n"),
         {IDS: "RecursionError"}),
    Case("missing_data_file", _file("reber.py", "open('train.csv').read()\n" + GOOD_IDS),
         {IDS: "train.csv"}),
    Case("huge_source", _file("reber.py", GOOD_IDS + "#" * (6 << 20) + "\n"),
         {IDS: "larger than 5 MiB"}),
    Case("not_callable", _file("reber.py", "string_to_ids = [0, 1]\n"),
         {IDS: "no function `string_to_ids`"}),
    Case("wrong_signature", _file("reber.py", "def string_to_ids(s):\n    return []\n"),
         {IDS: "unexpected keyword argument 'chars'"}),
    Case("returns_none", _file("reber.py", "def string_to_ids(s, chars='BEPSTVX'):\n    pass\n"),
         {IDS: "returned None"}),
    Case("wrong_suffix", _file("reber.txt", GOOD_IDS), {IDS: "expected a .py file"}),
    Case("notebook_bad_json", _notebook(None, raw='{"cells": [ {"cell_type": "code",'),
         {IDS: "not valid JSON"}),
    Case("notebook_no_cells", _notebook(None, raw='{"metadata": {}}'),
         {IDS: "no list of cells"}),
    Case("notebook_nbformat3", _notebook(None, raw=json.dumps(
        {"worksheets": [{"cells": []}], "nbformat": 3})), {IDS: "no list of cells"}),
    Case("notebook_markdown_only", _notebook([{"cell_type": "markdown", "source": "# hi"}]),
         {IDS: "no function `string_to_ids`"}),
    Case("notebook_syntax_error", _notebook([_code_cell("def string_to_ids(s)\n  pass")]),
         {IDS: "syntax error"}),
    Case("notebook_with_error_outputs", _notebook([
        _code_cell(GOOD_IDS, outputs=[{"output_type": "error", "ename": "ValueError",
                                       "evalue": "x", "traceback": ["..."]}]),
        _code_cell("1 / 0\n", outputs=[{"output_type": "error", "ename": "ZeroDivisionError",
                                        "evalue": "division by zero", "traceback": []}]),
    ]), {IDS: "", ACCURACY: "ZeroDivisionError"}),
    Case("notebook_odd_cells", _notebook([42, {"cell_type": "code", "source": 7},
                                          _code_cell(GOOD_IDS)]), {IDS: ""}),
    Case("folder_without_code", _folder({"reber.keras": MODEL}), {IDS: "no .py file"}),
    Case("folder_two_code_files", _folder({"a.py": GOOD_IDS, "b.py": GOOD_IDS}),
         {IDS: "several code files"}),
    Case("missing_model_file", _folder({"reber.py": REFERENCE}),
         {IDS: "", ACCURACY: "reber.keras"}),
    Case("model_file_of_wrong_kind", _folder({"reber.py": REFERENCE,
                                              "reber.keras": "not a model\n"}),
         {IDS: "", ACCURACY: "reber.keras"}),
    Case("model_with_lambda_layer", _folder({"reber.py": REFERENCE,
                                             "reber.keras": _lambda_model}),
         {IDS: "", ACCURACY: "Lambda"}),
    Case("model_of_another_task", _folder({"reber.py": REFERENCE,
                                           "reber.keras": _other_model}),
         {IDS: "", ACCURACY: "raised"}),
    Case("crlf_line_endings", _folder({"reber.py": REFERENCE.replace("\n", "\r\n"),
                                       "reber.keras": MODEL}), PASSES),
    Case("utf8_bom", _folder({"reber.py": b"\xef\xbb\xbf" + REFERENCE.encode(),
                              "reber.keras": MODEL}), PASSES),
]
