"""Oracles of the ``textgen`` exercise, written from the definitions (not from ``solutions/``).

- vocabulary: sorted distinct characters; StringLookup ids (``[UNK]`` = 0, ``vocab[i]`` ->
  ``i + 1``); id 0 decodes to nothing;
- Foster's ``pad_punctuation``: :mod:`checkers.authoring.punctuation` (shared with wordgen);
- the sampling distribution: ``softmax(logits / T)`` restricted to the allowed ids.

Statistics (chi-square, entropy) are :mod:`checkers.authoring.statistics`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from checkers.authoring import isolated_marks_problem, pad_punctuation

__all__ = ["ids_to_text", "isolated_marks_problem", "pad_punctuation", "sampling_probs",
           "text_to_ids", "vocab"]


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
