"""An experiment, not part of the grader (see docs/QA.md): a pair head that reads one
English answer unit together with one key point and gives the probability that the unit
*states* the point and the probability that it states the *opposite* (issue 13:
entailment, not similarity).

Inputs (:func:`features`): the unit's MiniLM vector ``u`` and the vector ``v`` of the
point's statement nearest to it, as ``[u * v, |u - v|]`` (the classic sentence-pair
features), plus the nearest and mean top-3 similarity, the share of the top-3 statements
that agree / disagree with the unit by reversal parity (``languages.reversals`` of the qa grader:
negation on one side, roles exchanged), and whether the unit and its nearest statement are
negated. Two logistic models over those standardised features (``pair_head.json``, a few
thousand numbers) are trained by ``python bench/qa/train_pair_head.py`` (seeded) on
key-point / sentence pairs generated from the rubric — paraphrases and terse rewrites as
positives; negations, role swaps, wrong mechanisms and other points' statements as hard
negatives — never on labelled answers of the held-out or fresh splits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from checkers.exercises.qa import languages

PAIR_HEAD_FILE = Path(__file__).with_name("pair_head.json")  # written by the trainer, not shipped
TOP = 3
VOTE_TEMPERATURE = 0.02
N_SCALARS = 7


def features(unit_vec: np.ndarray, unit_frame: languages.Frame, s_vectors: np.ndarray,
             s_frames: tuple[languages.Frame, ...] | list[languages.Frame],
             sims: np.ndarray) -> np.ndarray:
    """Features of (unit, point): ``sims`` are the unit's similarities to the point's
    statements (``s_vectors``, ``s_frames``); a statement with similarity ``-inf`` is left
    out (the generator's leave-one-out)."""
    order = [int(j) for j in np.argsort(-sims, kind="stable")[:TOP] if np.isfinite(sims[j])]
    nearest = float(sims[order[0]])
    agree = disagree = 0.0
    for j in order:
        vote = float(np.exp((float(sims[j]) - nearest) / VOTE_TEMPERATURE))
        flips = languages.reversals(unit_frame, s_frames[j])
        if flips == 1 and s_frames[j].negated and not unit_frame.negated:
            continue  # a negated rubric phrasing paraphrases (see judge.py)
        if flips % 2:
            disagree += vote
        else:
            agree += vote
    total = agree + disagree or 1.0
    v = s_vectors[order[0]]
    scalars = [nearest, float(np.mean([sims[j] for j in order])), agree / total,
               disagree / total, float(unit_frame.negated), float(s_frames[order[0]].negated),
               float(languages.reversals(unit_frame, s_frames[order[0]]) % 2)]
    return np.concatenate([unit_vec * v, np.abs(unit_vec - v), np.array(scalars)])


@dataclass(frozen=True)
class PairHead:
    """Standardisation and the two logistic models (last weight: bias)."""

    mean: np.ndarray
    scale: np.ndarray
    entail: np.ndarray
    contra: np.ndarray

    def probabilities(self, x: np.ndarray) -> tuple[float, float]:
        """(P(unit states the point), P(unit states its opposite)) for features ``x``."""
        z = np.append((x - self.mean) / self.scale, 1.0)
        pe = 1.0 / (1.0 + np.exp(-np.clip(float(z @ self.entail), -40, 40)))
        pc = 1.0 / (1.0 + np.exp(-np.clip(float(z @ self.contra), -40, 40)))
        return float(pe), float(pc)


@lru_cache(maxsize=2)
def load_pair_head(path: Path | None = None) -> PairHead | None:
    """The committed pair head, or None when there is none (the judge then reads as before)."""
    path = path or PAIR_HEAD_FILE
    if not path.is_file():
        return None
    data = json.loads(path.read_text())
    return PairHead(*(np.array(data[k], dtype=np.float64)
                      for k in ("mean", "scale", "entail", "contra")))
