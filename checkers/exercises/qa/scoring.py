"""Grading one ``qa`` answer: the judge's reading (:mod:`.judge`), the score and confidence
that follow, and feedback per key point.

Score = 10 × weight of the covered points / total weight. Each key point ends *covered*,
*missing* or *contradicted*; the feedback names them and quotes the sentence of the answer
that decided a covered or contradicted point. Every grade carries a confidence (the
probability that its band is right, from the judge's per-point probabilities), and the
head's review model (:meth:`judge.Head.needs_review`) flags it ``needs_review`` for the
instructor (``seqgrade review``) when the band is likely wrong.

English units are eligible only when they read like a statement, not keyword salad (enough
function words), and are not the question copied back (enough words of their own, not
nearly identical to the question in embedding space); the settings live in
``thresholds.toml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import get_type_hints

import numpy as np

from checkers.authoring.thresholds import load_thresholds
from checkers.exercises.qa import crossencoder, judge
from checkers.exercises.qa import text as qa_text
from checkers.exercises.qa.embed import Embedder, get_embedder
from checkers.exercises.qa.keypoints import QUESTION_BY_ID, KeyPoint, Question
from checkers.exercises.qa.languages import LANGUAGE_NAMES

PARAMS_FILE = Path(__file__).with_name("thresholds.toml")
POINTS_PER_QUESTION = 10.0
QUOTE_CHARS = 140
COLLECT_ROUNDS = 4  # batched reading rounds before grading (what is left is read on demand)


@dataclass(frozen=True)
class Params:
    """Eligibility settings of English units (``thresholds.toml``)."""

    salad_min_ratio: float
    salad_min_tokens: int
    question_sim_max: float
    min_novel_words: int
    novel_ratio: float


def load_params(path: Path | None = None) -> Params:
    """The settings in ``path`` (default: ``thresholds.toml`` beside this module), loaded
    strictly: a missing or unknown key is an error (:func:`load_thresholds`)."""
    return Params(**load_thresholds(path or PARAMS_FILE, get_type_hints(Params)))


@dataclass(frozen=True)
class PointResult:
    """How one key point fared."""

    point: KeyPoint
    similarity: float  # the judge's support (best agreeing similarity)
    covered: bool
    evidence: str | None  # the sentence that decided it (covered or contradicted)
    probability: float = 0.0  # that a teacher credits the point
    verdict: str = "missing"  # covered, missing or contradicted


@dataclass(frozen=True)
class AnswerResult:
    """The grade of one answer: score out of 10, per-point results, confidence, notes."""

    question_id: str
    score: float
    points: tuple[PointResult, ...]
    notes: tuple[str, ...] = ()
    confidence: float = 1.0
    needs_review: bool = False
    language: str = "en"

    @property
    def fraction(self) -> float:
        """Score as a fraction of the question's points."""
        return self.score / POINTS_PER_QUESTION

    def verdicts(self) -> dict[str, str]:
        """Point id → covered / missing / contradicted."""
        return {p.point.id: p.verdict for p in self.points}

    def feedback(self) -> str:
        """"covered: … ("quote"); missing: …; contradicted: … ("quote")" plus notes."""
        parts = []
        for verdict in ("covered", "missing", "contradicted"):
            items = [_item(p) for p in self.points if p.verdict == verdict]
            if items:
                parts.append(f"{verdict}: " + "; ".join(items))
        text = ". ".join(parts)
        if self.notes:
            text += ". " + " ".join(self.notes)
        return text


def _item(result: PointResult) -> str:
    if result.evidence is None or result.verdict == "missing":
        return result.point.summary
    quote = result.evidence
    if len(quote) > QUOTE_CHARS:
        quote = quote[: QUOTE_CHARS - 1].rstrip() + "…"
    return f'{result.point.summary} (you wrote: "{quote}")'


def _is_question_copy(unit: str, unit_vec: np.ndarray, question: Question,
                      q_vecs: np.ndarray, params: Params) -> bool:
    q_stems = qa_text.content_stems(qa_text.normalize(question.text))
    stems = qa_text.content_stems(unit)
    novel = stems - q_stems
    if len(novel) < params.min_novel_words:
        return True
    if stems and len(novel) / len(stems) < params.novel_ratio and len(novel) < 3:
        return True
    return bool(q_vecs.size) and float(np.max(q_vecs @ unit_vec)) >= params.question_sim_max


def _is_salad(unit: str, params: Params) -> bool:
    """A run of keywords rather than a statement: long enough, almost no function words."""
    return (len(qa_text.tokens(unit)) >= params.salad_min_tokens
            and qa_text.function_word_ratio(unit) < params.salad_min_ratio)


def read_answer(question_id: str, text: str, *, params: Params | None = None,
                embedder: Embedder | None = None, model_path: str | None = None,
                multilingual: bool = False) -> judge.Reading:
    """The judge's reading of one (non-empty) answer (``multilingual``: read as the other
    languages are, whatever its language; :func:`judge.read`)."""
    params = params or load_params()
    question = QUESTION_BY_ID[question_id]
    embedder = embedder or get_embedder(model_path)
    return judge.read(
        question, text, embedder,
        lambda unit: _is_salad(unit, params),
        lambda unit, vec, q_vecs: _is_question_copy(unit, vec, question, q_vecs, params),
        multilingual=multilingual,
    )


def prefetch_answers(answers: dict[str, str], *, model_path: str | None = None) -> None:
    """Embed all of one file's English answers in a few batches before they are graded
    one by one (:func:`checkers.exercises.qa.judge.prefetch`), then let the cross-encoder
    read every pair the file will ask about at once (:meth:`CrossEncoder.collecting`)."""
    embedder = get_embedder(model_path)
    judge.prefetch(answers, QUESTION_BY_ID, embedder)
    model = crossencoder.load(model_path=embedder.model_path)
    if model is None:
        return
    # Round 1 reads the units as written; each later round the role-exchanged rewrites
    # that the previous round's probabilities call for (:func:`judge.read_pairs`), for the
    # answers that asked for some.
    todo = {q: t for q, t in answers.items()
            if q in QUESTION_BY_ID and isinstance(t, str) and qa_text.tokens(qa_text.normalize(t))}
    for _ in range(COLLECT_ROUNDS):
        asking = {}
        with model.collecting():
            for question_id, text in todo.items():
                before = model.pending_count
                read_answer(question_id, text, embedder=embedder)
                if model.pending_count > before:
                    asking[question_id] = text
        todo = asking
        if not todo:
            break


def grade_reading(question_id: str, reading: judge.Reading,
                  head: judge.Head | None = None) -> AnswerResult:
    """Score, verdicts and confidence from a reading (the head decides)."""
    head = head or judge.load_head()
    question = QUESTION_BY_ID[question_id]
    english = reading.language == "en"
    results = []
    for j in reading.points:
        probability = head.probability(j, english, judge.elsewhere(reading, j.point.id))
        verdict = judge.verdict(j, probability, head, english)
        evidence = {"covered": j.evidence, "contradicted": j.against}.get(verdict)
        results.append(PointResult(j.point, j.support, verdict == "covered", evidence,
                                   round(probability, 4), verdict))
    weight = sum(r.point.weight for r in results if r.covered)
    score = float(min(POINTS_PER_QUESTION, max(0.0, round(
        POINTS_PER_QUESTION * weight / question.total_weight, 4))))
    confidence = judge.band_confidence([r.point.weight for r in results],
                                       [r.probability for r in results],
                                       [r.covered for r in results])
    notes = reading.notes
    if not english:
        notes += (f"Read as {LANGUAGE_NAMES[reading.language]}; feedback is in English.",)
    features = judge.review_features(reading, [r.probability for r in results],
                                     [r.covered for r in results], confidence, score)
    return AnswerResult(question_id, score, tuple(results), notes, confidence,
                        head.needs_review(features), reading.language)


def grade_answer(
    question_id: str,
    text: str | None,
    *,
    params: Params | None = None,
    embedder: Embedder | None = None,
    model_path: str | None = None,
) -> AnswerResult:
    """Grade one answer to question ``question_id`` (score in [0, 10], per-point results)."""
    question = QUESTION_BY_ID[question_id]
    text = text if isinstance(text, str) else ""
    if not qa_text.tokens(qa_text.normalize(text)):
        results = tuple(PointResult(p, 0.0, False, None) for p in question.points)
        return AnswerResult(question_id, 0.0, results, ("No answer was given.",))
    reading = read_answer(question_id, text, params=params, embedder=embedder,
                          model_path=model_path)
    return grade_reading(question_id, reading)
