"""The judge: reads each answer sentence together with each key-point statement and says
whether the sentence states the point, states its opposite, or neither.

1. **Language.** English answers are embedded with all-MiniLM-L6-v2 (:mod:`.embed`) after
   terse notes are spelled out (:mod:`.terse`: ``→`` "so", ``=`` "is", ``enc`` "encoder" …).
   Chinese, Hebrew, Bulgarian and Swedish answers are embedded with multilingual e5
   (:mod:`.multilingual`) and compared with the same English statements (cross-lingual).
2. **Units.** The answer is cut into sentences, clauses and adjacent pairs. An English unit
   is eligible when it is not keyword salad, not the question copied back, and names the
   point's concept (the rubric's ``require`` patterns).
3. **Entailment by agreement.** For a unit and a point, the ``TOP`` most similar statements
   each vote, the nearest most (``exp((sim - nearest) / VOTE_TEMPERATURE)``; a negated
   statement does not vote against an affirmative sentence on its negation alone — the
   rubric's negated phrasings paraphrase, "does not reset" = "keeps"): *agrees* when
   the number of reversals between the two
   (:func:`.languages.reversals`: negation on one side only, a role exchanged — stateful ↔
   stateless, encoder ↔ decoder, training ↔ inference —, two roles in swapped order) is
   even, *contradicts* when it is odd. The unit **supports** the point with its best agreeing
   similarity if the agreeing votes win, else it **contradicts** it. A clause inherits the
   roles of its sentence ("its batches can be shuffled" in a sentence about a stateful RNN);
   a negated unit that, without its negation, is closer (by ``STRIP_MARGIN``) to a positive
   statement than to any statement as it stands states the opposite of that statement
   ("attention does not help with long sentences");
   a unit that contains a contradicting part supports nothing (a true clause glued to a false
   one is no evidence) — unless it is a statement of the rubric word for word (≥ ``VERBATIM``
   similar, agreeing), which covers its point and leaves no contradiction of it; a unit only
   counts for the points it is (nearly) closest to.
4. **Cross-encoder** (English, :mod:`.crossencoder`). Each unit that names a point's
   concept is read *together with* the point's nearest statements, and so is each rewrite
   of it with one role pair exchanged: P(the unit states the point), lowered by how much
   better its exchanged rewrite states it, and P(it states the point wrongly).
5. **Head.** Per point: support (best unit), contradiction (best unit) and, for English,
   how much of the supporting unit's vocabulary the rubric uses (invented mechanisms bring
   their own words) and the cross-encoder's two probabilities go through a logistic head
   (``judge.json``, trained on the tune split by ``bench/bench_qa.py --tune``) to a
   probability that a teacher credits the point. A point
   is *covered* when that probability is at least 0.5, the support reaches a floor and beats
   the contradiction (by a margin), *contradicted* when the contradiction is strong and
   beats the support, else *missing* (English with the cross-encoder: covered when the
   probability is at least 0.5, contradicted when P(wrongly) is strong and beats
   P(states)).
6. **Confidence.** Taking the points' probabilities as independent, the probability that
   the answer's band (bottom < 2, middle < 7, top ≥ 7 out of 10) is the one graded; below
   ``review_below`` the grade is flagged *needs review*.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import numpy as np

from checkers.exercises.qa import crossencoder, languages, multilingual, terse
from checkers.exercises.qa import text as qa_text
from checkers.exercises.qa.embed import Embedder, embed_fixed
from checkers.exercises.qa.keypoints import QUESTION_BY_ID, KeyPoint, Question

HEAD_FILE = Path(__file__).with_name("judge.json")
TOP = 3
VOTE_TEMPERATURE = 0.02  # a statement's vote: exp((sim - nearest sim) / this)
STRIP_MARGIN = 0.02  # how much closer a negated unit must get without its negation
VERBATIM = 0.97  # a unit this close to an agreeing statement states the rubric's own words
BANDS = (2.0, 7.0)  # bottom below 2, middle below 7, top from 7 (out of 10)
PARTNERS = 2  # the cross-encoder reads a unit with this many of the point's nearest statements


def band(score: float) -> int:
    """0 (bottom), 1 (middle) or 2 (top) for a score out of 10."""
    return 0 if score < BANDS[0] else 1 if score < BANDS[1] else 2


@dataclass(frozen=True)
class Head:
    """The judge's logistic head and review threshold (``judge.json``)."""

    english: tuple[float, ...]
    other: tuple[float, ...]
    contradicted_at: float = 0.6
    review_below: float = 0.7
    exclusive_slack: float = 0.1
    # A contradiction must beat the support by this much before it blocks a point (across
    # languages similarities are flat, so the margin there is larger).
    other_margin: float = 0.05
    english_margin: float = 0.0
    # The least similarity a supporting unit needs (MiniLM; cross-lingual e5 is flatter).
    english_floor: float = 0.55
    other_floor: float = 0.83
    # The English weights without the cross-encoder's two inputs: used when it is switched
    # off (``SEQGRADE_QA_CROSS_ENCODER=none``) or absent.
    english_plain: tuple[float, ...] = ()

    @staticmethod
    def features(support: float, contra: float, overlap: float, english: bool,
                 elsewhere: float = 0.0, entail: float | None = None,
                 refute: float | None = None) -> np.ndarray:
        """The head's inputs (the last weight is the bias). ``elsewhere``: the strongest
        contradiction of another key point in the same answer (a teacher reads a claim
        next to a false one with suspicion); ``entail`` / ``refute``: the cross-encoder's
        strongest probabilities that a unit states the point / states it wrongly (English,
        when the cross-encoder is installed)."""
        base = [support, contra, max(0.0, support - contra), elsewhere]
        if english:
            base.append(overlap)
            if entail is not None:
                # A sentence the cross-encoder reads as stating the point but whose words
                # are far from every statement is usually about something else.
                base += [entail, refute or 0.0, entail * support]
        return np.array(base + [1.0])

    def probability(self, support: float, contra: float, overlap: float, english: bool,
                    elsewhere: float = 0.0, entail: float | None = None,
                    refute: float | None = None) -> float:
        """Probability that a teacher credits the point."""
        weights = np.array(self.english if english else self.other)
        if english and not (self.reads_pairs and entail is not None):
            weights = np.array(self.english_plain or self.english[:5] + self.english[-1:])
            entail = refute = None
        z = float(self.features(support, contra, overlap, english, elsewhere, entail,
                                refute) @ weights)
        return float(1.0 / (1.0 + np.exp(-np.clip(z, -40, 40))))

    @property
    def reads_pairs(self) -> bool:
        """Whether the English head uses the cross-encoder's probabilities."""
        return len(self.english) > 6  # support, contra, margin, elsewhere, overlap, bias


def load_head(path: Path | None = None) -> Head:
    """The committed head (defaults when the file is absent)."""
    path = path or HEAD_FILE
    if not path.is_file():
        return Head(english=(6.0, 0.0, 2.0, -2.0, 1.0, -6.0),
                    other=(6.0, 0.0, 1.0, -2.0, -6.0))
    data = json.loads(path.read_text())
    return Head(tuple(data["english"]), tuple(data["other"]),
                float(data.get("contradicted_at", 0.6)), float(data.get("review_below", 0.7)),
                float(data.get("exclusive_slack", 0.1)), float(data.get("other_margin", 0.05)),
                float(data.get("english_margin", 0.0)), float(data.get("english_floor", 0.55)),
                float(data.get("other_floor", 0.83)), tuple(data.get("english_plain", ())))


@dataclass(frozen=True)
class PointJudgement:
    """What the answer does with one key point."""

    point: KeyPoint
    support: float
    contra: float
    overlap: float
    evidence: str | None  # the unit that supports the point best
    against: str | None  # the unit that contradicts it most
    entail: float | None = None  # cross-encoder: best P(a unit states the point)
    refute: float | None = None  # cross-encoder: best P(a unit states it wrongly)


@dataclass(frozen=True)
class Reading:
    """The judge's reading of one answer."""

    language: str
    units: tuple[str, ...]
    points: tuple[PointJudgement, ...]
    notes: tuple[str, ...] = ()


@lru_cache(maxsize=64)
def required(question_id: str, point_id: str) -> tuple[re.Pattern[str], ...]:
    """The point's ``require`` patterns (its concept must be named), compiled."""
    question = QUESTION_BY_ID[question_id]
    point = next(p for p in question.points if p.id == point_id)
    return tuple(re.compile(p) for p in point.require)


@cache
def _vocabulary(question: Question) -> frozenset[str]:
    words = set(qa_text.content_stems(qa_text.normalize(question.text)))
    for point in question.points:
        for statement in question.statements_for(point):
            words |= qa_text.content_stems(qa_text.normalize(statement))
    return frozenset(words)


def overlap(unit: str, question: Question) -> float:
    """Share of the unit's content words that the question's rubric uses somewhere."""
    stems = qa_text.content_stems(unit)
    return len(stems & _vocabulary(question)) / len(stems) if stems else 1.0


@lru_cache(maxsize=256)
def _statements(question: Question,
                point_id: str) -> tuple[tuple[str, ...], tuple[languages.Frame, ...]]:
    point = next(p for p in question.points if p.id == point_id)
    texts = tuple(qa_text.normalize(s) for s in question.statements_for(point))
    return texts, tuple(languages.frame(t, question.id, "en") for t in texts)


def prepare(question: Question, text: str) -> tuple[str, str, bool]:
    """(language, normalised text to grade, whether it was cut at MAX_WORDS)."""
    lang = languages.detect_language(text)
    normalized = qa_text.normalize(terse.protect_tags(text) if lang == "en" else text)
    normalized, cut = qa_text.truncate_words(normalized)
    if lang == "en":
        normalized = terse.expand(normalized, question.id)
    return lang, normalized, cut


def prefetch(answers: dict[str, str], questions: dict[str, Question],
             embedder: Embedder) -> None:
    """Embed the English units of every answer in ``answers`` (question id → text) at once.

    :func:`read` then finds them in the embedder's memory. One call for a whole file
    makes a few large batches instead of one small batch per answer: the model's weights
    are read from memory a few times per file instead of a few times per answer.
    """
    texts: list[str] = []
    for question_id, text in answers.items():
        question = questions.get(question_id)
        if question is None or not isinstance(text, str) or not qa_text.tokens(text):
            continue
        lang, normalized, _ = prepare(question, text)
        if lang == "en":
            texts += qa_text.units(normalized)
            texts += qa_text.sentences(qa_text.normalize(question.text))
    if texts:
        embedder.embed(texts)


def read(question: Question, text: str, embedder: Embedder, is_salad, is_copy) -> Reading:
    """Judge every key point of ``question`` against the answer ``text``.

    ``is_salad(unit)`` and ``is_copy(unit, vector, question_vectors)`` are the eligibility
    tests of :mod:`.scoring` (English units only)."""
    head = load_head()
    lang, normalized, cut = prepare(question, text)
    notes = (f"Only the first {qa_text.MAX_WORDS} words were graded.",) if cut else ()
    english = lang == "en"
    units = qa_text.units(normalized) if english else languages.units_any_language(normalized)
    if not units:
        empty = tuple(PointJudgement(p, 0.0, 0.0, 1.0, None, None) for p in question.points)
        return Reading(lang, (), empty, notes)
    if english:
        vectors = embedder.embed(units)
        q_vectors = embedder.embed(qa_text.sentences(qa_text.normalize(question.text)))
        eligible = [not is_salad(u) and not is_copy(u, vectors[i], q_vectors)
                    for i, u in enumerate(units)]
    else:
        vectors = multilingual.embed(units)
        q_vector = multilingual.embed([qa_text.normalize(question.text)])[0]
        eligible = [float(q_vector @ vectors[i]) < 0.95 for i in range(len(units))]
    if english and not any(eligible):
        notes += ("Repeating the question earns no credit: answer it in your own words.",)
    frames = [languages.frame(u, question.id, lang) for u in units]
    frames = _inherit(units, frames)
    # Negated units are also read without their negation: "attention does not help with long
    # sentences" is the negation of a claim ("attention helps with long sentences") even if
    # its words sit close to a negated statement ("no longer depends on one vector").
    negated = [i for i in range(len(units)) if eligible[i] and frames[i].negated]
    stripped = [languages.strip_negation(units[i], lang) for i in negated]
    strip_vectors = ((embedder.embed(stripped) if english else multilingual.embed(stripped))
                     if stripped else np.zeros((0, vectors.shape[1]), np.float32))
    strip_rows = {i: n for n, i in enumerate(negated)}
    support = np.zeros((len(question.points), len(units)))
    contra = np.zeros_like(support)
    closeness = np.zeros_like(support)  # a unit's best raw similarity to each point
    verbatim = np.zeros(support.shape, bool)
    named = np.zeros(support.shape, bool)  # the unit is eligible and names the point's concept
    point_sims = []
    for k, point in enumerate(question.points):
        texts, s_frames = _statements(question, point.id)
        s_vectors = (embed_fixed(embedder, list(texts)) if english
                     else multilingual.embed_fixed(list(texts)))
        sims = vectors @ s_vectors.T
        point_sims.append(sims)
        closeness[k] = sims.max(axis=1)
        patterns = required(question.id, point.id) if english else ()
        for i, unit in enumerate(units):
            if not eligible[i] or not all(p.search(unit) for p in patterns):
                continue
            named[k, i] = True
            agree = disagree = best_agree = best_disagree = 0.0
            order = np.argsort(-sims[i], kind="stable")[:TOP]
            nearest = float(sims[i, order[0]])
            best_neutral = 0.0
            for j in order:
                sim = float(sims[i, j])
                vote = float(np.exp((sim - nearest) / VOTE_TEMPERATURE))
                flips = languages.reversals(frames[i], s_frames[j])
                if flips == 1 and s_frames[j].negated and not frames[i].negated:
                    # The rubric's negated phrasings paraphrase ("does not reset" = "keeps"):
                    # an affirmative sentence is not contradicted by the negation alone.
                    best_neutral = max(best_neutral, sim)
                elif flips % 2:
                    disagree += vote
                    best_disagree = max(best_disagree, sim)
                else:
                    agree += vote
                    best_agree = max(best_agree, sim)
            if agree == disagree == 0.0:
                agree, best_agree = 1.0, best_neutral
            if agree >= disagree:
                support[k, i] = best_agree
            else:
                contra[k, i] = best_disagree
            if float(sims[i, order[0]]) >= VERBATIM and agree >= disagree:
                verbatim[k, i] = True  # the rubric's own sentence (a reference answer)
            if i in strip_rows:
                positive = languages.Frame(False, frames[i].sides)
                strip_sims = strip_vectors[strip_rows[i]] @ s_vectors.T
                top = int(np.argmax(strip_sims))
                if (support[k, i] > 0 and not s_frames[top].negated
                        and languages.reversals(positive, s_frames[top]) % 2 == 0
                        and float(strip_sims[top]) > nearest + STRIP_MARGIN):
                    support[k, i] = 0.0
                    contra[k, i] = max(contra[k, i], float(strip_sims[top]))
    # A unit holding a contradicting part (a false clause) is evidence for nothing.
    false_parts = contra.max(axis=0) > 0
    for i, unit in enumerate(units):
        if any(false_parts[j] and j != i and len(v) < len(unit) and v in unit
               for j, v in enumerate(units)):
            support[:, i] = 0.0
    support = np.where(verbatim, closeness, support)
    contra = np.where(verbatim.any(axis=1, keepdims=True), 0.0, contra)
    # A unit speaks to the points it is (nearly) closest to: it supports or contradicts only
    # those (across languages, similarities are flat: only the closest point counts).
    slack = head.exclusive_slack if english else 0.0
    allowed = closeness >= closeness.max(axis=0, keepdims=True) - slack
    support = np.where(allowed, support, 0.0)
    contra = np.where(allowed, contra, 0.0)
    entail = refute = None
    model = crossencoder.load(model_path=embedder.model_path) if english else None
    if model is not None:
        # Read only the units that could support the point (eligible, naming its concept,
        # closest to it): the cross-encoder is not asked about every pair.
        readable = named & allowed
        entail, refute = _read_pairs(model, question, units, readable, point_sims)
    points = []
    for k, point in enumerate(question.points):
        i, j = int(np.argmax(support[k])), int(np.argmax(contra[k]))
        s, c = round(float(support[k, i]), 4), round(float(contra[k, j]), 4)
        evidence, against = units[i] if s > 0 else None, units[j] if c > 0 else None
        e = r = None
        if entail is not None and refute is not None:
            e, r = round(float(entail[k].max()), 4), round(float(refute[k].max()), 4)
            evidence = units[int(np.argmax(entail[k]))] if e > 0 else evidence
            against = units[int(np.argmax(refute[k]))] if r > 0 else against
        points.append(PointJudgement(
            point, s, c, round(overlap(units[i], question), 4) if english and s > 0 else 1.0,
            evidence, against, e, r))
    return Reading(lang, tuple(units), tuple(points), notes)


def _read_pairs(model: crossencoder.CrossEncoder, question: Question, units: list[str],
                readable: np.ndarray,
                point_sims: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The cross-encoder's P(entail) and P(contradict), ``(points, units)``, zero where
    ``readable[k, i]`` is False.

    Unit ``i`` is read with the :data:`PARTNERS` statements of point ``k`` nearest to it
    (averaged), and so is each rewrite of it with one role pair exchanged
    (:func:`.languages.role_exchanges`). A sentence with its roles the wrong way round
    often still reads as stating the point, but its exchanged rewrite (the right way round)
    reads as stating it *better*: by that much its P(entail) is lowered.
    """
    variants: list[tuple[int, int, bool, str]] = []
    for k in range(len(question.points)):
        for i, unit in enumerate(units):
            if readable[k, i]:
                variants.append((k, i, False, unit))
                variants += [(k, i, True, v) for v in languages.role_exchanges(unit, question.id)]
    pairs: list[tuple[str, str]] = []
    owners: list[int] = []
    for n, (k, i, _, text) in enumerate(variants):
        statements, _ = _statements(question, question.points[k].id)
        for j in np.argsort(-point_sims[k][i], kind="stable")[:PARTNERS]:
            pairs.append((statements[int(j)], text))
            owners.append(n)
    probabilities = model.probabilities(pairs)
    mean = np.zeros((len(variants), 3))
    counts = np.zeros(len(variants))
    for n, row in zip(owners, probabilities, strict=True):
        mean[n] += row
        counts[n] += 1
    mean /= np.maximum(counts, 1)[:, None]
    entail = np.zeros((len(question.points), len(units)))
    refute = np.zeros_like(entail)
    exchanged = np.zeros_like(entail)
    for n, (k, i, swapped, _) in enumerate(variants):
        if swapped:
            exchanged[k, i] = max(exchanged[k, i], mean[n, crossencoder.ENTAIL])
        else:
            entail[k, i] = mean[n, crossencoder.ENTAIL]
            refute[k, i] = mean[n, crossencoder.CONTRADICT]
    entail = np.clip(entail - np.maximum(0.0, exchanged - entail), 0.0, 1.0)
    return entail, refute


def _inherit(units: list[str], frames: list[languages.Frame]) -> list[languages.Frame]:
    out = []
    for i, unit in enumerate(units):
        parents = [f for v, f in zip(units, frames, strict=True)
                   if len(v) > len(unit) and unit in v]
        if parents:
            out.append(frames[i].inherit(max(parents, key=lambda f: f.named)))
        else:
            out.append(frames[i])
    return out


def elsewhere(reading: Reading, point_id: str) -> float:
    """The strongest contradiction (beating its support) of another point of the answer."""
    return max((j.contra for j in reading.points
                if j.point.id != point_id and j.contra > j.support), default=0.0)


def verdict(judgement: PointJudgement, probability: float, head: Head,
            english: bool = True) -> str:
    """``"covered"``, ``"contradicted"`` or ``"missing"``."""
    if english and head.reads_pairs and judgement.entail is not None:
        refute = judgement.refute or 0.0
        if probability >= 0.5 and judgement.entail > 0:
            return "covered"
        if refute >= head.contradicted_at and refute >= judgement.entail:
            return "contradicted"
        return "missing"
    margin = head.english_margin if english else head.other_margin
    floor = head.english_floor if english else head.other_floor
    if (probability >= 0.5 and judgement.support >= floor
            and judgement.support > judgement.contra - margin):
        return "covered"
    if judgement.contra >= head.contradicted_at and judgement.contra >= judgement.support:
        return "contradicted"
    return "missing"


def band_confidence(weights: list[float], probabilities: list[float],
                    covered: list[bool]) -> float:
    """Probability that the band of the graded score is right, taking the points'
    probabilities as independent (at most a handful of points: exact enumeration)."""
    total = sum(weights) or 1.0
    graded = band(10.0 * sum(w for w, c in zip(weights, covered, strict=True) if c) / total)
    confidence = 0.0
    for combo in itertools.product((False, True), repeat=len(weights)):
        p = 1.0
        for prob, on in zip(probabilities, combo, strict=True):
            p *= prob if on else 1.0 - prob
        covered_weight = sum(w for w, on in zip(weights, combo, strict=True) if on)
        if band(10.0 * covered_weight / total) == graded:
            confidence += p
    return round(float(confidence), 4)
