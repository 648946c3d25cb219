"""The evidence behind ``wordgen.heldout_loss``, and the time of a ``wordgen`` grading.

    python bench/bench_wordgen.py                  # loss separation + grade the reference
    python bench/bench_wordgen.py --no-grade --seeds 20 --json out.json

Scores every held-out speech (last 10% of tiny Shakespeare, ids of the checker's
vocabulary followed by the end id 0, as the check scores them) with the reference LSTM and
with n-gram models of the training speeches: uniform, unigram (add-0.1), bigram
interpolated with the unigram, bigram and trigram with absolute discounting backed off to
continuation counts (interpolated Kneser-Ney, D = 0.75, not tuned). Then the same over the
checker's draws of ``n_speeches`` speeches for several grading seeds, and the separation
(best n-gram minus the reference, nats/token). Last, grades the reference in the sandbox
with per-check wall times (they depend on how busy the machine is).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from checkers.engine.grading import grade  # noqa: E402
from checkers.engine.model import derive_seed  # noqa: E402
from checkers.exercises.wordgen import oracle  # noqa: E402
from checkers.exercises.wordgen.checks import BASELINE, VOCAB_SIZE, T  # noqa: E402
from checkers.exercises.wordgen.data import train_and_heldout_speeches  # noqa: E402
from checkers.exercises.wordgen.ngram import NGrams  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data"
def _mean_loss(per_speech: list[np.ndarray], picked) -> float:
    chosen = [per_speech[i] for i in picked]
    return float(sum(-x.sum() for x in chosen) / sum(x.size for x in chosen))


def bench_separation(data_dir: str, seeds: int) -> dict:
    """Per-speech log-probs of every model; losses on all speeches and per grading seed."""
    os.environ["SEQGRADE_DATA_DIR"] = data_dir
    from solutions import wordgen as reference

    train, heldout = train_and_heldout_speeches(data_dir)
    words = oracle.vocab(train, VOCAB_SIZE)
    encode = lambda s: oracle.text_to_ids(s, words)  # noqa: E731
    train_seqs = [encode(s)[: T["max_len"]] + [0] for s in train if encode(s)]
    seqs = [encode(s) + [0] for s in heldout if 2 <= len(encode(s)) <= T["max_len"]]
    grams = NGrams(train_seqs, len(words))
    models = {"unigram": "unigram", "bigram (interpolated, 0.7)": "bigram_interpolated",
              "bigram (Kneser-Ney)": "bigram_kn", "trigram (Kneser-Ney)": "trigram_kn"}
    scored = {label: [grams.log_probs(name, s) for s in seqs] for label, name in models.items()}
    started = time.perf_counter()
    scored["reference LSTM"] = [reference.token_log_probs(s) for s in seqs]
    lstm_s = time.perf_counter() - started
    everything = range(len(seqs))
    tokens = sum(len(s) - 1 for s in seqs)
    print(f"{len(seqs)} held-out speeches, {tokens} scored tokens (end included); "
          f"uniform: {np.log(len(words)):.4f} nats/token")
    all_losses = {name: _mean_loss(v, everything) for name, v in scored.items()}
    for name, loss in all_losses.items():
        print(f"  {name:<28} {loss:.4f} nats/token")
    line_label = {v: k for k, v in models.items()}[BASELINE]
    per_seed = []
    for seed in range(seeds):
        rng = np.random.default_rng(derive_seed(seed, "wordgen.heldout"))
        picked = rng.choice(len(seqs), size=min(T["n_speeches"], len(seqs)), replace=False)
        losses = {name: _mean_loss(v, picked) for name, v in scored.items()}
        full_at = min(T["loss_full_at"], losses[line_label] - T["baseline_margin"])
        per_seed.append({"seed": seed, **losses, "full_at": full_at,
                         "separation": losses[line_label] - losses["reference LSTM"]})
    for r in per_seed:
        print(f"  seed {r['seed']:>2}: reference {r['reference LSTM']:.4f}, {line_label} "
              f"{r[line_label]:.4f} (separation {r['separation']:+.4f}), full marks at <= "
              f"{r['full_at']:.4f}; KN bigram {r['bigram (Kneser-Ney)']:.4f}, KN trigram "
              f"{r['trigram (Kneser-Ney)']:.4f}")
    seps = [r["separation"] for r in per_seed]
    print(f"separation ({line_label} - reference) over {seeds} grading seeds of "
          f"{T['n_speeches']} speeches: {min(seps):+.4f} to {max(seps):+.4f} nats/token "
          f"(the line: {T['baseline_margin']} below it, at most {T['loss_full_at']}; none at "
          f">= {T['loss_zero_at']})")
    return {"speeches": len(seqs), "tokens": tokens, "uniform": float(np.log(len(words))),
            "all_heldout": all_losses, "per_seed": per_seed,
            "reference_scoring_s": round(lstm_s, 1)}


def bench_grading(seed: int, data_dir: str) -> dict:
    """Grade the reference solution in the sandbox; per-check scores and wall times."""
    rows: list[dict] = []

    def on_check(result) -> None:
        rows.append({"id": result.id, "score": result.score, "max_score": result.max_score,
                     "status": result.status, "duration_s": round(result.duration_s, 2),
                     **result.metrics})
        print(f"{result.id:<26} {result.score:>5.1f}/{result.max_score:<5.1f} "
              f"{result.duration_s:7.1f} s  {result.feedback[:90]}", flush=True)

    started = time.perf_counter()
    report = grade("wordgen", ROOT / "solutions" / "wordgen.py", seed=seed,
                   options={"data_dir": data_dir}, on_check=on_check)
    total = time.perf_counter() - started
    print(f"score {report.score}/{report.max_score} in {total:.1f} s wall "
          f"({os.cpu_count()} CPUs)")
    return {"seed": seed, "score": report.score, "max_score": report.max_score,
            "wall_s": round(total, 1), "checks": rows}


def main() -> None:
    """Command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--data-dir", default=os.environ.get("SEQGRADE_DATA_DIR",
                                                             str(DEFAULT_DATA)))
    parser.add_argument("--no-grade", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    out = {"cpus": os.cpu_count(), "separation": bench_separation(args.data_dir, args.seeds)}
    if not args.no_grade:
        out["grading"] = bench_grading(args.seed, args.data_dir)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
