"""Statistics helpers for checks that judge random draws (chi-square with pooled cells,
entropy), written from the definitions."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def chi_square_p(counts: Sequence[int], probs: Sequence[float], min_expected: float = 5.0
                 ) -> float:
    """Chi-square goodness-of-fit p-value; cells expecting fewer than ``min_expected`` pooled.

    A draw in a cell of probability 0 gives p = 0; fewer than two cells after pooling
    give p = 1 (nothing to test).
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
    from scipy import stats  # here: importing the facade stays cheap

    return float(stats.chisquare(obs, exp).pvalue)


def entropy(probs: Sequence[float]) -> float:
    """Shannon entropy in nats."""
    p = np.asarray(probs, dtype=np.float64)
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())
