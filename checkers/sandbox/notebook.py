"""A Jupyter notebook as the script the worker imports, read the way Jupyter runs it.

Cells go through IPython's own input transformation
(:class:`IPython.core.inputtransformer2.TransformerManager`), so what Jupyter would run is
what the grader runs:

- cell magics whose body is Python (``%%time``, ``%%capture``...) keep their body,
  ``%%writefile`` writes its file (in the worker's private folder); other cell magics
  (``%%bash``, ``%%html``...) are not run;
- line magics and shell escapes become ``get_ipython().run_line_magic(...)`` /
  ``.system(...)`` / ``.getoutput(...)`` calls, answered by a stub defined at the top of the
  script: ``%time``/``%timeit`` run their statement, the rest do nothing, ``!cmd`` returns
  an empty list;
- a cell tagged ``seqgrade-ignore`` (training, plots, the self-check) is skipped;
- ``checkers.check(...)`` left in the notebook does nothing during grading (the worker
  sets ``SEQGRADE_GRADING=1``, which the facade reads).

Every change is reported in the notes, by cell number.
"""

from __future__ import annotations

import ast
import json
import re
import warnings
from typing import Any

IGNORE_TAG = "seqgrade-ignore"
# A dict in the script: names defined only in skipped cells -> the cell that defines them.
SKIPPED_NAMES = "_SEQGRADE_SKIPPED_CELL_NAMES"
# Cell magics that run their body as Python in the notebook's namespace.
PYTHON_BODY_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug"})

_FUTURE = re.compile(r"^from\s+__future__\s+import\b")
_IPYTHON_CALL = re.compile(
    r"get_ipython\(\)\.(run_line_magic|system|getoutput)\((['\"])((?:\\.|(?!\2).)*)\2")

# Defined at the top of a converted notebook that calls get_ipython(): IPython's calls
# answered without IPython (magics do nothing, shell commands are not run).
IPYTHON_STUB = '''\
# --- seqgrade: IPython magics and shell commands do nothing during grading ---
class _SeqgradeIPython:
    """Answers the calls IPython's input transformation writes; runs nothing of the shell."""

    def run_line_magic(self, name, line, *_args, **_kwargs):
        import re
        import sys
        if name in ("time", "timeit"):
            code = line
            if name == "timeit":  # drop the options: -n 10 -r 3 ...
                code = re.sub(r"^\\s*(?:-[nrp]\\s*\\d+\\s*|-[qoc]\\s*)*", "", line)
            frame = sys._getframe(1)
            try:
                compiled = compile(code, "<magic>", "eval")
            except SyntaxError:
                exec(compile(code, "<magic>", "exec"), frame.f_globals, frame.f_locals)
                return None
            return eval(compiled, frame.f_globals, frame.f_locals)
        return None

    def run_cell_magic(self, name, line, cell, *_args, **_kwargs):
        if name == "writefile":  # %%writefile [-a] FILE: as Jupyter, relative to the cwd
            words = line.split()
            append = bool(words) and words[0] in ("-a", "--append")
            target = " ".join(words[1:] if append else words).strip(chr(39) + chr(34))  # quotes
            with open(target, "a" if append else "w", encoding="utf-8") as handle:
                handle.write(cell)
        return None

    def captured(self):
        from types import SimpleNamespace
        return SimpleNamespace(stdout="", stderr="", outputs=[], show=lambda: None)

    def system(self, *_args, **_kwargs):
        return 0

    def getoutput(self, *_args, **_kwargs):
        return []

    def __getattr__(self, _name):
        return lambda *args, **kwargs: None


def get_ipython():
    return _SeqgradeIPython()
'''

# Jupyter defines display() in every notebook; a script needs its own.
DISPLAY_STUB = '''\
def display(*_args, **_kwargs):
    """Jupyter's display(): nothing to show during grading."""
    return None
'''


def _read_cells(text: str) -> tuple[list[Any], list[str]]:
    """The cells of a notebook (validated with nbformat where it can), and reading notes."""
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(
            f"the notebook is not valid JSON ({error.msg} at line {error.lineno})"
        ) from None
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        raise ValueError("the notebook has no list of cells (is it a Jupyter .ipynb file? "
                         "a notebook from before 2015 must be opened and saved in Jupyter)")
    notes = []
    try:
        import nbformat

        with warnings.catch_warnings():  # cells without ids: fine for reading
            warnings.simplefilter("ignore")
            nbformat.validate(nbformat.from_dict(notebook))
    except Exception as error:  # noqa: BLE001 - any malformation: read what can be read
        first = str(error).strip().splitlines()[0][:160] if str(error).strip() else ""
        notes.append("the notebook does not follow the Jupyter format"
                     + (f" ({first})" if first else "") + "; its code cells were read anyway")
    return cells, notes


def _cell_source(cell: Any) -> str | None:
    """A code cell's source as text (None for other cells and unreadable sources)."""
    if not isinstance(cell, dict) or cell.get("cell_type") != "code":
        return None
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(s for s in source if isinstance(s, str))
    return source if isinstance(source, str) else None


def _ignored(cell: dict) -> bool:
    metadata = cell.get("metadata")
    tags = metadata.get("tags") if isinstance(metadata, dict) else None
    return isinstance(tags, list) and IGNORE_TAG in tags


def transform_cell(source: str, manager: Any) -> tuple[str | None, list[str]]:
    """One cell as Python, and what was changed (``%%time``, ``!ls``...).

    Returns None for a cell whose cell magic runs something other than Python.
    """
    lines = source.splitlines(keepends=True)
    while lines and not lines[0].strip():
        lines.pop(0)
    if lines and lines[0].startswith("%%"):
        name, _, _args = lines[0][2:].rstrip().partition(" ")
        if name == "writefile":  # Jupyter writes the file: so does the stub, in the cwd
            return manager.transform_cell("".join(lines)), [f"%%{name}"]
        if name not in PYTHON_BODY_MAGICS:
            return None, [f"%%{name}"]
        body, changes = transform_cell("".join(lines[1:]), manager)
        target = [a for a in _args.split() if not a.startswith("-")]
        if name == "capture" and target and target[0].isidentifier():
            # %%capture out: `out` holds what the cell printed (nothing, during grading).
            body = f"{target[0]} = get_ipython().captured()\n{body}"
        return body, [f"%%{name}", *changes]
    code = manager.transform_cell("".join(lines))
    changes = []
    for kind, _quote, argument in _IPYTHON_CALL.findall(code):
        if kind == "run_line_magic":
            changes.append(f"%{argument}")
        else:
            changes.append(f"!{argument.split()[0] if argument.split() else ''}")
    if "get_ipython()" in source:  # the cell called it itself: not a change of ours
        changes = []
    return code, changes


def _defined_names(source: str, manager: Any) -> list[str]:
    """The names a cell defines at its top level (assignments, functions, classes,
    imports), for the message of a NameError that only a skipped cell would have avoided."""
    code, _ = transform_cell(source, manager)
    try:
        tree = ast.parse(code or "")
    except SyntaxError:
        return []
    names = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.append(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names += [(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"]
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign | ast.For | ast.With):
            targets = (node.targets if isinstance(node, ast.Assign) else
                       [i.optional_vars for i in node.items if i.optional_vars]
                       if isinstance(node, ast.With) else [node.target])
            for target in targets:
                names += [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]
    return names


def notebook_to_script(text: str) -> tuple[str, list[str]]:
    """The code cells of a notebook as one script, as Jupyter would run them.

    Returns the script and notes for the report. Raises ValueError for a malformed notebook.
    """
    from IPython.core.inputtransformer2 import TransformerManager

    cells, notes = _read_cells(text)
    manager = TransformerManager()
    parts: list[str] = []
    magics: list[str] = []
    not_run: list[str] = []
    ignored: list[int] = []
    skipped_names: dict[str, int] = {}
    run_names: set[str] = set()
    for number, cell in enumerate(cells, start=1):
        source = _cell_source(cell)
        if source is None:
            continue
        if _ignored(cell):
            ignored.append(number)
            for name in _defined_names(source, manager):
                skipped_names.setdefault(name, number)
            continue
        run_names.update(_defined_names(source, manager))
        code, changes = transform_cell(source, manager)
        if code is None:
            not_run.append(f"{changes[0]} (cell {number})")
            continue
        if changes:
            magics.append(f"cell {number}: {', '.join(dict.fromkeys(changes))}")
        parts.append(f"# --- cell {number} ---\n{code.rstrip()}")
    # Jupyter compiles each cell on its own; one script needs __future__ imports first.
    future = sorted({line.strip() for part in parts for line in part.splitlines()
                     if _FUTURE.match(line)})
    if future:
        parts = ["\n".join(line for line in part.splitlines() if not _FUTURE.match(line))
                 for part in parts]
    header = list(future)
    if any("get_ipython()" in part for part in parts):
        header.append(IPYTHON_STUB)
    if any("display(" in part for part in parts):
        header.append(DISPLAY_STUB)
    skipped_only = {n: c for n, c in skipped_names.items() if n not in run_names}
    if skipped_only:
        header.append(f"{SKIPPED_NAMES} = {skipped_only!r}  # defined in skipped cells only")
    if header:
        parts.insert(0, "\n".join(header))
    if magics:
        notes.append("IPython magics and shell commands: the code of %%time, %%capture, "
                     "%time and %timeit ran, shell commands and other magics did nothing ("
                     + "; ".join(magics) + ")")
    if not_run:
        notes.append("cells with a non-Python cell magic were not run: " + ", ".join(not_run))
    if ignored:
        notes.append(f"cells tagged {IGNORE_TAG} were skipped (cells "
                     + ", ".join(map(str, ignored)) + ")")
    return "\n\n".join(parts) + "\n", notes


def skipped_only_names(text: str) -> dict[str, int]:
    """The names that only cells tagged ``seqgrade-ignore`` define, each with the first
    such cell: what a notebook's functions cannot use when graded (malformed: none)."""
    try:
        script, _ = notebook_to_script(text)
    except ValueError:
        return {}
    match = re.search(rf"^{SKIPPED_NAMES} = (\{{.*\}})  #", script, flags=re.MULTILINE)
    return ast.literal_eval(match.group(1)) if match else {}


def skipped_cell_hint(error: BaseException, skipped: Any) -> str:
    """For a NameError of a name only a skipped cell defines: which cell, and what to do."""
    name = getattr(error, "name", None) if isinstance(error, NameError) else None
    if not isinstance(skipped, dict) or name not in skipped:
        return ""
    return (f" (`{name}` is defined only in cell {skipped[name]}, which is tagged "
            f"{IGNORE_TAG} and so skipped when grading: define it in a cell that runs, "
            "or load it inside the function)")
