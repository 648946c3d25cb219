"""Time the grading of ``dates`` submissions (sandboxed, as ``seqgrade check`` does it).

``python bench/bench_dates.py [--seed N] [--compare reber]`` grades the reference and
prints the total grading time, the time of each check and its score; ``--compare`` also
grades another exercise's reference so that the two totals can be put side by side.

Issue 30 (checks sized for honest code, a budget that scales with the work):

- ``--book`` also grades ``tests/honest/dates_book_beam.py`` (the reference with the
  book's beam search: one ``model.predict`` per step and per beam) with the default
  budget, and reports its wall and CPU time as ratios to the reference's and to the
  budget;
- ``--hang`` grades ``tests/trivial/reber_hangs.py`` (every function loops forever) with
  the default budget, against the issue's bound: 10x the reference's recorded time plus
  the worker's start.

``--json FILE`` writes every figure (``bench/dates_results.json`` keeps the last run).
Run it with ``nice`` on a shared machine; the load average is recorded with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from checkers.engine.budget import (  # noqa: E402 - after the path fix
    GradingTime,
    default_limits,
    load_reference_time,
)
from checkers.engine.grading import grade  # noqa: E402
from checkers.engine.registry import get_exercise  # noqa: E402
from checkers.sandbox.runner import SandboxRunner  # noqa: E402
from checkers.sandbox.submission import find_submission  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def graded(exercise: str, path: Path, label: str, seed: int = 0) -> dict[str, Any]:
    """Grade ``path`` with the default budget; print and return the figures."""
    timing = GradingTime()
    options = {"data_dir": os.environ.get("SEQGRADE_DATA_DIR")}
    report = grade(exercise, path, seed=seed, options=options, timing=timing)
    print(f"{label}: score {report.score}/{report.max_score}, {timing.wall_seconds:.1f} s "
          f"wall, {timing.cpu_seconds:.1f} s CPU")
    for check in report.checks:
        metrics = " ".join(f"{k}={v:.4f}" for k, v in check.metrics.items() if "[" not in k)
        print(f"  {check.id:<28} {check.duration_s:7.1f} s  {check.score:5.1f}/"
              f"{check.max_score:<5.1f} {check.status:<8} {metrics}")  # fmt: skip
    return {"score": report.score, "max_score": report.max_score,
            "wall_s": round(timing.wall_seconds, 2), "cpu_s": round(timing.cpu_seconds, 2),
            "checks": {c.id: {"score": c.score, "status": str(c.status),
                              "duration_s": c.duration_s,
                              **{k: round(v, 4) for k, v in c.metrics.items() if "[" not in k}}
                       for c in report.checks},
            "notes": [n for n in report.notes if n.startswith("time:")]}


def book(seed: int) -> dict[str, Any]:
    """The book-style beam search against the reference, on the same machine and load."""
    exercise = get_exercise("dates")
    reference = load_reference_time(exercise)
    budget = default_limits(exercise).time_budget
    ref = graded("dates", ROOT / "solutions" / "dates.py", "reference", seed)
    with tempfile.TemporaryDirectory() as folder:
        source = ((ROOT / "solutions" / "dates.py").read_text(encoding="utf-8") + "\n\n"
                  + (ROOT / "tests" / "honest" / "dates_book_beam.py").read_text("utf-8"))
        (Path(folder) / "dates.py").write_text(source, encoding="utf-8")
        for name in exercise.artifacts:
            (Path(folder) / name).write_bytes((ROOT / "solutions" / name).read_bytes())
        honest = graded("dates", Path(folder), "book-style beam search", seed)
    result = {"reference": ref, "book": honest, "budget_s": budget,
              "recorded_reference_s": reference.seconds if reference else None,
              "book_over_reference": {"wall": round(honest["wall_s"] / ref["wall_s"], 1),
                                      "cpu": round(honest["cpu_s"] / ref["cpu_s"], 1)},
              "book_wall_over_budget": round(honest["wall_s"] / budget, 2) if budget else None}
    print(json.dumps({k: v for k, v in result.items() if k not in ("reference", "book")}))
    return result


def hang() -> dict[str, Any]:
    """A reber submission that hangs in every call, against 10x the reference + start."""
    path = ROOT / "tests" / "trivial" / "reber_hangs.py"
    exercise = get_exercise("reber")
    reference = load_reference_time(exercise)
    runner = SandboxRunner(find_submission(path, "reber"), limits=default_limits(exercise),
                           preload=exercise.worker_imports)
    started = time.perf_counter()
    runner.ensure_started()
    start = time.perf_counter() - started
    runner.close()
    result = graded("reber", path, "hanging reber submission")
    bound = 10 * reference.seconds + start if reference else None
    result.update({"worker_start_s": round(start, 2), "bound_s": bound,
                   "recorded_reference_s": reference.seconds if reference else None,
                   "budget_s": default_limits(exercise).time_budget,
                   "over_reference": round(result["wall_s"] / reference.seconds, 1)
                   if reference else None,
                   "within_bound": bound is not None and result["wall_s"] <= bound})
    print(json.dumps({k: v for k, v in result.items() if k != "checks"}))
    return result


def bench(exercise: str, seed: int = 0) -> float:
    """Grade ``exercise``'s reference once; print and return the total wall time (s)."""
    path = ROOT / "solutions" / get_exercise(exercise).solution_file
    return graded(exercise, path, exercise, seed)["wall_s"]


def main(argv: list[str] | None = None) -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--compare", action="append", default=[])
    parser.add_argument("--book", action="store_true")
    parser.add_argument("--hang", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    figures: dict[str, Any] = {"measured": time.strftime("%Y-%m-%d %H:%M"),
                               "cpus": os.cpu_count(), "load_average": os.getloadavg()}
    if args.hang:
        figures["hang"] = hang()
    if args.book:
        figures["book"] = book(args.seed)
    if not (args.book or args.hang) or args.compare:
        totals = {name: bench(name, args.seed) for name in ["dates", *args.compare]}
        figures["totals_s"] = totals
        if len(totals) > 1:
            ratios = ", ".join(f"{n}: {t / totals['dates']:.2f}x" for n, t in totals.items())
            print(f"relative to dates: {ratios}")
    figures["load_average_at_end"] = os.getloadavg()
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
