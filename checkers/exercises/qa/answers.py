"""Reading a student's ``qa`` answers from Markdown (``## qN``), YAML or JSON.

:func:`load_answers` returns ``{"q1": "...", ...}`` (questions without an answer are left
out) or raises :class:`AnswersFormatError` with a message written for the student.
Nothing in the file is executed; YAML is read with ``yaml.safe_load``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from checkers.engine.errors import WrongFileType
from checkers.exercises.qa.keypoints import QUESTION_IDS

MAX_FILE_BYTES = 2_000_000
ANSWER_FILE_NAMES = ("answers.md", "answers.yaml", "answers.yml", "answers.json")
_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]*(.*?)[ \t#]*$")
_QID = re.compile(r"^(?:q|question)[ \t]*(\d+)\b", re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


class AnswersFormatError(ValueError):
    """The answers file cannot be read; the message tells the student how to fix it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class WrongAnswersFile(AnswersFormatError, WrongFileType):
    """A file of a type that holds no answers (a notebook, a .py)."""


def _expected() -> str:
    return f"{QUESTION_IDS[0]} … {QUESTION_IDS[-1]}"


def normalize_key(key: object, where: str) -> str:
    """``"q3"``, ``"Q3"``, ``"question 3"`` or ``3`` → ``"q3"``; anything else is an error."""
    if isinstance(key, bool):
        raise AnswersFormatError(f"{where}: {key!r} is not a question id (use {_expected()})")
    if isinstance(key, int):
        text = f"q{key}"
    elif isinstance(key, str):
        match = _QID.match(key.strip())
        if not match:
            raise AnswersFormatError(
                f"{where}: {key!r} is not a question id; name each answer {_expected()}"
            )
        text = f"q{int(match.group(1))}"
    else:
        raise AnswersFormatError(f"{where}: {key!r} is not a question id (use {_expected()})")
    if text not in QUESTION_IDS:
        raise AnswersFormatError(
            f"{where}: there is no question {text}; the questions are {_expected()}"
        )
    return text


def clean_markdown_answer(text: str) -> str:
    """Drop what the template puts in an answer section: HTML comments and ``>`` quotes."""
    text = _COMMENT.sub(" ", text)
    lines = [line for line in text.splitlines() if not line.lstrip().startswith(">")]
    return "\n".join(lines).strip()


def parse_markdown(text: str) -> dict[str, str]:
    """Answers from Markdown: each ``## qN`` heading starts the answer to question N.

    Text before the first ``qN`` heading (a title, instructions) is ignored, as are the
    question quotes (``> ...``) and HTML comments the template contains. A heading that is
    not a question id ends the previous answer.
    """
    answers: dict[str, str] = {}
    current: str | None = None
    chunks: dict[str, list[str]] = {}
    in_fence = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        heading = None if in_fence else _HEADING.match(line)
        if heading and line.lstrip().startswith("#"):
            title = heading.group(1).strip()
            if _QID.match(title):
                qid = normalize_key(title, f"line {number} ({line.strip()!r})")
                if qid in chunks:
                    raise AnswersFormatError(
                        f"line {number}: question {qid} has a second '## {qid}' heading; "
                        "keep one answer per question"
                    )
                current = qid
                chunks[qid] = []
                continue
            current = None
            continue
        if current is not None:
            chunks[current].append(line)
    if not chunks:
        raise AnswersFormatError(
            "no answers found: start each answer with a heading line such as '## q1' "
            f"(one per question, {_expected()})"
        )
    for qid, lines in chunks.items():
        answer = clean_markdown_answer("\n".join(lines))
        if answer:
            answers[qid] = answer
    return answers


def from_mapping(data: Any, kind: str) -> dict[str, str]:
    """Answers from a parsed YAML/JSON document: a mapping ``qN`` → text."""
    if isinstance(data, dict) and set(data) == {"answers"} and isinstance(data["answers"], dict):
        data = data["answers"]
    if not isinstance(data, dict):
        raise AnswersFormatError(
            f"the {kind} file must hold a mapping from question ids ({_expected()}) to "
            f"answer texts, not a {type(data).__name__}"
        )
    answers: dict[str, str] = {}
    for key, value in data.items():
        qid = normalize_key(key, f"key {key!r}")
        if qid in answers:
            raise AnswersFormatError(f"question {qid} is answered twice (key {key!r})")
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise AnswersFormatError(
                f"the answer to {qid} must be text, not a {type(value).__name__}"
                + (" (in YAML, quote it or use a '|' block)" if kind == "YAML" else "")
            )
        text = str(value).strip()
        if text:
            answers[qid] = text
    return answers


def parse_yaml(text: str) -> dict[str, str]:
    """Answers from YAML text (``safe_load``; errors become :class:`AnswersFormatError`)."""
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise AnswersFormatError(
            f"the YAML file cannot be read{where}: {problem}. Tip: put each answer in a "
            "'|' block, e.g. 'q1: |' followed by indented lines"
        ) from None
    if data is None:
        raise AnswersFormatError("the YAML file is empty: write 'q1: your answer' lines")
    return from_mapping(data, "YAML")


def parse_json(text: str) -> dict[str, str]:
    """Answers from JSON text; errors become :class:`AnswersFormatError`."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise AnswersFormatError(
            f"the JSON file cannot be read at line {error.lineno}, column {error.colno}: "
            f"{error.msg}"
        ) from None
    return from_mapping(data, "JSON")


def _pick_file(folder: Path) -> Path:
    found = [folder / name for name in ANSWER_FILE_NAMES if (folder / name).is_file()]
    if not found:
        others = sorted(
            p for p in folder.iterdir() if p.suffix.lower() in {".md", ".yaml", ".yml", ".json"}
        )
        if len(others) == 1:
            return others[0]
        raise AnswersFormatError(
            f"no answers file in the folder {folder.name!r}: expected one of "
            f"{', '.join(ANSWER_FILE_NAMES)}"
        )
    if len(found) > 1:
        raise AnswersFormatError(
            "the folder holds several answers files "
            f"({', '.join(p.name for p in found)}); keep only one"
        )
    return found[0]


def load_answers(path: Path) -> dict[str, str]:
    """Read answers from ``path``: a ``.md``, ``.yaml``/``.yml`` or ``.json`` file, or a
    folder holding ``answers.md``/``.yaml``/``.yml``/``.json``.

    Returns ``{"qN": text}`` for every non-empty answer. Raises
    :class:`AnswersFormatError` with a student-readable message when the file is missing,
    unreadable, too big, not UTF-8, or not in one of the accepted formats.
    """
    path = Path(path)
    if path.is_dir():
        path = _pick_file(path)
    if not path.is_file():
        raise AnswersFormatError(f"the answers file {path.name!r} does not exist")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise AnswersFormatError(
            f"the answers file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,} bytes"
        )
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise AnswersFormatError(f"the answers file cannot be read: {error.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise AnswersFormatError(
            f"the answers file is not UTF-8 text (bad byte at position {error.start}); "
            "save it as UTF-8"
        ) from None
    suffix = path.suffix.lower()
    if suffix in {".md", ".markdown", ".txt"}:
        return parse_markdown(text)
    if suffix in {".yaml", ".yml"}:
        return parse_yaml(text)
    if suffix == ".json":
        return parse_json(text)
    hint = (" (the notebook only presents the questions: write the answers in the .md file "
            "beside it, and check that file)" if suffix == ".ipynb" else "")
    raise WrongAnswersFile(
        f"{path.name!r}: answers must be a .md (with '## q1' headings), .yaml or .json "
        f"file{hint}"
    )
