"""The evidence behind the held-out-loss lines of ``textgen`` and ``wordgen``.

    python bench/bench_baselines.py textgen --seeds 20 --json bench/baselines_textgen.json
    python bench/bench_baselines.py wordgen --seeds 20 --json bench/baselines_wordgen.json

For each grading seed, on the very sample that ``<exercise>.heldout_loss`` draws: the loss
of the committed reference model (``solutions/``) and of every n-gram model of the
baseline family (Kneser-Ney and Witten-Bell, the exercise's orders, trained on the same
training split, :mod:`checkers.authoring.ngram`), the family's best, and the check's line
(full marks at the best minus the margin, none at the best). The margin must sit inside
the gap between the two distributions: the reference under the line on every seed; every
baseline is at or over the best, so it earns nothing (by construction: the figure to watch
is the gap). Wall times depend on how busy the machine is.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from checkers.authoring import linear_credit  # noqa: E402
from checkers.authoring.ngram import NGramCounts  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data"


def _context(seed: int, data_dir: str) -> SimpleNamespace:
    return SimpleNamespace(seed=seed, options=SimpleNamespace(data_dir=data_dir,
                                                              heldout_path=None))


def _textgen(data_dir: str, seeds: range):
    """Per seed the passages; the training text; the vocabulary size; the reference."""
    from checkers.exercises.textgen import checks
    from solutions import textgen as reference

    samples = [checks.loss_passages(_context(seed, data_dir)) for seed in seeds]
    train = checks.training_sequences(_context(0, data_dir))
    return (samples, train, len(checks.model_vocab(_context(0, data_dir))) + 1,
            reference.sequence_log_probs, checks)


def _wordgen(data_dir: str, seeds: range):
    from checkers.exercises.wordgen import checks
    from solutions import wordgen as reference

    samples = [[tuple(s) for s in checks.heldout_ids(_context(seed, data_dir))]
               for seed in seeds]
    train = checks.training_sequences(_context(0, data_dir))
    return samples, train, checks.VOCAB_SIZE, reference.token_log_probs, checks


def _reference_loss(score, sample) -> float:
    scored = [np.asarray(score(list(s) if isinstance(s, tuple) else s), dtype=np.float64)
              for s in sample]
    return float(-sum(x.sum() for x in scored) / sum(x.size for x in scored))


def bench(exercise: str, data_dir: str, seeds: range) -> dict:
    """Reference vs the baseline family on ``seeds`` grading seeds (see the docstring)."""
    os.environ["SEQGRADE_DATA_DIR"] = data_dir
    samples, train, size, score, checks = (_textgen if exercise == "textgen" else _wordgen)(
        data_dir, seeds)
    family = checks.BASELINE_FAMILY
    print(f"{exercise}: {len(seeds)} seeds; the family: {family.describe()}; margin "
          f"{family.margin}", flush=True)
    started = time.perf_counter()
    counts = NGramCounts(train, max(family.orders), size,
                         score_on=[s for sample in samples for s in sample])
    count_s = time.perf_counter() - started
    rows = []
    for seed, sample in zip(seeds, samples, strict=True):
        losses = {m.name: m.loss(sample) for m in family.models(counts)}
        best = min(losses, key=losses.__getitem__)
        reference = _reference_loss(score, sample)
        line = losses[best] - family.margin
        credit = linear_credit(reference, losses[best], line)
        rows.append({"seed": seed, "reference": reference, "best_baseline": best,
                     "best_baseline_loss": losses[best], "full_at": line,
                     "gap": losses[best] - reference, "reference_credit": credit,
                     "losses": losses})
        print(f"seed {seed:>2}: reference {reference:.4f}, best baseline {losses[best]:.4f} "
              f"({best}), gap {losses[best] - reference:+.4f}, full marks at <= {line:.4f}",
              flush=True)
    gaps = [r["gap"] for r in rows]
    best_counts: dict[str, int] = {}
    for r in rows:
        best_counts[r["best_baseline"]] = best_counts.get(r["best_baseline"], 0) + 1
    summary = {
        "seeds": [seeds.start, seeds.stop - 1], "margin": family.margin,
        "gap_min": min(gaps), "gap_max": max(gaps), "gap_mean": float(np.mean(gaps)),
        "reference_full_marks_on": sum(r["reference_credit"] >= 1.0 for r in rows),
        "best_baseline_is": best_counts,
        "counting_s": round(count_s, 1),
    }
    print(f"gap (best baseline - reference) over {len(seeds)} seeds: {min(gaps):+.4f} to "
          f"{max(gaps):+.4f}; margin {family.margin}: reference full marks on "
          f"{summary['reference_full_marks_on']}/{len(seeds)} seeds; best baselines "
          f"{best_counts}")
    return {"exercise": exercise, "family": family.describe(), "rows": rows,
            "summary": summary, "cpus": os.cpu_count()}


def main() -> None:
    """Command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("exercise", choices=("textgen", "wordgen"))
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--data-dir", default=os.environ.get("SEQGRADE_DATA_DIR",
                                                             str(DEFAULT_DATA)))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    out = bench(args.exercise, args.data_dir,
                range(args.first_seed, args.first_seed + args.seeds))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
