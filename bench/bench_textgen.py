"""Time the ``textgen`` grading and the reference model's calls.

    python bench/bench_textgen.py                       # grade the reference in the sandbox
    python bench/bench_textgen.py --calls               # + time the model functions in-process
    python bench/bench_textgen.py --json out.json --seed 3
    python bench/bench_textgen.py --separation 30        # GRU vs n-gram on graded passages

Prints the score and the wall time of every check (as ``seqgrade check`` grades it: one
sandboxed worker, which loads TensorFlow and the model once, and transformers once), the
held-out loss, and with ``--calls`` the time of single calls of the reference functions
(the first ``sequence_log_probs`` includes the model load and the trace). Wall times
depend on how busy the machine is; the figures are printed next to ``os.cpu_count()``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from checkers.engine.grading import grade  # noqa: E402
from checkers.engine.report import CheckResult  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data"


def bench_grading(seed: int, data_dir: str) -> dict:
    """Grade the reference solution in the sandbox; per-check scores and wall times."""
    rows: list[dict] = []

    def on_check(result: CheckResult) -> None:
        rows.append({"id": result.id, "score": result.score, "max_score": result.max_score,
                     "status": result.status, "duration_s": round(result.duration_s, 2),
                     **result.metrics})
        print(f"{result.id:<28} {result.score:>5.1f}/{result.max_score:<5.1f} "
              f"{result.duration_s:7.1f} s  {result.feedback[:90]}", flush=True)

    started = time.perf_counter()
    report = grade("textgen", ROOT / "solutions" / "textgen.py", seed=seed,
                   options={"data_dir": data_dir}, on_check=on_check)
    total = time.perf_counter() - started
    print(f"score {report.score}/{report.max_score} in {total:.1f} s wall "
          f"({os.cpu_count()} CPUs)")
    return {"seed": seed, "score": report.score, "max_score": report.max_score,
            "wall_s": round(total, 1), "checks": rows}


def bench_calls(data_dir: str) -> dict:
    """Time single calls of the reference's model functions in this process."""
    os.environ["SEQGRADE_DATA_DIR"] = data_dir
    from checkers.authoring.shakespeare import load_text, split_text
    from checkers.exercises.textgen.lm import lm_path
    from solutions import textgen as reference

    heldout = split_text(load_text(data_dir))[1]
    passage = heldout[5000:5600]
    timings = {}
    calls = [
        ("sequence_log_probs(600 chars), first call", reference.sequence_log_probs, (passage,)),
        ("sequence_log_probs(600 chars)", reference.sequence_log_probs, (passage,)),
        ("next_char_distribution(300 chars)", reference.next_char_distribution,
         (passage[:300],)),
        ("generate_text(30 + 100 chars)", reference.generate_text, (passage[:30], 100, 1.0, 0)),
        ("generate_with_pretrained, first call", reference.generate_with_pretrained,
         ("ROMEO:\n", str(lm_path()), 3, 20, 1.0, 0.95, 0)),
        ("generate_with_pretrained", reference.generate_with_pretrained,
         ("ROMEO:\n", str(lm_path()), 3, 20, 1.0, 0.95, 0)),
    ]
    for label, function, args in calls:
        started = time.perf_counter()
        function(*args)
        timings[label] = round(time.perf_counter() - started, 3)
        print(f"{label:<45} {timings[label]:8.3f} s", flush=True)
    loss = float(-reference.sequence_log_probs(heldout[:20_000]).mean())
    print(f"reference loss on the first 20,000 held-out chars: {loss:.4f} nats/char")
    return {"calls_s": timings, "heldout_20k_loss": loss}


def bench_separation(seeds: int, data_dir: str) -> dict:
    """Held-out loss of the reference GRU and of n-gram models on the graded passages.

    For each grading seed: the passages textgen.heldout_loss draws, the reference's loss,
    the grader's Kneser-Ney baseline (the order the check uses) and a 7-gram; the full-marks
    line of that seed (baseline - margin, at most loss_full_at). The evidence behind the
    threshold: the GRU must be under the line on every seed, the n-grams over it.
    """
    from types import SimpleNamespace

    os.environ["SEQGRADE_DATA_DIR"] = data_dir
    from checkers.authoring.shakespeare import load_text, split_text
    from checkers.exercises.textgen import checks, ngram
    from solutions import textgen as reference

    train = split_text(load_text(data_dir))[0]
    vocab = tuple(checks.oracle.vocab(train))
    order, margin = checks.T["ngram_order"], checks.T["ngram_margin"]
    models = {f"kn{n}": ngram.baseline(train, n, vocab) for n in sorted({order, 7})}
    rows = []
    print(f"{'seed':>4} {'gru':>7} " + " ".join(f"{k:>7}" for k in models) + f" {'line':>7}")
    for seed in range(seeds):
        ctx = SimpleNamespace(seed=seed, options={"data_dir": data_dir})
        passages = checks.heldout_passages(ctx)
        count = sum(len(p) - 1 for p in passages)
        gru = float(-sum(reference.sequence_log_probs(p).sum() for p in passages) / count)
        losses = {k: m.loss(passages) for k, m in models.items()}
        line = min(checks.LOSS_FULL_AT, losses[f"kn{order}"] - margin)
        rows.append({"seed": seed, "gru": gru, **losses, "full_at": line})
        print(f"{seed:>4} {gru:7.4f} " + " ".join(f"{v:7.4f}" for v in losses.values())
              + f" {line:7.4f}", flush=True)
    gaps = [r[f"kn{order}"] - r["gru"] for r in rows]
    summary = {
        "seeds": seeds,
        "gru_max": max(r["gru"] for r in rows),
        "gru_mean": sum(r["gru"] for r in rows) / seeds,
        "ngram_min": {k: min(r[k] for r in rows) for k in models},
        "gap_min": min(gaps), "gap_mean": sum(gaps) / seeds,
        "gru_full_marks_on": sum(r["gru"] <= r["full_at"] for r in rows),
        "ngram_full_marks_on": {k: sum(r[k] <= r["full_at"] for r in rows) for k in models},
    }
    print(f"GRU {summary['gru_mean']:.4f} mean, {summary['gru_max']:.4f} worst; the "
          f"{order}-gram is worse by {summary['gap_min']:.4f} to {max(gaps):.4f} nats/char "
          f"(mean {summary['gap_mean']:.4f}); full marks: GRU on "
          f"{summary['gru_full_marks_on']}/{seeds} seeds, n-grams on "
          f"{summary['ngram_full_marks_on']}")
    print(f"a fixed line cannot separate them: GRU worst {summary['gru_max']:.4f} vs n-gram "
          f"best {min(summary['ngram_min'].values()):.4f}")
    return {"rows": rows, "summary": summary}


def main() -> None:
    """Command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir", default=os.environ.get("SEQGRADE_DATA_DIR",
                                                             str(DEFAULT_DATA)))
    parser.add_argument("--calls", action="store_true")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--separation", type=int, default=0, metavar="SEEDS",
                        help="only measure GRU vs n-gram losses on SEEDS grading seeds")
    args = parser.parse_args()
    if args.separation:
        out = {"separation": bench_separation(args.separation, args.data_dir)}
        if args.json:
            args.json.write_text(json.dumps(out, indent=2) + "\n")
        return
    out = {"cpus": os.cpu_count(), "grading": bench_grading(args.seed, args.data_dir)}
    if args.calls:
        out["calls"] = bench_calls(args.data_dir)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
