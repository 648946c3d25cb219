"""Hints for the self-check, as data: ``hints.yaml`` beside an exercise's checks.

learntools-style: ``checkers.hint("X.dataset")`` gives the check's general hint plus
the one for the way the check last failed in this session (its *failure kind*). The file
maps check ids to hints::

    X.dataset:
      hint: Build the valid half and the corrupted half separately, then shuffle.
      failed: Count the labels: exactly size // 2 must be 1.0.

Keys under a check id: ``hint`` (always shown) and any failure kind of :data:`KINDS`.
A kind without a text of its own falls back to :data:`GENERIC` (e.g. ``not_implemented``).
Hints guide; they never hold reference code (a test compares them with the references).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from checkers.engine.errors import ConfigError
from checkers.engine.model import Exercise

HINTS_FILE = "hints.yaml"
MAX_HINT_CHARS = 1200

# How a check can fail, as the self-check classifies it (see checkers.engine.selfcheck).
KINDS = ("not_implemented", "missing", "raised", "wrong_type", "timeout", "failed", "error",
         "blocked")

GENERIC: dict[str, str] = {
    "not_implemented": "The function still raises NotImplementedError: replace "
                       "`raise NotImplementedError` with your code, run the cell (or save "
                       "the file), then check again.",
    "missing": "The grader did not find the function. Define it at the top level (not "
               "inside another function or an `if`), with the exact name of the stub, and "
               "run its cell before checking.",
    "raised": "Your function raised an exception: the feedback names it and the line "
              "where it happened. Call the function yourself with the input shown to "
              "reproduce it.",
    "wrong_type": "The function returned a value of the wrong type or shape: compare what "
                  "it returns with the docstring of the stub (types, shapes, dtypes).",
    "timeout": "The call ran past its time limit: look for a loop that never ends, or "
               "work done again on every call that could be done once (load a model once "
               "and keep it in a global).",
    "failed": "Read the feedback: it shows what your function returned and what was "
              "expected; try the smallest failing input it gives by hand.",
    "error": "The check could not run to the end: read the feedback, fix what it names, "
             "and check again.",
    "blocked": "This check could not see your function work because another function it "
               "needs fails first: fix the check its feedback names, then check again.",
}


@dataclass(frozen=True)
class Hint:
    """The hint for one check: its general advice and the advice for one failure kind."""

    check_id: str
    title: str
    general: str
    kind: str | None
    specific: str | None


def _hints_path(exercise: Exercise) -> Path | None:
    """``hints.yaml`` in the folder of the module that defines the exercise's checks."""
    if not exercise.checks:
        return None
    try:
        folder = Path(inspect.getfile(exercise.checks[0].run)).parent
    except (TypeError, OSError):
        return None
    path = folder / HINTS_FILE
    return path if path.is_file() else None


def validate_hints(data: object, exercise: Exercise, source: str, *,
                   strict: bool = True) -> dict[str, dict[str, str]]:
    """Check the structure of a hints file; ConfigError with the place of the problem.

    Not ``strict`` (a student's self-check), hints for checks the exercise does not have
    (renamed or not yet released) are left out instead of refused; the tests are strict.
    """
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping from check ids to hints")
    ids = {c.id for c in exercise.checks}
    hints: dict[str, dict[str, str]] = {}
    for check_id, entry in data.items():
        if check_id not in ids:
            if not strict:
                continue
            raise ConfigError(f"{source}: {check_id!r} is not a check of {exercise.name}")
        if not isinstance(entry, dict):
            raise ConfigError(f"{source}: {check_id}: expected a mapping (hint, failed, ...)")
        for key, text in entry.items():
            if key != "hint" and key not in KINDS:
                raise ConfigError(f"{source}: {check_id}: unknown key {key!r}; use hint or "
                                  f"one of {', '.join(KINDS)}")
            if not isinstance(text, str) or not text.strip():
                raise ConfigError(f"{source}: {check_id}.{key}: expected a non-empty text")
            if len(text) > MAX_HINT_CHARS:
                raise ConfigError(f"{source}: {check_id}.{key}: longer than "
                                  f"{MAX_HINT_CHARS} characters")
        if "hint" not in entry:
            raise ConfigError(f"{source}: {check_id}: a general `hint` is required")
        hints[str(check_id)] = {str(k): " ".join(str(v).split()) for k, v in entry.items()}
    return hints


@cache
def load_hints(exercise: Exercise) -> dict[str, dict[str, str]]:
    """The validated hints of ``exercise`` (empty when it ships none)."""
    import yaml

    path = _hints_path(exercise)
    if path is None:
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML ({error})") from None
    return validate_hints(data, exercise, str(path), strict=False)


def read_hints_file(exercise: Exercise) -> object:
    """The raw content of an exercise's hints file (None when there is none)."""
    import yaml

    path = _hints_path(exercise)
    return None if path is None else yaml.safe_load(path.read_text(encoding="utf-8"))


def hint_for(exercise: Exercise, check_id: str, kind: str | None) -> Hint:
    """The hint for ``check_id``, addressing failure ``kind`` (None: not checked yet)."""
    check = exercise.check_by_id(check_id)
    entry = load_hints(exercise).get(check_id, {})
    general = entry.get("hint", "No hint is written for this check yet: read its feedback.")
    specific = None
    if kind is not None and kind != "passed":
        specific = entry.get(kind) or GENERIC.get(kind)
    return Hint(check_id=check_id, title=check.name, general=general, kind=kind,
                specific=specific)
