"""Time the ``textgen`` grading and the reference model's calls.

    python bench/bench_textgen.py                       # grade the reference in the sandbox
    python bench/bench_textgen.py --calls               # + time the model functions in-process
    python bench/bench_textgen.py --json out.json --seed 3

Prints the score and the wall time of every check (as ``seqgrade check`` grades it: one
sandboxed worker, which loads TensorFlow and the model once, and transformers once), the
held-out loss, and with ``--calls`` the time of single calls of the reference functions
(the first ``sequence_log_probs`` includes the model load and the trace). Wall times
depend on how busy the machine is; the figures are printed next to ``os.cpu_count()``.

The GRU against the n-gram baselines of ``textgen.heldout_loss``'s line, seed by seed:
``bench/bench_baselines.py textgen``.
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


def main() -> None:
    """Command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir", default=os.environ.get("SEQGRADE_DATA_DIR",
                                                             str(DEFAULT_DATA)))
    parser.add_argument("--calls", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    out = {"cpus": os.cpu_count(), "grading": bench_grading(args.seed, args.data_dir)}
    if args.calls:
        out["calls"] = bench_calls(args.data_dir)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
