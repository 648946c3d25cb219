"""The judge: reads each answer unit together with each key-point statement and says
whether it states the point, states it wrongly, or neither.

The code follows the stages of ``docs/QA.md`` ("The judge"), one function per stage, and
:func:`read` runs them in that order:

1. **Language** (:mod:`.encoders`, :func:`~.encoders.encoder_for`): an English answer is
   read by :class:`~.encoders.English` (all-MiniLM-L6-v2), one in Chinese, Hebrew,
   Bulgarian or Swedish by :class:`~.encoders.Multilingual` (multilingual e5), compared
   with the same English statements. What differs between languages lives on the encoder.
2. **Terse notes** (:func:`prepare`): the answer normalised, cut at
   :data:`~.text.MAX_WORDS` words, and (English) its notes spelled out (:mod:`.terse`).
3. **Units** (:func:`cut_units`): sentences, clauses and adjacent pairs, embedded; English
   units must read like a statement and not copy the question back (:mod:`.scoring`'s
   tests), and must name the point's concept (the rubric's ``require`` patterns).
4. **Reading a unit with a statement** (:func:`read_statements`): the :data:`TOP`
   statements most similar to a unit vote (:func:`_vote`); a negated unit is also read
   without its negation (:func:`_stripped_opposite`); then :meth:`Evidence.settle`: a unit
   containing a contradicting part is evidence for nothing, the rubric's own sentence
   covers its point, and a unit speaks only to the points it is (nearly) closest to.
5. **Reading claims** (English: the cross-encoder, :func:`read_pairs`; other languages:
   the multilingual probe, :func:`read_claims`): each unit that names a point's concept is
   read together with the point's nearest statements (and so is each rewrite of it with one
   role pair exchanged), or, in another language, its e5 vector with the point's probe.
6. **The head** (:class:`Head`, ``judge.json``): the evidence of each point
   (:func:`judge_points`) goes through a logistic head to the probability that a teacher
   credits the point, and :func:`verdict` says *covered*, *contradicted* or *missing*;
   which weights and which rule apply is the head's :class:`Regime` for the answer.

:func:`band_confidence` turns the points' probabilities into the grade's confidence.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple, get_type_hints

import numpy as np

from checkers.authoring.thresholds import ThresholdsError
from checkers.exercises.qa import crossencoder, languages, probe
from checkers.exercises.qa import text as qa_text
from checkers.exercises.qa.embed import Embedder
from checkers.exercises.qa.encoders import (
    Encoder,
    English,
    Multilingual,
    encoder_class,
    encoder_for,
)
from checkers.exercises.qa.keypoints import KeyPoint, Question

HEAD_FILE = Path(__file__).with_name("judge.json")
TOP = 3
VOTE_TEMPERATURE = 0.02  # a statement's vote: exp((sim - nearest sim) / this)
STRIP_MARGIN = 0.02  # how much closer a negated unit must get without its negation
VERBATIM = 0.97  # a unit this close to an agreeing statement states the rubric's own words
BANDS = (2.0, 7.0)  # bottom below 2, middle below 7, top from 7 (out of 10)
PARTNERS = 2  # the cross-encoder reads a unit with this many of the point's nearest statements
PLAIN_INPUTS = 6  # support, contra, margin, elsewhere, overlap, bias: English without pairs
OTHER_PLAIN_INPUTS = 5  # support, contra, margin, elsewhere, bias: other languages, no probe


def band(score: float) -> int:
    """0 (bottom), 1 (middle) or 2 (top) for a score out of 10."""
    return 0 if score < BANDS[0] else 1 if score < BANDS[1] else 2


# --------------------------------------------------------------------------- the head


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
    # cross-encoder: P(states the point) of the deciding unit with one role pair exchanged
    # (0 when it names no role pair): near its own P(entail), the roles were not read
    twin: float | None = None
    # English: the multilingual probe's best P(states it) / P(states it wrongly)
    probe_entail: float | None = None
    probe_refute: float | None = None


@dataclass(frozen=True)
class Regime:
    """How the head decides for one kind of answer: English read with the cross-encoder
    (``pairs``), English without it, or another language (``english`` False)."""

    weights: tuple[float, ...]
    english: bool  # the head reads the overlap with the rubric's vocabulary
    pairs: bool  # the head reads the cross-encoder, and its probabilities decide
    margin: float  # a contradiction must beat the support by this much to block a point
    floor: float  # the least similarity a supporting unit needs
    contradicted_at: float

    def probability(self, judgement: PointJudgement, elsewhere: float) -> float:
        """Probability that a teacher credits the point."""
        inputs = Head.features(judgement, self.english, elsewhere, self.pairs)
        z = float(inputs @ np.array(self.weights))
        return float(1.0 / (1.0 + np.exp(-np.clip(z, -40, 40))))

    def verdict(self, judgement: PointJudgement, probability: float) -> str:
        """``"covered"``, ``"contradicted"`` or ``"missing"``."""
        if self.pairs:
            return self._by_pairs(judgement, probability)
        if (probability >= 0.5 and judgement.support >= self.floor
                and judgement.support > judgement.contra - self.margin):
            return "covered"
        if judgement.contra >= self.contradicted_at and judgement.contra >= judgement.support:
            return "contradicted"
        return "missing"

    def _by_pairs(self, judgement: PointJudgement, probability: float) -> str:
        """Covered when the probability is ≥ 0.5 and some unit states the point;
        contradicted when P(states it wrongly) is strong and beats P(states it)."""
        entail, refute = judgement.entail or 0.0, judgement.refute or 0.0
        if probability >= 0.5 and entail > 0:
            return "covered"
        if refute >= self.contradicted_at and refute >= entail:
            return "contradicted"
        return "missing"


@dataclass(frozen=True)
class Head:
    """The judge's logistic head and review threshold (``judge.json``). Its defaults are
    the ones written here and nowhere else."""

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
    # The English weights without the cross-encoder's inputs: used when it is switched
    # off (``SEQGRADE_QA_CROSS_ENCODER=none``) or absent.
    english_plain: tuple[float, ...] = ()
    # The other languages' weights without the probe's inputs (``probe.npz`` absent).
    other_plain: tuple[float, ...] = ()
    # The review model (issue 26): logistic weights over :func:`review_features`, and the
    # probability that the band is wrong from which a grade is flagged. Without weights,
    # a grade is flagged when its confidence is below ``review_below``.
    review_weights: tuple[float, ...] = ()
    review_at: float = 0.5

    def doubt(self, features: np.ndarray) -> float:
        """Probability that the graded band is wrong, from :func:`review_features`."""
        z = float(features @ np.array(self.review_weights))
        return float(1.0 / (1.0 + np.exp(-np.clip(z, -40, 40))))

    def needs_review(self, features: np.ndarray) -> bool:
        """Whether a grade with these :func:`review_features` goes to the instructor."""
        if not self.review_weights:
            return bool(1.0 - features[0] < self.review_below)
        return self.doubt(features) >= self.review_at

    @staticmethod
    def features(judgement: PointJudgement, english: bool, elsewhere: float = 0.0,
                 pairs: bool = False) -> np.ndarray:
        """The head's inputs (the last weight is the bias): the support, the contradiction,
        their margin, ``elsewhere`` (the strongest contradiction of another key point in
        the same answer: a teacher reads a claim next to a false one with suspicion) and,
        in English, the overlap with the rubric's words; with ``pairs``, the strongest
        probabilities that a unit states the point / states it wrongly (the
        cross-encoder's in English, the multilingual probe's in other languages) and, in
        English, the probe's as well."""
        j = judgement
        base = [j.support, j.contra, max(0.0, j.support - j.contra), elsewhere]
        if english:
            base.append(j.overlap)
        if pairs:
            entail = j.entail or 0.0
            # A sentence read as stating the point but whose words are far from every
            # statement is usually about something else.
            base += [entail, j.refute or 0.0, entail * j.support]
            if english:
                base += [j.probe_entail or 0.0, j.probe_refute or 0.0]
        return np.array(base + [1.0])

    @property
    def reads_pairs(self) -> bool:
        """Whether the English head uses the cross-encoder's probabilities."""
        return len(self.english) > PLAIN_INPUTS

    def regime(self, english: bool, judgement: PointJudgement) -> Regime:
        """The weights and rule for an answer: English read by the cross-encoder and the
        probe (when the head uses them and both were read), English without them, another
        language read by the probe, or without it."""
        entail = judgement.entail
        if not english:
            probed = len(self.other) > OTHER_PLAIN_INPUTS and entail is not None
            plain = self.other_plain or self.other[:OTHER_PLAIN_INPUTS - 1] + self.other[-1:]
            return Regime(self.other if probed else plain, False, probed, self.other_margin,
                          self.other_floor, self.contradicted_at)
        pairs = (self.reads_pairs and entail is not None
                 and judgement.probe_entail is not None)
        plain = self.english_plain or self.english[:PLAIN_INPUTS - 1] + self.english[-1:]
        return Regime(self.english if pairs else plain, True, pairs, self.english_margin,
                      self.english_floor, self.contradicted_at)

    def probability(self, judgement: PointJudgement, english: bool,
                    elsewhere: float = 0.0) -> float:
        """Probability that a teacher credits the point."""
        return self.regime(english, judgement).probability(judgement, elsewhere)


def load_head(path: Path | None = None) -> Head:
    """The committed head (``judge.json``, written by ``bench/bench_qa.py --tune``: a
    trained artefact, hence JSON), loaded strictly: every field of :class:`Head` must be
    there with a number (a list of numbers for the weights), and nothing else but
    ``_comment``."""
    path = path or HEAD_FILE
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ThresholdsError(f"cannot read the qa head {path}: {error}") from None
    if not isinstance(data, dict):
        raise ThresholdsError(f"{path}: expected an object")
    data.pop("_comment", None)
    hints = get_type_hints(Head)
    missing = sorted({f.name for f in fields(Head)} - set(data))
    unknown = sorted(set(data) - set(hints))
    if missing or unknown:
        raise ThresholdsError(f"{path}: missing keys {missing}, unknown keys {unknown}")
    return Head(**{name: _numbers(path, name, value, hints[name] is not float)
                   for name, value in data.items()})


def _numbers(path: Path, name: str, value: Any, many: bool) -> float | tuple[float, ...]:
    """``value`` as a float, or a tuple of floats when ``many``; else an error."""
    items = value if many and isinstance(value, list) else [value]
    if (many and not isinstance(value, list)) or any(
            isinstance(v, bool) or not isinstance(v, int | float) for v in items):
        wanted = "a list of numbers" if many else "a number"
        raise ThresholdsError(f"{path}: {name} must be {wanted}")
    return tuple(float(v) for v in items) if many else float(value)


def verdict(judgement: PointJudgement, probability: float, head: Head,
            english: bool = True) -> str:
    """``"covered"``, ``"contradicted"`` or ``"missing"`` (the head's :class:`Regime`)."""
    return head.regime(english, judgement).verdict(judgement, probability)


def elsewhere(reading: Reading, point_id: str) -> float:
    """The strongest contradiction (beating its support) of another point of the answer."""
    return max((j.contra for j in reading.points
                if j.point.id != point_id and j.contra > j.support), default=0.0)


@dataclass(frozen=True)
class Reading:
    """The judge's reading of one answer."""

    language: str
    units: tuple[str, ...]
    points: tuple[PointJudgement, ...]
    notes: tuple[str, ...] = ()


# ---------------------------------------------------------- 1, 2. language, terse notes


def prepare(question: Question, text: str) -> tuple[str, str, bool]:
    """Stages 1 and 2: (language, the text to read, whether it was cut at MAX_WORDS). The
    text is normalised (case folded, markup gone), cut, and its terse notes spelled out."""
    language = languages.detect_language(text)
    kind = encoder_class(language)
    normalized, cut = qa_text.truncate_words(qa_text.normalize(kind.protect(text)))
    return language, kind.spell_out(normalized, question.id), cut


# --------------------------------------------------------------------------- 3. units


@dataclass(frozen=True)
class Units:
    """An answer's units, their vectors, which may count, and their frames (negation and
    roles, each clause inheriting its sentence's)."""

    texts: list[str]
    vectors: np.ndarray
    eligible: list[bool]
    frames: list[languages.Frame]
    notes: tuple[str, ...]


def cut_units(question: Question, text: str, encoder: Encoder) -> Units | None:
    """Stage 3: the units of the prepared ``text`` (None when it has none)."""
    texts = encoder.units(text)
    if not texts:
        return None
    vectors = encoder.embed(texts)
    eligible = encoder.eligible(question, texts, vectors)
    frames = [languages.frame(u, question.id, encoder.language) for u in texts]
    return Units(texts, vectors, eligible, _inherit(texts, frames), encoder.notes(eligible))


def _inherit(units: list[str], frames: list[languages.Frame]) -> list[languages.Frame]:
    """Each clause takes the roles its sentence names and it leaves open."""
    out = []
    for i, unit in enumerate(units):
        parents = [f for v, f in zip(units, frames, strict=True)
                   if len(v) > len(unit) and unit in v]
        if parents:
            out.append(frames[i].inherit(max(parents, key=lambda f: f.named)))
        else:
            out.append(frames[i])
    return out


# ------------------------------------------------------ 4. reading a unit with a statement


@lru_cache(maxsize=256)
def statements(question: Question,
               point_id: str) -> tuple[tuple[str, ...], tuple[languages.Frame, ...]]:
    """The point's statements, normalised, and their frames."""
    point = next(p for p in question.points if p.id == point_id)
    texts = tuple(qa_text.normalize(s) for s in question.statements_for(point))
    return texts, tuple(languages.frame(t, question.id, "en") for t in texts)


class Vote(NamedTuple):
    """One unit read with one point's statements."""

    support: float  # the best agreeing similarity, when the agreeing votes win
    contra: float  # the best contradicting similarity, when they lose
    verbatim: bool  # the rubric's own sentence (a reference answer)
    nearest: float  # the similarity of the nearest statement


def _vote(sims: np.ndarray, unit: languages.Frame,
          frames: tuple[languages.Frame, ...]) -> Vote:
    """The :data:`TOP` statements most similar to the unit vote, the nearest most: one
    *agrees* when the reversals between it and the unit are even, *contradicts* when odd."""
    order = np.argsort(-sims, kind="stable")[:TOP]
    nearest = float(sims[order[0]])
    agree = disagree = best_agree = best_disagree = best_neutral = 0.0
    for j in order:
        sim = float(sims[j])
        vote = float(np.exp((sim - nearest) / VOTE_TEMPERATURE))
        flips = languages.reversals(unit, frames[j])
        if flips == 1 and frames[j].negated and not unit.negated:
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
        return Vote(best_agree, 0.0, nearest >= VERBATIM, nearest)
    return Vote(0.0, best_disagree, False, nearest)


def _stripped_opposite(vector: np.ndarray, s_vectors: np.ndarray, unit: languages.Frame,
                       frames: tuple[languages.Frame, ...], nearest: float) -> float:
    """A negated unit read without its negation: the similarity of the positive statement
    it is then closer to (by :data:`STRIP_MARGIN`) than to any statement as it stands, or
    0. "attention does not help with long sentences" states the opposite of "attention
    helps with long sentences" even if its words sit close to "no longer depends on one
    vector"."""
    sims = vector @ s_vectors.T
    top = int(np.argmax(sims))
    if (not frames[top].negated
            and languages.reversals(languages.Frame(False, unit.sides), frames[top]) % 2 == 0
            and float(sims[top]) > nearest + STRIP_MARGIN):
        return float(sims[top])
    return 0.0


def _without_negation(units: Units, encoder: Encoder) -> dict[int, np.ndarray]:
    """Vectors of the eligible negated units with their negation removed, by unit index."""
    negated = [i for i in range(len(units.texts)) if units.eligible[i] and units.frames[i].negated]
    if not negated:
        return {}
    vectors = encoder.embed([languages.strip_negation(units.texts[i], encoder.language)
                             for i in negated])
    return {i: vectors[n] for n, i in enumerate(negated)}


@dataclass
class Evidence:
    """What the units say about each point, ``(points, units)``: support, contradiction,
    closeness (a unit's best raw similarity to the point), whether it is the rubric's own
    sentence, whether it names the point's concept, and which pairs the cross-encoder
    reads; ``sims``: per point, the units' similarities to its statements."""

    support: np.ndarray
    contra: np.ndarray
    closeness: np.ndarray
    verbatim: np.ndarray
    named: np.ndarray
    readable: np.ndarray
    sims: list[np.ndarray] = field(default_factory=list)

    @classmethod
    def empty(cls, points: int, units: int) -> Evidence:
        """No evidence yet."""
        zeros = np.zeros((points, units))
        flags = np.zeros((points, units), bool)
        return cls(zeros, zeros.copy(), zeros.copy(), flags, flags.copy(), flags.copy())

    def settle(self, units: list[str], slack: float) -> None:
        """The rules that weigh units against each other, in order: a unit holding a
        contradicting part (a false clause) is evidence for nothing; the rubric's own
        sentence covers its point with its closeness and leaves no contradiction of it; a
        unit speaks only to the points within ``slack`` of its closest."""
        false_parts = self.contra.max(axis=0) > 0
        for i, unit in enumerate(units):
            if any(false_parts[j] and j != i and len(v) < len(unit) and v in unit
                   for j, v in enumerate(units)):
                self.support[:, i] = 0.0
        self.support = np.where(self.verbatim, self.closeness, self.support)
        self.contra = np.where(self.verbatim.any(axis=1, keepdims=True), 0.0, self.contra)
        allowed = self.closeness >= self.closeness.max(axis=0, keepdims=True) - slack
        self.support = np.where(allowed, self.support, 0.0)
        self.contra = np.where(allowed, self.contra, 0.0)
        # The cross-encoder reads only the units that could support the point.
        self.readable = self.named & allowed


def read_statements(question: Question, units: Units, encoder: Encoder) -> Evidence:
    """Stage 4: each eligible unit that names a point's concept, read with the point's
    statements (:func:`_vote`, then :func:`_stripped_opposite` for a negated unit)."""
    stripped = _without_negation(units, encoder)
    evidence = Evidence.empty(len(question.points), len(units.texts))
    for k, point in enumerate(question.points):
        texts, frames = statements(question, point.id)
        s_vectors = encoder.embed_statements(list(texts))
        sims = units.vectors @ s_vectors.T
        evidence.sims.append(sims)
        evidence.closeness[k] = sims.max(axis=1)
        patterns = encoder.requires(question, point)
        for i, unit in enumerate(units.texts):
            if not units.eligible[i] or not all(p.search(unit) for p in patterns):
                continue
            evidence.named[k, i] = True
            vote = _vote(sims[i], units.frames[i], frames)
            evidence.support[k, i], evidence.contra[k, i] = vote.support, vote.contra
            evidence.verbatim[k, i] = vote.verbatim
            if i in stripped and vote.support > 0:
                opposite = _stripped_opposite(stripped[i], s_vectors, units.frames[i],
                                              frames, vote.nearest)
                if opposite:
                    evidence.support[k, i] = 0.0
                    evidence.contra[k, i] = max(vote.contra, opposite)
    evidence.settle(units.texts, encoder.exclusive_slack(load_head().exclusive_slack))
    return evidence


# --------------------------------------------------------------------------- 5. cross-encoder


def read_pairs(model: crossencoder.CrossEncoder, question: Question, units: list[str],
               evidence: Evidence) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stage 5: the cross-encoder's P(entail) and P(contradict), ``(points, units)``, zero
    where ``evidence.readable[k, i]`` is False, and the best P(entail) of the unit's
    role-exchanged rewrites (zero where none was read).

    Unit ``i`` is read with the :data:`PARTNERS` statements of point ``k`` nearest to it
    (averaged), and so is each rewrite of it with one role pair exchanged
    (:func:`.languages.role_exchanges`). A sentence with its roles the wrong way round
    often still reads as stating the point, but its exchanged rewrite (the right way round)
    reads as stating it *better*: by that much its P(entail) is lowered.

    The judge uses only each point's best P(entail) and the unit that has it, and lowering
    never raises a value: so the rewrites are read for the units in decreasing P(entail)
    only until the next unit's P(entail) is below the best lowered one. The best value and
    its unit are exactly those of reading every rewrite; a unit left unread keeps its
    P(entail), below the best.
    """
    readable = [(int(k), int(i)) for k, i in zip(*np.nonzero(evidence.readable), strict=True)]
    originals = [(k, i, units[i]) for k, i in readable]
    mean = _mean_probabilities(model, question, originals, evidence.sims)
    entail = np.zeros(evidence.readable.shape)
    refute = np.zeros_like(entail)
    for n, (k, i) in enumerate(readable):
        entail[k, i] = mean[n, crossencoder.ENTAIL]
        refute[k, i] = mean[n, crossencoder.CONTRADICT]
    twin = np.zeros_like(entail)
    if not model.has_read(_pairs_of(question, originals, evidence.sims)):
        return entail, refute, twin  # collecting the originals: rewrites come next round
    for k in range(len(question.points)):
        best = 0.0
        for i in sorted(np.nonzero(evidence.readable[k])[0], key=lambda i: -entail[k, i]):
            if entail[k, i] < best:
                break
            rewrites = [(k, int(i), v) for v in languages.role_exchanges(units[i], question.id)]
            if rewrites:
                exchanged = float(_mean_probabilities(model, question, rewrites,
                                                      evidence.sims)[:, crossencoder.ENTAIL].max())
                twin[k, i] = exchanged
                entail[k, i] = min(1.0, max(0.0, entail[k, i]
                                            - max(0.0, exchanged - entail[k, i])))
            best = max(best, float(entail[k, i]))
    return entail, refute, twin


def _pairs_of(question: Question, variants: list[tuple[int, int, str]],
              sims: list[np.ndarray]) -> list[tuple[str, str]]:
    """The (statement, text) pairs that read each variant ``(point k, unit i, text)``:
    the point's :data:`PARTNERS` statements nearest to unit ``i``."""
    pairs = []
    for k, i, text in variants:
        texts, _ = statements(question, question.points[k].id)
        pairs += [(texts[int(j)], text)
                  for j in np.argsort(-sims[k][i], kind="stable")[:PARTNERS]]
    return pairs


def _mean_probabilities(model: crossencoder.CrossEncoder, question: Question,
                        variants: list[tuple[int, int, str]],
                        sims: list[np.ndarray]) -> np.ndarray:
    """Each variant ``(point k, unit i, text)`` read with the point's :data:`PARTNERS`
    statements nearest to unit ``i``: the mean probabilities, ``(n, 3)``."""
    per_variant = [_pairs_of(question, [variant], sims) for variant in variants]
    owners = np.repeat(np.arange(len(variants)), [len(p) for p in per_variant])
    rows = model.probabilities([pair for pairs in per_variant for pair in pairs])
    mean = np.zeros((len(variants), 3))
    np.add.at(mean, owners, rows)
    counts = np.bincount(owners, minlength=len(variants))
    return mean / np.maximum(counts, 1)[:, None]


def read_claims(reader: probe.Probe | None, question: Question, units: Units,
                evidence: Evidence, encoder: Encoder
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Stage 5 with the multilingual probe (the claims of another language; in English,
    read beside the cross-encoder): P(states the point) and P(states it wrongly),
    ``(points, units)``, zero where ``evidence.readable[k, i]`` is False (and no
    role-exchanged rewrite: zeros); None without a probe."""
    if reader is None:
        return None
    entail = np.zeros(evidence.readable.shape)
    refute = np.zeros_like(entail)
    vectors = encoder.claim_vectors(units.texts, units.vectors,
                                    np.nonzero(evidence.readable.any(axis=0))[0])
    for k, point in enumerate(question.points):
        rows = reader.probabilities(vectors, point.id)
        entail[k] = np.where(evidence.readable[k], rows[:, probe.ENTAIL], 0.0)
        refute[k] = np.where(evidence.readable[k], rows[:, probe.CONTRADICT], 0.0)
    _read_clauses_in_their_sentence(units.texts, entail, refute)
    return entail, refute, np.zeros_like(entail)


def _read_clauses_in_their_sentence(texts: list[str], entail: np.ndarray,
                                    refute: np.ndarray) -> None:
    """A clause of a sentence that the probe reads as stating a point wrongly states that
    point no better than its sentence ("… and only at inference" is not a statement that
    sampled softmax is for training when the sentence says it is for small vocabularies
    at inference). ``entail`` is lowered in place."""
    for i, text in enumerate(texts):
        sentences = [p for p, parent in enumerate(texts)
                     if len(parent) > len(text) and text in parent and ". " not in parent]
        if not sentences:
            continue
        s = max(sentences, key=lambda p: len(texts[p]))
        wrong = refute[:, s] > entail[:, s]
        entail[:, i] = np.where(wrong, np.minimum(entail[:, i], entail[:, s]), entail[:, i])


# --------------------------------------------------------------------------- 6. the head's inputs


def judge_points(question: Question, units: list[str], evidence: Evidence,
                 pairs: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
                 encoder: Encoder,
                 claims: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
                 ) -> tuple[PointJudgement, ...]:
    """Stage 6's inputs per point: the best support, the strongest contradiction, the
    supporting unit's overlap with the rubric and the cross-encoder's best P(states the
    point) and P(states it wrongly), with the units that decided them."""
    points = []
    for k, point in enumerate(question.points):
        i, j = int(np.argmax(evidence.support[k])), int(np.argmax(evidence.contra[k]))
        s, c = round(float(evidence.support[k, i]), 4), round(float(evidence.contra[k, j]), 4)
        found, against = units[i] if s > 0 else None, units[j] if c > 0 else None
        e = r = t = None
        if pairs is not None:
            entail, refute, twin = pairs
            e, r = round(float(entail[k].max()), 4), round(float(refute[k].max()), 4)
            t = round(float(twin[k, int(np.argmax(entail[k]))]), 4)
            found = units[int(np.argmax(entail[k]))] if e > 0 else found
            against = units[int(np.argmax(refute[k]))] if r > 0 else against
        pe = pr = None
        if claims is not None:
            pe, pr = round(float(claims[0][k].max()), 4), round(float(claims[1][k].max()), 4)
        points.append(PointJudgement(point, s, c, encoder.overlap(units[i], question)
                                     if s > 0 else 1.0, found, against, e, r, t, pe, pr))
    return tuple(points)


# --------------------------------------------------------------------------- the stages in order


def read(question: Question, text: str, embedder: Embedder,
         is_salad: Callable[[str], bool],
         is_copy: Callable[[str, np.ndarray, np.ndarray], bool], *,
         multilingual: bool = False) -> Reading:
    """Judge every key point of ``question`` against the answer ``text``: the stages of
    ``docs/QA.md`` in order.

    ``is_salad(unit)`` and ``is_copy(unit, vector, question_vectors)`` are the eligibility
    tests of :mod:`.scoring` (English units only). ``multilingual`` reads an answer of any
    language as the other languages are read (the head of the other languages learns from
    English answers read this way too: ``bench/bench_qa.py``)."""
    language, prepared, cut = prepare(question, text)  # 1, 2
    encoder = (Multilingual(language) if multilingual
               else encoder_for(language, embedder, is_salad, is_copy))
    notes = (f"Only the first {qa_text.MAX_WORDS} words were graded.",) if cut else ()
    units = cut_units(question, prepared, encoder)  # 3
    if units is None:
        empty = tuple(PointJudgement(p, 0.0, 0.0, 1.0, None, None) for p in question.points)
        return Reading(language, (), empty, notes)
    evidence = read_statements(question, units, encoder)  # 4
    model, reader = encoder.cross_encoder(), encoder.claim_reader()  # 5
    pairs = claims = None
    if encoder.claims_alone:
        pairs = read_claims(reader, question, units, evidence, encoder)
    elif model is not None and reader is not None:  # English reads both, or neither
        pairs = read_pairs(model, question, units.texts, evidence)
        claims = read_claims(reader, question, units, evidence, encoder)
    points = judge_points(question, units.texts, evidence, pairs, encoder, claims)  # 6
    return Reading(language, tuple(units.texts), points, notes + units.notes)


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
        language, prepared, _ = prepare(question, text)
        if encoder_class(language) is English:
            texts += qa_text.units(prepared)
            texts += qa_text.sentences(qa_text.normalize(question.text))
    if texts:
        embedder.embed(texts)


# --------------------------------------------------------------------------- confidence


REVIEW_INPUTS = ("doubt", "other_language", "refute", "refute_covered", "undecided",
                 "near_boundary", "top", "top_refute", "elsewhere", "top_other_language",
                 "roles_unread", "top_roles_unread", "bias")


def review_features(reading: Reading, probabilities: list[float], covered: list[bool],
                    confidence: float, score: float) -> np.ndarray:
    """What the review model reads (:data:`REVIEW_INPUTS`): how unsure the head is (one
    minus the band's confidence; the point nearest to a coin toss), whether the answer was
    read in another language, the strongest P(states it wrongly) over the points and over
    the covered points, how near the score lies to a band boundary, whether the band is
    the top one (where a wrong claim read as right costs most), the strongest
    contradiction of a point beating its support, and how well a covered point's deciding
    sentence still reads with its roles exchanged."""
    refutes = [j.refute or 0.0 for j in reading.points]
    covered_refute = max((r for r, c in zip(refutes, covered, strict=True) if c), default=0.0)
    undecided = max((1.0 - abs(2.0 * p - 1.0) for p in probabilities), default=0.0)
    boundary = min(abs(score - BANDS[0]), abs(score - BANDS[1]))
    top = float(band(score) == 2)
    other = float(reading.language != "en")
    strongest = max(refutes, default=0.0)
    contra = max((j.contra for j in reading.points if j.contra > j.support), default=0.0)
    # A covered point whose deciding sentence reads as well with its roles exchanged: the
    # grade rests on a role order the judge cannot read.
    unread = max((min(j.twin or 0.0, j.entail or 0.0) for j, c in
                  zip(reading.points, covered, strict=True) if c), default=0.0)
    return np.array([1.0 - confidence, other, strongest, covered_refute, undecided,
                     max(0.0, 1.0 - boundary / 5.0), top, top * strongest, contra,
                     top * other, unread, top * unread, 1.0])


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
