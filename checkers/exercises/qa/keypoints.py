"""The ten ``qa`` questions, loaded from ``rubric.yaml`` beside this module and validated.

The rubric is data (question text, reference answer, weighted key points), written by the
project in its own words. For each key point:

- ``summary`` is what the feedback names ("covered: ...; missing: ..."): it says what the
  point is about without giving the answer away;
- ``statements`` are several phrasings of the point (positive and negated forms where a
  student would naturally use either); a sentence of an answer covers the point when it is
  close enough to one of them (see :mod:`checkers.exercises.qa.scoring`);
- ``require`` are regular expressions that must **all** match the sentence (they name the
  concept the point is about, so that a sentence with the right tone but the wrong topic,
  or a copy of the question, cannot cover it).

The reference answer is a list of sentences, each tagged with the points it states; those
sentences also count as statements of their points.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from checkers.authoring import GraderSetupError

RUBRIC_FILE = Path(__file__).with_name("rubric.yaml")


@dataclass(frozen=True)
class KeyPoint:
    """One idea an answer should contain, with its weight (points sum to 10 per question)."""

    id: str
    weight: float
    summary: str
    statements: tuple[str, ...]
    require: tuple[str, ...] = ()


@dataclass(frozen=True)
class Question:
    """A question, its reference answer (sentences tagged with point ids) and key points."""

    id: str
    text: str
    reference: tuple[tuple[str, tuple[str, ...]], ...]
    points: tuple[KeyPoint, ...]
    # Word pairs whose exchange reverses a claim about this question (see qa_scoring).
    antonyms: tuple[tuple[str, str], ...] = ()

    @property
    def reference_answer(self) -> str:
        """The reference answer as one paragraph."""
        return " ".join(sentence for sentence, _ in self.reference)

    @property
    def total_weight(self) -> float:
        """Sum of the key points' weights."""
        return float(sum(p.weight for p in self.points))

    def statements_for(self, point: KeyPoint) -> tuple[str, ...]:
        """The point's statements plus the reference sentences tagged with it."""
        extra = tuple(s for s, ids in self.reference if point.id in ids)
        return point.statements + extra


class RubricError(GraderSetupError):
    """The rubric file is malformed; the message says where."""


def _strings(value: Any, where: str, *, allow_empty: bool = True) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(s, str) and s.strip() for s in value):
        raise RubricError(f"{where} must be a list of non-empty strings")
    if not value and not allow_empty:
        raise RubricError(f"{where} must not be empty")
    return tuple(value)


def _key_point(raw: Any, where: str) -> KeyPoint:
    if not isinstance(raw, dict) or set(raw) - {"id", "weight", "summary", "statements",
                                                 "require"}:
        raise RubricError(f"{where}: a key point has id, weight, summary, statements, require")
    weight = raw.get("weight")
    if isinstance(weight, bool) or not isinstance(weight, int | float) or weight <= 0:
        raise RubricError(f"{where}: weight must be a positive number")
    if not isinstance(raw.get("id"), str) or not isinstance(raw.get("summary"), str):
        raise RubricError(f"{where}: id and summary must be strings")
    require = _strings(raw.get("require", []), f"{where}.require")
    for pattern in require:
        try:
            re.compile(pattern)
        except re.error as error:
            raise RubricError(f"{where}.require: {pattern!r} is not a regex: {error}") from None
    return KeyPoint(raw["id"], float(weight), raw["summary"],
                    _strings(raw.get("statements"), f"{where}.statements", allow_empty=False),
                    require)


def _question(raw: Any, index: int) -> Question:
    where = f"{RUBRIC_FILE.name}: questions[{index}]"
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
        raise RubricError(f"{where} must be a table with an id")
    where = f"{RUBRIC_FILE.name}: {raw['id']}"
    points = tuple(_key_point(p, f"{where}.points[{i}]")
                   for i, p in enumerate(raw.get("points") or []))
    ids = {p.id for p in points}
    if not points or len(ids) != len(points):
        raise RubricError(f"{where}: key points missing or with duplicate ids")
    if abs(sum(p.weight for p in points) - 10) > 1e-9:
        raise RubricError(f"{where}: key point weights must sum to 10")
    reference = []
    for i, item in enumerate(raw.get("reference") or []):
        tags = _strings(item.get("points") if isinstance(item, dict) else None,
                        f"{where}.reference[{i}].points")
        if not isinstance(item.get("sentence"), str) or set(tags) - ids:
            raise RubricError(f"{where}.reference[{i}]: a sentence tagged with known point ids")
        reference.append((item["sentence"], tags))
    antonyms = []
    for pair in raw.get("antonyms") or []:
        if not isinstance(pair, list) or len(pair) != 2:
            raise RubricError(f"{where}.antonyms: each entry is a pair of words")
        antonyms.append(tuple(_strings(pair, f"{where}.antonyms")))
    if not isinstance(raw.get("text"), str) or not reference:
        raise RubricError(f"{where}: text and reference are required")
    return Question(raw["id"], raw["text"], tuple(reference), points, tuple(antonyms))


def load_rubric(path: Path = RUBRIC_FILE) -> tuple[Question, ...]:
    """Read and validate a rubric file (:class:`RubricError` when it is malformed)."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise RubricError(f"cannot read the rubric {path}: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        raise RubricError(f"{path}: expected a top-level `questions:` list")
    questions = tuple(_question(raw, i) for i, raw in enumerate(data["questions"]))
    if len({q.id for q in questions}) != len(questions):
        raise RubricError(f"{path}: duplicate question ids")
    return questions


QUESTIONS: tuple[Question, ...] = load_rubric()
QUESTION_BY_ID: dict[str, Question] = {q.id: q for q in QUESTIONS}
QUESTION_IDS: tuple[str, ...] = tuple(q.id for q in QUESTIONS)
