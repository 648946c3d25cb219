"""Benchmark: grading the reference `reber` submission, sandboxed and in-process.

Prints the total grading time, the time of each check, and the overhead ratio of the
sandbox (worker subprocess, JSON protocol, limits) against the same checks with the
same calls made in this process. Run: ``python bench/bench_reber.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from checkers.engine.grading import grade, grade_with_runner
from checkers.engine.registry import get_exercise
from checkers.sandbox.runner import InProcessRunner

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    from solutions import reber as reference

    exercise = get_exercise("reber")
    # Warm the in-process model once so both sides pay the model load the same way:
    # the sandbox loads it inside its first predict call, in-process we time it apart.
    started = time.perf_counter()
    reference.predict(["BTBTXSETE"])
    in_process_model_load = time.perf_counter() - started

    sandboxed, in_process = [], []
    per_check: dict[str, list[float]] = {c.id: [] for c in exercise.checks}
    per_check_in: dict[str, list[float]] = {c.id: [] for c in exercise.checks}
    for _ in range(args.repeat):
        started = time.perf_counter()
        report = grade("reber", REPO / "solutions" / "reber.py")
        sandboxed.append(time.perf_counter() - started)
        assert report.score == report.max_score, report.to_json()
        for check in report.checks:
            per_check[check.id].append(check.duration_s)
        started = time.perf_counter()
        local = grade_with_runner(exercise, InProcessRunner(vars(reference)),
                                  submission_label="in-process")
        in_process.append(time.perf_counter() - started)
        for check in local.checks:
            per_check_in[check.id].append(check.duration_s)

    sandbox_s, local_s = statistics.median(sandboxed), statistics.median(in_process)
    print(f"reference reber submission, {args.repeat} runs (median)")
    print(f"  total grading time, sandboxed : {sandbox_s:7.2f} s")
    print(f"  total grading time, in-process: {local_s:7.2f} s "
          f"(+ {in_process_model_load:.2f} s model load done beforehand)")
    print(f"  overhead ratio sandbox / in-process: {sandbox_s / local_s:5.2f}x "
          f"({sandbox_s / (local_s + in_process_model_load):.2f}x counting the model load)")
    print(f"  {'check':28} {'sandbox s':>10} {'in-proc s':>10} {'ratio':>7}")
    for check_id, times in per_check.items():
        a, b = statistics.median(times), statistics.median(per_check_in[check_id])
        print(f"  {check_id:28} {a:10.3f} {b:10.3f} {a / max(b, 1e-9):7.2f}")


if __name__ == "__main__":
    main()
