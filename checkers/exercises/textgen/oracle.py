"""Oracles of the ``textgen`` exercise, written from the definitions (not from ``solutions/``).

- vocabulary: sorted distinct characters; StringLookup ids (``[UNK]`` = 0, ``vocab[i]`` ->
  ``i + 1``); id 0 decodes to nothing;
- Foster's ``pad_punctuation``: a space on each side of every ASCII punctuation mark
  (``string.punctuation``), then runs of spaces collapsed to one;
- the sampling distribution: ``softmax(logits / T)`` restricted to the allowed ids;
- small statistics helpers (chi-square with pooled small cells, entropy).
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Sequence

import numpy as np
from scipy import stats

PUNCTUATION = frozenset(string.punctuation)


def vocab(text: str) -> list[str]:
    """Sorted distinct characters of ``text``."""
    return sorted(set(text))


def text_to_ids(text: str, chars: Sequence[str]) -> list[int]:
    """StringLookup semantics: ``chars[i]`` -> ``i + 1``, anything else -> 0."""
    table = {c: i + 1 for i, c in enumerate(chars)}
    return [table.get(c, 0) for c in text]


def ids_to_text(ids: Iterable[int], chars: Sequence[str]) -> str:
    """Inverse of :func:`text_to_ids`; id 0 decodes to the empty string."""
    return "".join(chars[i - 1] for i in ids if i != 0)


def pad_punctuation(s: str) -> str:
    """Foster's padding, written character by character (no regular expression)."""
    pieces = [f" {c} " if c in PUNCTUATION else c for c in s]
    out: list[str] = []
    for c in "".join(pieces):
        if c == " " and out and out[-1] == " ":
            continue
        out.append(c)
    return "".join(out)


def isolated_marks_problem(s: str) -> str | None:
    """Why some punctuation mark of ``s`` does not stand alone (None when all do).

    A mark stands alone when each neighbour is a space or the end of the string.
    """
    for i, c in enumerate(s):
        if c not in PUNCTUATION:
            continue
        before = s[i - 1] if i > 0 else " "
        after = s[i + 1] if i + 1 < len(s) else " "
        if before != " " or after != " ":
            return f"the mark {c!r} at index {i} touches {before + c + after!r}"
    return None


def sampling_probs(logits: Sequence[float], temperature: float,
                   banned_ids: Iterable[int] = (0,)) -> np.ndarray:
    """``softmax(logits / temperature)`` with banned ids at probability 0 (float64)."""
    scaled = np.asarray(logits, dtype=np.float64) / temperature
    allowed = np.ones(len(scaled), dtype=bool)
    allowed[list(banned_ids)] = False
    scaled = np.where(allowed, scaled, -np.inf)
    scaled = scaled - scaled[allowed].max()
    probs = np.exp(scaled)
    return probs / probs.sum()


def chi_square_p(counts: Sequence[int], probs: Sequence[float], min_expected: float = 5.0
                 ) -> float:
    """Chi-square goodness-of-fit p-value; cells expecting fewer than ``min_expected`` pooled.

    A draw in a cell of probability 0 gives p = 0.
    """
    counts = np.asarray(counts, dtype=np.float64)
    probs = np.asarray(probs, dtype=np.float64)
    if np.any(counts[probs == 0] > 0):
        return 0.0
    keep = probs > 0
    counts, probs = counts[keep], probs[keep]
    expected = probs * counts.sum()
    big = expected >= min_expected
    obs = list(counts[big]) + ([counts[~big].sum()] if (~big).any() else [])
    exp = list(expected[big]) + ([expected[~big].sum()] if (~big).any() else [])
    if len(obs) < 2:
        return 1.0
    return float(stats.chisquare(obs, exp).pvalue)


def entropy(probs: Sequence[float]) -> float:
    """Shannon entropy in nats."""
    p = np.asarray(probs, dtype=np.float64)
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())
