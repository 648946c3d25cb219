"""Time the grading of the ``dates`` reference (sandboxed, as ``seqgrade check`` does it).

``python bench/bench_dates.py [--seed N] [--compare reber]`` prints the total grading time,
the time of each check and its score; ``--compare`` also grades another exercise's
reference so that the two totals can be put side by side.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from checkers.engine.grading import grade
from checkers.engine.registry import get_exercise

ROOT = Path(__file__).resolve().parents[1]


def bench(exercise: str, seed: int = 0) -> float:
    """Grade ``exercise``'s reference once; print and return the total wall time (s)."""
    path = ROOT / "solutions" / get_exercise(exercise).solution_file
    started = time.perf_counter()
    report = grade(exercise, path, seed=seed)
    total = time.perf_counter() - started
    print(f"{exercise}: score {report.score}/{report.max_score}, total {total:.1f} s")
    for check in report.checks:
        metrics = " ".join(f"{k}={v:.4f}" for k, v in check.metrics.items())
        print(f"  {check.id:<28} {check.duration_s:7.1f} s  {check.score:5.1f}/"
              f"{check.max_score:<5.1f} {check.status:<8} {metrics}")  # fmt: skip
    return total


def main(argv: list[str] | None = None) -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--compare", action="append", default=[])
    args = parser.parse_args(argv)
    totals = {name: bench(name, args.seed) for name in ["dates", *args.compare]}
    if len(totals) > 1:
        ratios = ", ".join(f"{n}: {t / totals['dates']:.2f}x" for n, t in totals.items())
        print(f"relative to dates: {ratios}")


if __name__ == "__main__":
    main()
