"""Grading one ``qa`` answer: which key points it covers, and the score that follows.

An answer is cut into units (sentences, clauses, pairs of adjacent sentences). A unit can
cover a key point only if

1. it reads like a statement, not a keyword salad (enough function words);
2. it is not the question copied back (it adds enough words of its own and is not nearly
   identical to the question in embedding space);
3. it names the concept the point is about (every ``require`` pattern of the point matches);
4. it does not say the opposite. Negation: with ``polarity="any"`` a unit holding a
   negation cue is only compared with statements holding one too, and vice versa
   ("cannot learn" never matches "can learn"; each point has statements in the polarities
   students use); with ``"parity"`` the parities of the cue counts must agree; and when
   only one side of a pair is negated, the pair is discarded if removing the negation
   brings them closer by more than ``neg_margin``. Antonyms: the pair (unit ``u``,
   statement ``p``) is discarded when a version of either with one antonym pair of the
   question exchanged ("stateless" ↔ "stateful", "high" ↔ "low", ...) is closer to the
   other by more than ``margin`` — the unit is nearer the opposite claim than the claim.
   A pair whose two words both occur in ``u`` or ``p`` is not used (exchanging them only
   reorders words, which mean pooling cannot see).

A unit's similarity to the point is the mean of its ``top_k`` best cosine similarities
with statements that survive these tests; the point's similarity is the best over units;
it is covered when that reaches the point's threshold (calibrated on the tune split of
``tests/qa_calibration``; see ``bench/bench_qa.py``). Score = 10 × covered weight /
total weight.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from checkers.exercises.qa import text as qa_text
from checkers.exercises.qa.embed import Embedder, embed_fixed, get_embedder
from checkers.exercises.qa.keypoints import QUESTION_BY_ID, KeyPoint, Question

PARAMS_FILE = Path(__file__).with_name("qa_thresholds.json")
POINTS_PER_QUESTION = 10.0
# Units less similar than this to every statement cannot cover anything (thresholds are
# tuned on a grid starting at 0.40), so their flips are never embedded.
MIN_RELEVANT = 0.40


@dataclass
class Params:
    """Tunable settings of the grader (stored in ``checkers/qa_thresholds.json``)."""

    margin: float = 0.02
    neg_margin: float = 0.01
    exclusive_slack: float = 1.0  # a unit counts for points within this of its best one
    top_k: int = 1  # a unit's similarity: mean of its k best surviving statements
    polarity: str = "any"  # "parity", "any" (negated only matches negated) or "none"
    salad_min_ratio: float = 0.12
    salad_min_tokens: int = 6
    question_sim_max: float = 0.9
    min_novel_words: int = 1
    novel_ratio: float = 0.34
    default_threshold: float = 0.6
    thresholds: dict[str, float] = field(default_factory=dict)

    def threshold(self, point_id: str) -> float:
        """The similarity a unit needs to cover ``point_id``."""
        return self.thresholds.get(point_id, self.default_threshold)

    def to_json(self) -> dict:
        """Plain data for ``qa_thresholds.json``."""
        return dict(self.__dict__)


def load_params(path: Path | None = None) -> Params:
    """Parameters from ``path`` (default: the calibrated file beside this module)."""
    path = path or PARAMS_FILE
    if not path.is_file():
        return Params()
    data = json.loads(path.read_text())
    known = {k: v for k, v in data.items() if k in Params.__dataclass_fields__}
    return Params(**known)


@dataclass(frozen=True)
class PointResult:
    """How one key point fared: best similarity, covered or not, and the unit behind it."""

    point: KeyPoint
    similarity: float
    covered: bool
    evidence: str | None


@dataclass(frozen=True)
class AnswerResult:
    """The grade of one answer: score out of 10, per-point results, notes for feedback."""

    question_id: str
    score: float
    points: tuple[PointResult, ...]
    notes: tuple[str, ...] = ()

    @property
    def fraction(self) -> float:
        """Score as a fraction of the question's points."""
        return self.score / POINTS_PER_QUESTION

    def feedback(self) -> str:
        """"covered: …; missing: …" plus any notes (truncation, copied question, …)."""
        covered = [p.point.summary for p in self.points if p.covered]
        missing = [p.point.summary for p in self.points if not p.covered]
        parts = []
        if covered:
            parts.append("covered: " + "; ".join(covered))
        if missing:
            parts.append("missing: " + "; ".join(missing))
        text = ". ".join(parts)
        if self.notes:
            text += ". " + " ".join(self.notes)
        return text


@dataclass
class _Side:
    """Texts (units of an answer, or statements of a point) with what the tests need."""

    texts: list[str]
    vecs: np.ndarray
    parity: list[int]
    flips: list[list[tuple[int, np.ndarray]]]
    both: list[frozenset[int]]
    strip: list[np.ndarray | None]
    negated: list[bool]


def _side(
    texts: list[str],
    question: Question,
    embedder: Embedder,
    *,
    fixed: bool = False,
    base: np.ndarray | None = None,
    needed: np.ndarray | None = None,
) -> _Side:
    """Embed ``texts`` (unless ``base`` holds their vectors), their antonym flips and their
    negation-stripped versions — the latter two only where ``needed`` (default: all).
    ``fixed``: the texts are key-point statements, whose vectors are kept on disk."""
    wanted = [True] * len(texts) if needed is None else [bool(x) for x in needed]
    flips = [
        qa_text.flips(t, question.antonyms) if w else []
        for t, w in zip(texts, wanted, strict=True)
    ]
    strips = [
        qa_text.strip_negation(t) if w and qa_text.negation_count(t) else None
        for t, w in zip(texts, wanted, strict=True)
    ]
    extra = [f for fl in flips for _, f in fl] + [x for x in strips if x is not None]
    everything = (list(texts) if base is None else []) + extra
    vecs = embed_fixed(embedder, everything) if fixed else embedder.embed(everything)
    if base is None:
        base, vecs = vecs[: len(texts)], vecs[len(texts) :]
    rest = iter(vecs)
    flip_vecs = [[(k, next(rest)) for k, _ in fl] for fl in flips]
    strip_vecs = [None if x is None else next(rest) for x in strips]
    return _Side(
        list(texts),
        base,
        [qa_text.negation_parity(t) for t in texts],
        flip_vecs,
        [qa_text.pair_sides(t, question.antonyms) for t in texts],
        strip_vecs,
        [qa_text.negation_count(t) > 0 for t in texts],
    )


_STATEMENTS: dict[tuple[int, str], _Side] = {}


def _statements(question: Question, point: KeyPoint, embedder: Embedder) -> _Side:
    key = (id(embedder), point.id)
    if key not in _STATEMENTS:
        texts = [qa_text.normalize(s) for s in question.statements_for(point)]
        _STATEMENTS[key] = _side(texts, question, embedder, fixed=True)
    return _STATEMENTS[key]


@lru_cache(maxsize=64)
def _required(question_id: str, point_id: str) -> tuple[re.Pattern[str], ...]:
    question = QUESTION_BY_ID[question_id]
    point = next(p for p in question.points if p.id == point_id)
    return tuple(re.compile(p) for p in point.require)


def _is_question_copy(
    unit: str, unit_vec: np.ndarray, question: Question, q_vecs: np.ndarray, params: Params
) -> bool:
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
    return (
        len(qa_text.tokens(unit)) >= params.salad_min_tokens
        and qa_text.function_word_ratio(unit) < params.salad_min_ratio
    )


@dataclass
class _Analysis:
    units: _Side
    eligible: np.ndarray
    notes: list[str]


def _analyse(question: Question, text: str, embedder: Embedder, params: Params) -> _Analysis:
    notes: list[str] = []
    normalized = qa_text.normalize(text)
    normalized, cut = qa_text.truncate_words(normalized)
    if cut:
        notes.append(f"Only the first {qa_text.MAX_WORDS} words were graded.")
    texts = qa_text.units(normalized)
    q_vecs = embedder.embed(qa_text.sentences(qa_text.normalize(question.text)))
    base = embedder.embed(texts) if texts else np.zeros((0, 384), np.float32)
    eligible = np.ones(len(texts), bool)
    salad = [u for u in texts if _is_salad(u, params)]
    copies = 0
    for i, unit in enumerate(texts):
        if any(unit in whole for whole in salad):
            eligible[i] = False
        elif _is_question_copy(unit, base[i], question, q_vecs, params):
            eligible[i] = False
            copies += 1
    if copies and not eligible.any():
        notes.append("Repeating the question earns no credit: answer it in your own words.")
    # Flips are only embedded for units that could reach a threshold: eligible, naming the
    # concept of some point, and at least MIN_RELEVANT similar to one of its statements.
    needed = eligible.copy()
    for i in np.flatnonzero(eligible):
        needed[i] = any(
            all(r.search(texts[i]) for r in _required(question.id, p.id))
            and float(np.max(_statements(question, p, embedder).vecs @ base[i])) >= MIN_RELEVANT
            for p in question.points
        )
    units = _side(texts, question, embedder, base=base, needed=needed)
    return _Analysis(units, eligible & needed, notes)


def _contradicts(u: _Side, i: int, p: _Side, j: int, sim: float, params: Params) -> bool:
    """Whether unit ``i`` says the opposite of statement ``j`` (see the module docstring)."""
    if params.polarity == "parity" and u.parity[i] != p.parity[j]:
        return True
    if params.polarity == "any" and u.negated[i] != p.negated[j]:
        return True
    skip = u.both[i] | p.both[j]
    for k, vec in u.flips[i]:
        if k not in skip and float(vec @ p.vecs[j]) > sim + params.margin:
            return True
    for k, vec in p.flips[j]:
        if k not in skip and float(vec @ u.vecs[i]) > sim + params.margin:
            return True
    u_strip, p_strip = u.strip[i], p.strip[j]
    if u_strip is not None and p_strip is None:
        return float(u_strip @ p.vecs[j]) > sim + params.neg_margin
    if p_strip is not None and u_strip is None:
        return float(p_strip @ u.vecs[i]) > sim + params.neg_margin
    return False


def _unit_values(
    question: Question, point: KeyPoint, analysis: _Analysis, embedder: Embedder, params: Params
) -> np.ndarray:
    """Per unit: the mean of its ``top_k`` best surviving statement similarities (0 when the
    unit is ineligible, lacks a required term, or contradicts every statement)."""
    stmts = _statements(question, point, embedder)
    units = analysis.units
    required = _required(question.id, point.id)
    values = np.zeros(len(units.texts))
    for i, unit in enumerate(units.texts):
        if not analysis.eligible[i] or not all(r.search(unit) for r in required):
            continue
        sims = stmts.vecs @ units.vecs[i]
        kept: list[float] = []
        for j in np.argsort(-sims):
            sim = float(sims[j])
            if not _contradicts(units, i, stmts, int(j), sim, params):
                kept.append(sim)
                if len(kept) == params.top_k:
                    break
        if kept:
            values[i] = float(np.mean(kept + [kept[-1]] * (params.top_k - len(kept))))
    return values


def _point_similarities(
    question: Question, analysis: _Analysis, embedder: Embedder, params: Params
) -> dict[str, tuple[float, str | None]]:
    """Best unit value per point; a unit only counts for the points it is (nearly) closest
    to (within ``exclusive_slack`` of its best point), so one claim cannot earn every point."""
    if not analysis.units.texts:
        return {p.id: (0.0, None) for p in question.points}
    table = np.stack(
        [_unit_values(question, p, analysis, embedder, params) for p in question.points]
    )
    allowed = table >= table.max(axis=0, keepdims=True) - params.exclusive_slack
    out = {}
    for k, point in enumerate(question.points):
        row = np.where(allowed[k], table[k], 0.0)
        i = int(np.argmax(row))
        best = round(float(row[i]), 4)
        out[point.id] = (best, analysis.units.texts[i] if best > 0 else None)
    return out


def point_similarities(
    question_id: str, text: str, *, params: Params | None = None, embedder: Embedder | None = None
) -> dict[str, tuple[float, str | None]]:
    """For each key point of the question: (best surviving similarity, the unit behind it)."""
    params = params or load_params()
    embedder = embedder or get_embedder()
    question = QUESTION_BY_ID[question_id]
    analysis = _analyse(question, text, embedder, params)
    return _point_similarities(question, analysis, embedder, params)


def grade_answer(
    question_id: str,
    text: str | None,
    *,
    params: Params | None = None,
    embedder: Embedder | None = None,
    model_path: str | None = None,
) -> AnswerResult:
    """Grade one answer to question ``question_id`` (score in [0, 10], per-point results)."""
    params = params or load_params()
    question = QUESTION_BY_ID[question_id]
    text = text if isinstance(text, str) else ""
    if not qa_text.tokens(qa_text.normalize(text)):
        results = tuple(PointResult(p, 0.0, False, None) for p in question.points)
        return AnswerResult(question_id, 0.0, results, ("No answer was given.",))
    embedder = embedder or get_embedder(model_path)
    analysis = _analyse(question, text, embedder, params)
    results = []
    similarities = _point_similarities(question, analysis, embedder, params)
    for point in question.points:
        sim, evidence = similarities[point.id]
        covered = sim >= params.threshold(point.id)
        results.append(PointResult(point, sim, covered, evidence if covered else None))
    weight = sum(r.point.weight for r in results if r.covered)
    score = POINTS_PER_QUESTION * weight / question.total_weight
    score = float(min(POINTS_PER_QUESTION, max(0.0, round(score, 4))))
    return AnswerResult(question_id, score, tuple(results), tuple(analysis.notes))
