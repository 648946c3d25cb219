"""Stage 1 of the judge (``docs/QA.md``, "Language"): one encoder per language.

An answer's language (:func:`.languages.detect_language`) picks its encoder
(:func:`encoder_for`): :class:`English` reads with all-MiniLM-L6-v2 (:mod:`.embed`), spells
out terse notes (:mod:`.terse`), applies the eligibility tests of :mod:`.scoring` and the
rubric's ``require`` patterns, and asks the cross-encoder (:mod:`.crossencoder`);
:class:`Multilingual` reads Chinese, Hebrew, Bulgarian and Swedish with multilingual e5
(:mod:`.multilingual`) against the same English statements. Everything the judge does
differently by language is a method here; :mod:`.judge` has no language branch.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from functools import cache, lru_cache

import numpy as np

from checkers.exercises.qa import crossencoder, languages, multilingual, probe, terse
from checkers.exercises.qa import text as qa_text
from checkers.exercises.qa.embed import Embedder, embed_fixed
from checkers.exercises.qa.keypoints import QUESTION_BY_ID, KeyPoint, Question

COPY_SIMILARITY = 0.95  # across languages, a unit this close to the question copies it


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


class Encoder:
    """How the answers of one language are read. What every language gets is written
    here; :class:`English` adds what only English has (terse notes, the rubric's
    ``require`` patterns, the cross-encoder, the overlap with the rubric's words)."""

    # Whether the probe reads this language's claims on its own (no cross-encoder beside it).
    claims_alone = False

    def __init__(self, language: str) -> None:
        """An encoder for answers in ``language`` (a code of :data:`.languages.LANGUAGES`)."""
        self.language = language

    @staticmethod
    def protect(text: str) -> str:
        """The raw answer before normalisation (English keeps its ``<eos>``-like tags)."""
        return text

    @staticmethod
    def spell_out(text: str, question_id: str) -> str:
        """The normalised answer with its terse notes spelled out (English only)."""
        return text

    def units(self, text: str) -> list[str]:
        """The units of a normalised answer."""
        raise NotImplementedError

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-norm vectors of ``texts``."""
        raise NotImplementedError

    def embed_statements(self, texts: list[str]) -> np.ndarray:
        """Unit-norm vectors of a point's statements (kept in the disk cache)."""
        raise NotImplementedError

    def eligible(self, question: Question, units: list[str], vectors: np.ndarray) -> list[bool]:
        """Which units may count."""
        raise NotImplementedError

    def notes(self, eligible: list[bool]) -> tuple[str, ...]:
        """What the feedback says about the units' eligibility."""
        return ()

    def requires(self, question: Question, point: KeyPoint) -> tuple[re.Pattern[str], ...]:
        """The patterns a unit must match to speak to ``point`` (the rubric's are English)."""
        return ()

    def exclusive_slack(self, slack: float) -> float:
        """How far below its closest point's similarity a unit still speaks to a point,
        given the head's ``slack`` (across languages similarities are flat: only the
        closest point counts)."""
        return 0.0

    def cross_encoder(self) -> crossencoder.CrossEncoder | None:
        """The cross-encoder that reads (statement, unit) pairs, if any (English only)."""
        return None

    def overlap(self, unit: str, question: Question) -> float:
        """The head's overlap input for the supporting unit (English only)."""
        return 1.0

    def claim_reader(self) -> probe.Probe | None:
        """The multilingual probe (:mod:`.probe`): states / states wrongly / neither, read
        from the e5 vector of a unit (None when absent, or switched off with
        ``SEQGRADE_QA_PROBE=none``)."""
        if os.environ.get("SEQGRADE_QA_PROBE", "").strip().lower() == "none":
            return None
        return probe.load()

    def claim_vectors(self, texts: list[str], vectors: np.ndarray,
                      needed: np.ndarray) -> np.ndarray:
        """The e5 vectors the probe reads, for the units ``needed`` (indices; the other
        rows are left at zero): the units' own vectors here."""
        return vectors


class Multilingual(Encoder):
    """Reads an answer in Chinese, Hebrew, Bulgarian or Swedish: multilingual e5 vectors
    compared with the English statements, and its claims read by the probe."""

    claims_alone = True

    def units(self, text: str) -> list[str]:
        """Sentences, clauses and adjacent pairs (Chinese and Hebrew punctuation too)."""
        return languages.units_any_language(text)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Multilingual e5 vectors of ``texts``."""
        return multilingual.embed(texts)

    def embed_statements(self, texts: list[str]) -> np.ndarray:
        """Multilingual e5 vectors of a point's statements (kept in the disk cache)."""
        return multilingual.embed_fixed(texts)

    def eligible(self, question: Question, units: list[str], vectors: np.ndarray) -> list[bool]:
        """Units that do not copy the question back."""
        question_vector = multilingual.embed([qa_text.normalize(question.text)])[0]
        return [float(question_vector @ vectors[i]) < COPY_SIMILARITY for i in range(len(units))]



class English(Encoder):
    """Reads an English answer: terse notes spelled out, MiniLM vectors, the eligibility
    tests of :mod:`.scoring`, the rubric's ``require`` patterns and the cross-encoder."""

    def __init__(self, embedder: Embedder, is_salad: Callable[[str], bool],
                 is_copy: Callable[[str, np.ndarray, np.ndarray], bool]) -> None:
        """``is_salad(unit)`` and ``is_copy(unit, vector, question_vectors)``: the
        eligibility tests of :mod:`.scoring`."""
        super().__init__("en")
        self.embedder = embedder
        self.is_salad = is_salad
        self.is_copy = is_copy

    protect = staticmethod(terse.protect_tags)
    spell_out = staticmethod(terse.expand)

    def units(self, text: str) -> list[str]:
        """Sentences, clauses and adjacent pairs (:func:`.text.units`)."""
        return qa_text.units(text)

    def embed(self, texts: list[str]) -> np.ndarray:
        """MiniLM vectors of ``texts``."""
        return self.embedder.embed(texts)

    def embed_statements(self, texts: list[str]) -> np.ndarray:
        """MiniLM vectors of a point's statements (kept in the disk cache)."""
        return embed_fixed(self.embedder, texts)

    def eligible(self, question: Question, units: list[str], vectors: np.ndarray) -> list[bool]:
        """Units that read like a statement and do not copy the question back."""
        question_vectors = self.embed(qa_text.sentences(qa_text.normalize(question.text)))
        return [not self.is_salad(u) and not self.is_copy(u, vectors[i], question_vectors)
                for i, u in enumerate(units)]

    def notes(self, eligible: list[bool]) -> tuple[str, ...]:
        """A note when no unit was eligible (the question copied back)."""
        if any(eligible):
            return ()
        return ("Repeating the question earns no credit: answer it in your own words.",)

    def requires(self, question: Question, point: KeyPoint) -> tuple[re.Pattern[str], ...]:
        """The point's ``require`` patterns: a unit must name its concept."""
        return required(question.id, point.id)

    def exclusive_slack(self, slack: float) -> float:
        """A unit speaks to every point within the head's ``slack`` of its closest."""
        return slack

    def cross_encoder(self) -> crossencoder.CrossEncoder | None:
        """The committed cross-encoder on the embedder's model (None when switched off)."""
        return crossencoder.load(model_path=self.embedder.model_path)

    def overlap(self, unit: str, question: Question) -> float:
        """Share of the unit's content words that the rubric uses (:func:`overlap`)."""
        return round(overlap(unit, question), 4)

    def claim_vectors(self, texts: list[str], vectors: np.ndarray,
                      needed: np.ndarray) -> np.ndarray:
        """Multilingual e5 vectors of the units ``needed`` (the MiniLM vectors of an
        English answer are not the probe's); the other rows are zero."""
        out = np.zeros((len(texts), multilingual.DIM), np.float32)
        if len(needed):
            out[needed] = multilingual.embed([texts[int(i)] for i in needed])
        return out


def encoder_class(language: str) -> type[Encoder]:
    """The encoder that reads answers in ``language``."""
    return English if language == "en" else Multilingual


def encoder_for(language: str, embedder: Embedder, is_salad: Callable[[str], bool],
                is_copy: Callable[[str, np.ndarray, np.ndarray], bool]) -> Encoder:
    """Stage 1: the encoder for an answer in ``language``."""
    if encoder_class(language) is English:
        return English(embedder, is_salad, is_copy)
    return Multilingual(language)
