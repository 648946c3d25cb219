"""The time of a ``wordgen`` grading.

    python bench/bench_wordgen.py --seed 3 --json out.json

Grades the reference in the sandbox with per-check wall times (they depend on how busy the
machine is). The evidence behind ``wordgen.heldout_loss``'s line (the reference LSTM
against the word n-gram baselines, seed by seed) is ``bench/bench_baselines.py wordgen``.
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

DEFAULT_DATA = ROOT.parent / "shared" / "data"


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
    parser.add_argument("--data-dir", default=os.environ.get("SEQGRADE_DATA_DIR",
                                                             str(DEFAULT_DATA)))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    out = {"cpus": os.cpu_count(), "grading": bench_grading(args.seed, args.data_dir)}
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
