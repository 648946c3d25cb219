"""Oracles of the ``wordgen`` exercise, written from the definitions (not from ``solutions/``).

- Foster's tokens: lower-case, a space around every ASCII punctuation mark (Foster's
  padding, :mod:`checkers.authoring.punctuation`, shared with textgen), split on whitespace;
- the ``TextVectorization`` vocabulary: ``""`` (0), ``"[UNK]"`` (1), then tokens by
  descending count, equal counts ordered by *descending* UTF-8 bytes (Keras sorts
  ``(count, token)`` with ``np.lexsort`` and reverses), cut at ``max_tokens``;
- Foster's temperature: ``p ** (1 / T)`` renormalised, computed in log space;
- the replay of one ``rng.choice(n, p=p)`` draw (NumPy: one uniform, searched in the
  normalised cumulative sum).

The chi-square test of draw counts is :mod:`checkers.authoring.statistics`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from checkers.authoring import isolated_marks_problem, pad_punctuation

__all__ = ["PAD", "UNK", "draw_window", "ids_to_text", "isolated_marks_problem",
           "pad_punctuation", "temperature_probs", "text_to_ids", "tokenize", "vocab"]

PAD, UNK = "", "[UNK]"


def tokenize(text: str) -> list[str]:
    """Lower-case, pad punctuation, split on whitespace."""
    return pad_punctuation(text.lower()).split()


def vocab(texts: Iterable[str], max_tokens: int) -> list[str]:
    """The ``TextVectorization`` vocabulary of ``texts`` (see the module docstring)."""
    counts = Counter(t for text in texts for t in tokenize(text) if t not in (PAD, UNK))
    by_bytes = sorted(counts, key=lambda t: t.encode("utf-8"), reverse=True)
    ranked = sorted(by_bytes, key=lambda t: -counts[t])  # stable: ties keep the byte order
    return [PAD, UNK, *ranked][:max_tokens] if max_tokens >= 2 else [PAD, UNK][:max_tokens]


def text_to_ids(text: str, words: Sequence[str]) -> list[int]:
    """Ids of the tokens of ``text`` in ``words``; a token outside it gets 1 (``[UNK]``)."""
    index = {w: i for i, w in enumerate(words) if i >= 2}
    return [index.get(t, 1) for t in tokenize(text)]


def ids_to_text(ids: Iterable[int], words: Sequence[str]) -> str:
    """Tokens joined by single spaces, id 0 left out."""
    return " ".join(words[i] for i in ids if i != 0)


def temperature_probs(probs: Sequence[float], temperature: float) -> np.ndarray:
    """``probs ** (1 / T)`` renormalised (float64), without underflow for small T."""
    p = np.asarray(probs, dtype=np.float64).reshape(-1)
    with np.errstate(divide="ignore"):
        logs = np.log(p) / temperature
    logs = logs - logs.max()
    out = np.exp(logs)
    return out / out.sum()


def draw_window(p: np.ndarray, uniform: float, slack: float = 1e-5) -> set[int]:
    """Ids that ``rng.choice(len(p), p=p)`` may return for the uniform ``uniform``.

    NumPy draws ``searchsorted(cdf / cdf[-1], uniform, side="right")``; ``slack`` admits the
    neighbour when ``uniform`` falls within float noise of a boundary (the submission's
    probabilities differ from ours in the last bits).
    """
    cdf = np.cumsum(p)
    cdf = cdf / cdf[-1]
    ids = {int(np.searchsorted(cdf, u, side="right")) for u in
           (uniform, max(uniform - slack, 0.0), min(uniform + slack, 1.0 - 1e-16))}
    return {min(i, len(p) - 1) for i in ids if p[min(i, len(p) - 1)] > 0}
