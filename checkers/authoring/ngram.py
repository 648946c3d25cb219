"""N-gram language models a student could write without a network: the baselines behind
the model-quality lines of the language-model exercises.

One interface for characters and words. A *sequence* is a ``str`` (tokens are its
characters) or a tuple of ints (token ids); a *history* is a sequence of the same kind.
Counts are taken inside each training sequence (no n-gram crosses two of them), and a
scored sequence is predicted from its own start (its first token is never predicted,
later ones see at most ``order - 1`` tokens before them).

Two smoothings, both interpolated down to a uniform distribution over ``size`` tokens:

- **Kneser-Ney** (Chen & Goodman): the top order uses raw counts, lower orders
  continuation counts (how many distinct tokens precede an n-gram in the training
  sequences), each level discounted by ``D = n1 / (n1 + 2 n2)`` of its own counts;
- **modified Kneser-Ney** (Chen & Goodman): the same counts, with three discounts per
  level, for n-grams seen once, twice and more often (``D_k = k - (k + 1) Y n_(k+1) / n_k``,
  ``Y = n1 / (n1 + 2 n2)``);
- **absolute discounting**: modified Kneser-Ney's three discounts, but raw counts at
  every order (no continuation counts; on word ids it beats Kneser-Ney);
- **Witten-Bell**: every order uses raw counts, and a context that was followed by
  ``T`` distinct tokens in ``N`` occurrences gives the order below ``T / (N + T)``.

:class:`NGramCounts` keeps, per level, only what scoring a given set of sequences looks
up (and the discounts, from the whole tables), so a family of orders 1-10 costs one pass
over the training text per level and little memory.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

SMOOTHINGS = ("kn", "mkn", "ad", "wb")
NAMES = {"kn": "Kneser-Ney", "mkn": "modified Kneser-Ney", "ad": "absolute discounting",
         "wb": "Witten-Bell"}


def as_sequence(seq: Sequence) -> Sequence:
    """``seq`` as a sliceable, hashable sequence: a ``str`` as it is, anything else a tuple."""
    return seq if isinstance(seq, str) else tuple(seq)


def _grams(sequences: Iterable[Sequence], length: int) -> Counter:
    """Counts of the ``length``-grams of every sequence (each its own slice type)."""
    counts: Counter = Counter()
    for seq in sequences:
        counts.update(seq[i:i + length] for i in range(len(seq) - length + 1))
    return counts


def _discount(n: Sequence[int]) -> float:
    """Kneser-Ney's ``D = n1 / (n1 + 2 n2)``, ``n[k]`` the number of n-grams seen k times
    (0.5 without any seen once or twice)."""
    return n[1] / (n[1] + 2 * n[2]) if n[1] + n[2] else 0.5


def _modified_discounts(n: Sequence[int]) -> tuple[float, float, float, float]:
    """Modified Kneser-Ney's discounts ``(0, D1, D2, D3+)`` (``n`` as for :func:`_discount`)."""
    if not all(n[k] for k in (1, 2, 3, 4)):
        return (0.0, 0.5, 1.0, 1.5)
    y = n[1] / (n[1] + 2 * n[2])
    estimates = (1 - 2 * y * n[2] / n[1], 2 - 3 * y * n[3] / n[2], 3 - 4 * y * n[4] / n[3])
    # a small table can give an estimate outside [0, k]: clamp it there
    return (0.0, *(min(max(d, 0.0), float(k)) for k, d in enumerate(estimates, start=1)))


@dataclass
class _Level:
    """One table of n-grams of one length: the counts looked up, context totals, discount."""

    counts: dict
    totals: dict  # context -> (sum of counts, distinct next tokens, seen once, seen twice)
    discount: float
    discounts: tuple[float, float, float, float]  # modified Kneser-Ney's (0, D1, D2, D3+)

    @classmethod
    def of(cls, table: Counter, wanted: set | None) -> _Level:
        """A table reduced to the grams and contexts of ``wanted`` (None: keep all)."""
        totals: dict = {}
        for gram, count in table.items():
            context = gram[:-1]
            if wanted is not None and context not in wanted:
                continue
            total, types, once, twice = totals.get(context, (0, 0, 0, 0))
            totals[context] = (total + count, types + 1, once + (count == 1),
                               twice + (count == 2))
        kept = table if wanted is None else {g: c for g, c in table.items() if g in wanted}
        small = Counter(c for c in table.values() if c <= 4)
        n = [0] + [small[k] for k in (1, 2, 3, 4)]
        return cls(dict(kept), totals, _discount(n), _modified_discounts(n))

    @classmethod
    def of_codes(cls, grams: np.ndarray, counts: np.ndarray, coder: _Coder,
                 wanted: dict[int, np.ndarray], length: int) -> _Level:
        """The same from sorted distinct n-gram codes and their counts (the fast path)."""
        if not grams.size:
            return cls({}, {}, _discount([0] * 5), _modified_discounts([0] * 5))
        contexts = grams // coder.base
        starts = np.flatnonzero(np.r_[True, contexts[1:] != contexts[:-1]])
        sums = [np.add.reduceat(x.astype(np.int64), starts) for x in
                (counts, np.ones_like(counts), counts == 1, counts == 2)]
        keep = np.isin(contexts[starts], wanted[length - 1])
        context_keys = coder.decode(contexts[starts][keep], length - 1)
        totals = dict(zip(context_keys, zip(*(x[keep].tolist() for x in sums),
                                            strict=True), strict=True))
        kept = np.isin(grams, wanted[length])
        table = dict(zip(coder.decode(grams[kept], length), counts[kept].tolist(), strict=True))
        n = [0] + [int(np.count_nonzero(counts == k)) for k in (1, 2, 3, 4)]
        return cls(table, totals, _discount(n), _modified_discounts(n))


class _Coder:
    """Tokens as ints 1..V and n-grams as int64 codes in base V + 1 (0 ends a sequence), so
    that counting is ``np.unique``; only where ``base ** max_order`` fits in 63 bits."""

    def __init__(self, sequences: Sequence[Sequence], max_order: int) -> None:
        self.tokens = sorted({t for seq in sequences for t in seq}, key=repr)
        self.index = {t: i + 1 for i, t in enumerate(self.tokens)}
        self.base = len(self.tokens) + 1
        self.usable = self.base ** max_order < 2 ** 62
        self.as_str = bool(sequences) and isinstance(sequences[0], str)

    def array(self, sequences: Sequence[Sequence]) -> np.ndarray:
        """The sequences' token codes, each followed by a 0."""
        parts = []
        for seq in sequences:
            parts.append(np.fromiter(map(self.index.__getitem__, seq), np.int64, len(seq)))
            parts.append(np.zeros(1, np.int64))
        return np.concatenate(parts) if parts else np.zeros(0, np.int64)

    def grams(self, x: np.ndarray, length: int) -> np.ndarray:
        """Codes of the ``length``-grams of ``x`` that hold no 0."""
        n = len(x) - length + 1
        if length == 0 or n <= 0:
            return np.zeros(1 if length == 0 else 0, np.int64)
        code, valid = np.zeros(n, np.int64), np.ones(n, bool)
        for j in range(length):
            part = x[j:j + n]
            code = code * self.base + part
            valid &= part != 0
        return code[valid]

    def decode(self, codes: np.ndarray, length: int) -> list:
        """The n-grams (``str`` or tuples, as the sequences) of ``codes``."""
        digits = (codes[:, None] // self.base ** np.arange(length - 1, -1, -1)) % self.base
        rows = [[self.tokens[d - 1] for d in row] for row in digits.tolist()]
        return ["".join(r) for r in rows] if self.as_str else [tuple(r) for r in rows]


class NGramCounts:
    """Raw and continuation counts of orders 1 to ``max_order`` of ``sequences``.

    ``score_on``: the sequences that will be scored; only the n-grams and contexts they
    hold are kept (None: keep everything, for scoring any history).
    """

    def __init__(self, sequences: Sequence[Sequence], max_order: int, size: int,
                 score_on: Iterable[Sequence] | None = None) -> None:
        self.max_order = max_order
        self.size = size
        sequences = [as_sequence(s) for s in sequences]
        self.raw: dict[int, _Level] = {}
        self.continuation: dict[int, _Level] = {}
        if score_on is not None:
            kept = [as_sequence(s) for s in score_on]
            coder = _Coder(sequences + kept, max_order)
            if coder.usable:
                self._count_coded(coder, sequences, kept)
                return
        wanted = None
        if score_on is not None:
            wanted = set()
            for length in range(0, max_order + 1):
                wanted |= set(_grams(kept, length)) if length else {s[:0] for s in kept}
        for length in range(max_order, 0, -1):
            table = _grams(sequences, length)
            self.raw[length] = _Level.of(table, wanted)
            if length > 1:  # distinct left extensions of the (length - 1)-grams
                lower: Counter = Counter(gram[1:] for gram in table)
                self.continuation[length - 1] = _Level.of(lower, wanted)

    def _count_coded(self, coder: _Coder, sequences: list, kept: list) -> None:
        """The levels through integer codes (same counts as the plain path, much faster)."""
        x, y = coder.array(sequences), coder.array(kept)
        wanted = {n: np.unique(coder.grams(y, n)) for n in range(self.max_order + 1)}
        for length in range(self.max_order, 0, -1):
            grams, counts = np.unique(coder.grams(x, length), return_counts=True)
            self.raw[length] = _Level.of_codes(grams, counts, coder, wanted, length)
            if length > 1:  # distinct left extensions of the (length - 1)-grams
                lower, distinct = np.unique(grams % coder.base ** (length - 1),
                                            return_counts=True)
                self.continuation[length - 1] = _Level.of_codes(lower, distinct, coder,
                                                                wanted, length - 1)

    def model(self, smoothing: str, order: int) -> NGramModel:
        """The ``order``-gram model with ``smoothing`` (``"kn"`` or ``"wb"``)."""
        if smoothing not in SMOOTHINGS or not 1 <= order <= self.max_order:
            raise ValueError(f"no {smoothing!r} model of order {order} (smoothings "
                             f"{SMOOTHINGS}, orders 1-{self.max_order})")
        return NGramModel(self, smoothing, order)


class NGramModel:
    """One smoothed n-gram model over the counts of :class:`NGramCounts`."""

    def __init__(self, counts: NGramCounts, smoothing: str, order: int) -> None:
        self.counts = counts
        self.smoothing = smoothing
        self.order = order
        if smoothing in ("kn", "mkn"):  # continuation counts below the top order
            self.levels = [counts.continuation[n] for n in range(1, order)] + [counts.raw[order]]
        else:
            self.levels = [counts.raw[n] for n in range(1, order + 1)]

    @property
    def name(self) -> str:
        """E.g. ``"7-gram Kneser-Ney"``."""
        return self.describe(self.smoothing, self.order)

    @staticmethod
    def describe(smoothing: str, order: int) -> str:
        """The name of the ``order``-gram model with ``smoothing``."""
        return f"{order}-gram {NAMES[smoothing]}"

    def prob(self, history: Sequence, token: object) -> float:
        """``P(token | history)``; a context never seen in training defers to the order
        below, a token never seen gets only the mass handed down to the uniform level."""
        p = 1.0 / self.counts.size
        for length, level in enumerate(self.levels, start=1):
            if len(history) < length - 1:
                break
            context = history[len(history) - length + 1:] if length > 1 else history[:0]
            entry = level.totals.get(context)
            if entry is None:
                continue
            total, types, once, twice = entry
            count = level.counts.get(context + token if isinstance(context, str)
                                     else context + (token,), 0)
            if self.smoothing == "kn":
                p = p * (level.discount * types / total)
                if count:
                    p += max(count - level.discount, 0.0) / total
            elif self.smoothing in ("mkn", "ad"):
                d = level.discounts
                gamma = (d[1] * once + d[2] * twice + d[3] * (types - once - twice)) / total
                p = p * gamma + max(count - d[min(count, 3)], 0.0) / total
            else:
                p = (count + types * p) / (total + types)
        return p

    def distribution(self, history: Sequence, tokens: Sequence) -> np.ndarray:
        """``[P(t | history) for t in tokens]`` (``tokens``: every id, in id order)."""
        return np.array([self.prob(history, t) for t in tokens], dtype=np.float64)

    def log_probs(self, seq: Sequence) -> np.ndarray:
        """``log P(seq[i + 1] | seq[:i + 1])`` for every position after the first."""
        seq = as_sequence(seq)
        return np.array([math.log(self.prob(seq[max(0, i - self.order + 2):i + 1], seq[i + 1]))
                         for i in range(len(seq) - 1)], dtype=np.float64)

    def loss(self, seqs: Iterable[Sequence]) -> float:
        """Mean nats per predicted token over ``seqs`` (each scored from its own start)."""
        total, count = 0.0, 0
        for seq in map(as_sequence, seqs):
            for i in range(1, len(seq)):
                total -= math.log(self.prob(seq[max(0, i - self.order + 1):i], seq[i]))
                count += 1
        return total / max(count, 1)


@dataclass(frozen=True)
class FamilyResult:
    """Every model's loss on the same sequences, and the best of them."""

    losses: dict[str, float]

    @property
    def best(self) -> tuple[str, float]:
        """The name and loss of the best (lowest-loss) model."""
        name = min(self.losses, key=self.losses.__getitem__)
        return name, self.losses[name]


def family_losses(train: Sequence[Sequence], seqs: Sequence[Sequence], size: int,
                  orders: Sequence[int], smoothings: Sequence[str] = SMOOTHINGS
                  ) -> FamilyResult:
    """The loss on ``seqs`` of every n-gram model of ``orders`` x ``smoothings`` trained on
    ``train`` (counts kept only for what ``seqs`` looks up)."""
    seqs = [as_sequence(s) for s in seqs]
    counts = NGramCounts(train, max(orders), size, score_on=seqs)
    losses = {}
    for smoothing in smoothings:
        for order in orders:
            model = counts.model(smoothing, order)
            losses[model.name] = model.loss(seqs)
    return FamilyResult(losses)
