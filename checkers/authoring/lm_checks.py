"""What the language-model checks share: a model's log-probabilities judged against its own
next-token distributions, the held-out loss counted only where they agree, and the line
that loss must cross, set by the best n-gram model of a family (``BaselineFamily``).

An exercise names its two functions once (:class:`LogProbFunctions`) and reads their
results its own way (shapes and messages differ); everything here raises
:class:`CheckFailed` with a message for the student, which the engine turns into a failed
check.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from checkers.authoring.ngram import NAMES, SMOOTHINGS, NGramCounts, NGramModel, as_sequence
from checkers.engine.errors import CheckFailed
from checkers.engine.model import Context, Outcome, linear_credit


@dataclass(frozen=True)
class LogProbFunctions:
    """The submission's two views of one model, as the feedback names them.

    ``log_probs(argument)`` gives ``log P(x[i + 1] | x[:i + 1])`` for every position;
    ``distribution(argument[:i + 1])`` the whole next-token distribution there.
    """

    log_probs: str
    distribution: str
    argument: str
    log_tolerance: float
    abs_tolerance: float
    nan_checked: bool = False

    def agree(self, log_prob: float, prob: float) -> bool:
        """Whether a log-probability and a probability tell the same (within the
        tolerances: in nats, or in probability for tiny probabilities)."""
        if log_prob <= 1e-6 and abs(math.exp(min(log_prob, 0.0)) - prob) <= self.abs_tolerance:
            return True
        return abs(log_prob - math.log(max(prob, 1e-300))) <= self.log_tolerance

    def _sign_problem(self, log_probs: np.ndarray) -> str | None:
        bad = bool(np.any(log_probs > 1e-6))
        if self.nan_checked:
            bad = bad or bool(np.any(np.isnan(log_probs)))
            worst = int(np.nanargmax(log_probs)) if not np.all(np.isnan(log_probs)) else 0
        else:
            worst = int(np.argmax(log_probs)) if log_probs.size else 0
        if not bad:
            return None
        return (f"{self.log_probs} returned {log_probs[worst]:.4g} at position {worst}: a "
                "log-probability is never positive" + (" (nor NaN)" if self.nan_checked else ""))

    def consistency_problem(self, log_probs: np.ndarray, positions: Iterable[int],
                            distribution_at: Callable[[int], np.ndarray],
                            targets: Sequence[int], label: Callable[[int], str],
                            shown: str) -> str | None:
        """Why ``log_probs`` disagrees with the distributions at ``positions`` (None when
        it agrees). ``distribution_at(i)`` calls the submission on the first ``i + 1``
        tokens, ``targets[i + 1]`` is the id scored at ``i``, ``label(i)`` names it and
        ``shown`` is the argument as the feedback shows it."""
        problem = self._sign_problem(log_probs)
        if problem:
            return problem
        a = self.argument
        for i in positions:
            probs = distribution_at(i)
            target = targets[i + 1]
            if not self.agree(float(log_probs[i]), float(probs[target])):
                return (f"{self.log_probs}({a})[{i}] = {log_probs[i]:.4f}, but "
                        f"{self.distribution}({a}[:{i + 1}]) gives log P({label(i)}) = "
                        f"{math.log(max(probs[target], 1e-300)):.4f} ({a} = {shown}); both "
                        "must come from the same model")
        return None

    def heldout_total(self, seqs: Iterable, read: Callable[[object], np.ndarray],
                      problem_of: Callable[[object, np.ndarray], str | None]
                      ) -> tuple[float, int, list[float]]:
        """Nats summed over ``seqs`` (``read(seq)``: the submission's log-probs), the
        number of predictions and each sequence's mean; a disagreement found by
        ``problem_of(seq, log_probs)`` fails the check (the loss counts only when the two
        functions tell the same)."""
        total, count = 0.0, 0
        means: list[float] = []
        for seq in seqs:
            log_probs = read(seq)
            problem = problem_of(seq, log_probs)
            if problem:
                raise CheckFailed(f"the held-out loss only counts when {self.log_probs} "
                                  f"agrees with {self.distribution}: {problem}")
            total -= float(log_probs.sum())
            count += log_probs.size
            means.append(float(-log_probs.mean()))
        return total, count, means

    def constant_blocked(self, seen: Sequence[np.ndarray], by: str, what: str
                         ) -> Outcome | None:
        """Blocked by ``by`` when every value of every array in ``seen`` is one number (a
        model that ignores the text agrees with itself whatever it is); else None."""
        values = (np.concatenate([np.asarray(a, dtype=np.float64).reshape(-1) for a in seen])
                  if seen else np.zeros(0))
        if not values.size or float(np.ptp(values)) > 1e-9:
            return None
        return Outcome.blocked(by, f"{self.log_probs} gives every {what} the same "
                               "log-probability: a model that ignores the text agrees with "
                               "itself whatever it is, so nothing of the agreement could be "
                               "seen")


@dataclass(frozen=True)
class TrainedLanguageModel:
    """What the ``trained_model`` check of a language-model exercise needs to know."""

    artifact: str     # "textgen.keras"
    functions: str    # the functions whose answers must come from it, as the feedback lists them
    chance_up_to: float
    min_gap: float
    unit: str         # " nats/char"

    def outcome(self, ctx: Context, label: str, seqs: Sequence,
                read: Callable[[Callable, object], np.ndarray], chance: float) -> Outcome:
        """The artifact loads safely and holds an RNN, and the held-out loss on ``seqs``
        (``read(call, seq)``: the log-probs through ``call``) comes from its weights."""
        # imported here: the facade stays cheap to import (this pulls in the sandbox runner)
        from checkers.authoring.trained_model import (
            Probe,
            recurrent_problem,
            trained_model_outcome,
        )

        def measure(call: Callable) -> float:
            total, count = 0.0, 0
            for seq in seqs:
                got = read(call, seq)
                total -= float(np.sum(got))
                count += got.size
            loss = total / count
            return loss if math.isfinite(loss) else math.inf

        probe = Probe(label, measure, higher_is_better=False, chance=chance,
                      chance_up_to=self.chance_up_to, min_gap=self.min_gap, unit=self.unit)
        return trained_model_outcome(
            ctx, expected=f"{self.artifact} (model.save(...) beside your file)",
            functions=self.functions,
            shape_problem=lambda files: recurrent_problem(files, self.artifact),
            probes=[probe])


@dataclass(frozen=True)
class BaselineFamily:
    """The n-gram models a student could write without a network, as a model-quality line.

    Full marks need a loss ``margin`` below the best of the family on the graded sample;
    credit falls linearly to none *at* that best (a baseline earns nothing). The margin
    comes from ``bench/bench_baselines.py``: the reference clears it on every seed
    measured, and no baseline reaches the best minus anything.
    """

    orders: tuple[int, ...]
    margin: float
    unit: str
    smoothings: tuple[str, ...] = SMOOTHINGS

    def models(self, counts: NGramCounts) -> list[NGramModel]:
        """Every model of the family over ``counts``."""
        return [counts.model(s, n) for s in self.smoothings for n in self.orders]

    def describe(self) -> str:
        """E.g. ``"2- to 10-gram Kneser-Ney or Witten-Bell"``."""
        names = [NAMES[s] for s in self.smoothings]
        return (f"{min(self.orders)}- to {max(self.orders)}-gram "
                + ", ".join(names[:-1]) + " or " + names[-1])

    def losses(self, train: Sequence[Sequence], seqs: Sequence[Sequence], size: int
               ) -> dict[str, float]:
        """Every model's loss on ``seqs``, trained on ``train`` (a few seconds to a minute:
        one pass over the training text per order)."""
        seqs = [as_sequence(s) for s in seqs]
        counts = NGramCounts(train, max(self.orders), size, score_on=seqs)
        return {m.name: m.loss(seqs) for m in self.models(counts)}

    def best(self, train: Sequence[Sequence], seqs: Sequence[Sequence], size: int
             ) -> tuple[str, float]:
        """The name and loss of the family's best model on ``seqs``, trained on ``train``.

        Computed once per sample: kept in this process and in seqgrade's disk cache
        (keyed by the family, the training text and the sample), so grading a class on
        one seed counts the n-grams once.
        """
        return _best_cached(self, train, seqs, size)

    def names(self) -> list[str]:
        """The models' names, in the order :meth:`models` gives them."""
        return [NGramModel.describe(s, n) for s in self.smoothings for n in self.orders]

    def outcome(self, loss: float, count: int, sample: str, best: tuple[str, float],
                metrics: dict[str, float], threshold_metric: str) -> Outcome:
        """Credit for a held-out ``loss`` against the family's ``best`` on the same sample
        (the full-marks line reported as the metric ``threshold_metric``)."""
        name, baseline = best
        full_at = baseline - self.margin
        fraction = linear_credit(loss, baseline, full_at)
        feedback = (f"held-out loss {loss:.4f} nats/{self.unit} over {count} {sample} (full "
                    f"marks at <= {full_at:.4f}: {self.margin} below the {baseline:.4f} that "
                    f"the best n-gram model of the training split ({self.describe()}) scores "
                    f"here, the {name}; no credit at or above that {baseline:.4f})")
        return Outcome(fraction, feedback, None, {**metrics, "baseline_loss": baseline,
                                                  threshold_metric: full_at})


def _key(seqs: Sequence[Sequence]) -> str:
    """A digest of sequences (str or ids), for the caches."""
    digest = hashlib.sha256()
    for seq in seqs:
        digest.update((seq if isinstance(seq, str) else ",".join(map(str, seq))).encode())
        digest.update(b"\x1e")
    return digest.hexdigest()


_BEST: dict[tuple, tuple[str, float]] = {}
CACHE_VERSION = 2  # raised whenever the n-gram models change what they score


def _best_cached(family: BaselineFamily, train: Sequence[Sequence], seqs: Sequence[Sequence],
                 size: int) -> tuple[str, float]:
    """:meth:`BaselineFamily.best`, cached in this process and in seqgrade's disk cache
    (:mod:`checkers.authoring.cache`; an optimisation only, skipped when absent)."""
    train_key = _key(train)
    key = (family, train_key, _key(seqs), size)
    if key not in _BEST:
        model_id = f"ngram-family/{CACHE_VERSION}:{family.describe()}:{size}:{train_key}"
        names = family.names()
        try:
            from checkers.authoring import cache
        except ImportError:  # pragma: no cover - the cache module is optional here
            cache = None
        stored = cache.load_array(model_id, [key[2]], (len(names),), np.float64) \
            if cache else None
        if stored is None:
            losses = family.losses(train, seqs, size)
            stored = np.array([losses[name] for name in names], dtype=np.float64)
            if cache:
                cache.store_array(model_id, [key[2]], stored, np.float64)
        best = int(np.argmin(stored))
        _BEST[key] = (names[best], float(stored[best]))
    return _BEST[key]
