"""Word n-gram baselines of the training speeches, for ``wordgen.heldout_loss``'s line.

Counts of the training speeches (ids of the checker's vocabulary followed by the end id
0, as the check scores held-out speeches) and four next-token models, none tuned on the
held-out text: unigram (add-0.1), bigram interpolated with the unigram (weight 0.7),
bigram and trigram with absolute discounting (D = 0.75) backed off to continuation counts
(interpolated Kneser-Ney). Like the LSTM, they see no token before a speech's first.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence

import numpy as np

DISCOUNT = 0.75
LAMBDA = 0.7


class NGrams:
    """Counts of ``seqs`` (lists of ids) and the baselines' next-token probabilities."""

    def __init__(self, seqs: Sequence[Sequence[int]], size: int) -> None:
        self.uni = np.full(size, 0.1)
        self.bi: dict[int, Counter] = defaultdict(Counter)
        self.tri: dict[tuple[int, int], Counter] = defaultdict(Counter)
        for s in seqs:
            for t in s[1:]:
                self.uni[t] += 1
            for a, b in zip(s[:-1], s[1:], strict=False):
                self.bi[a][b] += 1
            for a, b, c in zip(s[:-2], s[1:-1], s[2:], strict=False):
                self.tri[(a, b)][c] += 1
        self.uni /= self.uni.sum()
        cont = np.full(size, 0.5)
        for counts in self.bi.values():
            for b in counts:
                cont[b] += 1
        self.cont = cont / cont.sum()
        self.bi_total = {a: sum(c.values()) for a, c in self.bi.items()}
        self.tri_total = {h: sum(c.values()) for h, c in self.tri.items()}

    def unigram(self, history: Sequence[int], w: int) -> float:
        """P(w) from the counts (add-0.1)."""
        return float(self.uni[w])

    def bigram_interpolated(self, history: Sequence[int], w: int) -> float:
        """0.7 P_ML(w | previous) + 0.3 P(w)."""
        c = self.bi.get(history[-1])
        ml = c[w] / self.bi_total[history[-1]] if c else 0.0
        return LAMBDA * ml + (1 - LAMBDA) * float(self.uni[w])

    def bigram_kn(self, history: Sequence[int], w: int) -> float:
        """Interpolated Kneser-Ney bigram."""
        c = self.bi.get(history[-1])
        if not c:
            return float(self.cont[w])
        total = self.bi_total[history[-1]]
        return max(c[w] - DISCOUNT, 0) / total + DISCOUNT * len(c) / total * float(self.cont[w])

    def trigram_kn(self, history: Sequence[int], w: int) -> float:
        """Interpolated Kneser-Ney trigram (backs off to :meth:`bigram_kn`)."""
        lower = self.bigram_kn(history, w)
        key = tuple(history[-2:])
        c = self.tri.get(key) if len(history) >= 2 else None
        if not c:
            return lower
        total = self.tri_total[key]
        return max(c[w] - DISCOUNT, 0) / total + DISCOUNT * len(c) / total * lower

    def model(self, name: str) -> Callable[[Sequence[int], int], float]:
        """One of ``unigram``, ``bigram_interpolated``, ``bigram_kn``, ``trigram_kn``."""
        if name not in MODELS:
            raise ValueError(f"unknown n-gram baseline {name!r}; one of {sorted(MODELS)}")
        return getattr(self, name)

    def log_probs(self, name: str, ids: Sequence[int]) -> np.ndarray:
        """``log P(ids[i + 1] | ids[:i + 1])`` under the baseline ``name``."""
        f = self.model(name)
        return np.log([f(ids[: i + 1], ids[i + 1]) for i in range(len(ids) - 1)])

    def loss(self, name: str, seqs: Sequence[Sequence[int]]) -> float:
        """Mean nats per predicted token over ``seqs``."""
        total = sum(-self.log_probs(name, s).sum() for s in seqs)
        return float(total / sum(len(s) - 1 for s in seqs))


MODELS = ("unigram", "bigram_interpolated", "bigram_kn", "trigram_kn")
