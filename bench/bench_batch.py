"""Throughput of batch grading: ``--jobs 1``, ``--jobs 2``, and a Dask ``LocalCluster``.

``python bench/bench_batch.py [--n 6] [--quick] [--workers 2] [--out FILE]`` builds a class
folder of ``n`` reber submissions (references and mutants, each a folder with its model),
grades it into a fresh gradebook three ways and prints submissions per minute, the
speedup of 2 jobs over 1, and the Dask figure (cluster start-up not counted, printed
apart). ``--quick`` grades only the checks that need no model (no TensorFlow in the
workers), which measures the batch machinery rather than the model checks.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from checkers.batch.run import run_batch  # noqa: E402
from tests.helpers import MUTANTS, SOLUTIONS, all_mutants, build_submission  # noqa: E402

QUICK_CHECKS = ["reber.generate_valid", "reber.corrupted", "reber.string_to_ids",
                "reber.dataset"]


def build_class(root: Path, n: int) -> None:
    """``n`` submissions: every other one a reference, the rest reber mutants."""
    mutants = [m for m in all_mutants(MUTANTS) if m.exercise == "reber" and not m.standalone]
    root.mkdir(parents=True)
    for i in range(n):
        if i % 2 == 0:
            folder = root / f"student_{i:03d}"
            folder.mkdir()
            shutil.copy2(SOLUTIONS / "reber.py", folder / "reber.py")
            shutil.copy2(SOLUTIONS / "reber.keras", folder / "reber.keras")
        else:
            mutant = mutants[(i // 2) % len(mutants)]
            build_submission(root / ".build", mutant).rename(root / f"student_{i:03d}")
    shutil.rmtree(root / ".build", ignore_errors=True)


def timed(label: str, folder: Path, db: Path, checks: list[str] | None, **how) -> dict:
    """Grade ``folder`` into a new gradebook; returns the figures of the run."""
    started = time.perf_counter()
    summary = run_batch("reber", folder, db, checks=checks, **how)
    elapsed = time.perf_counter() - started
    figures = {"mode": label, "graded": summary.graded, "seconds": round(elapsed, 1),
               "per_minute": round(60.0 * summary.graded / elapsed, 2),
               "statuses": dict(summary.statuses)}
    print(f"{label:>12}: {summary.graded} submissions in {elapsed:6.1f} s = "
          f"{figures['per_minute']:6.2f} per minute  {dict(summary.statuses)}", flush=True)
    return figures


def main() -> None:
    """Run the benchmark and print (and optionally save) its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=6, help="submissions in the class")
    parser.add_argument("--quick", action="store_true", help="only the checks without a model")
    parser.add_argument("--workers", type=int, default=2, help="Dask LocalCluster workers")
    parser.add_argument("--no-dask", action="store_true")
    parser.add_argument("--out", help="write the figures as JSON here")
    args = parser.parse_args()
    checks = QUICK_CHECKS if args.quick else None
    results: dict = {"n": args.n, "checks": checks or "all", "cpus": os.cpu_count(),
                     "load_average_at_start": os.getloadavg(), "python": platform.python_version()}
    with tempfile.TemporaryDirectory(prefix="seqgrade-bench-") as tmp:
        folder = Path(tmp) / "class"
        build_class(folder, args.n)
        one = timed("--jobs 1", folder, Path(tmp) / "jobs1.sqlite", checks, jobs=1)
        two = timed("--jobs 2", folder, Path(tmp) / "jobs2.sqlite", checks, jobs=2)
        results["runs"] = [one, two]
        results["speedup_jobs2_over_jobs1"] = round(two["per_minute"] / one["per_minute"], 2)
        print(f"speedup of --jobs 2 over --jobs 1: {results['speedup_jobs2_over_jobs1']:.2f}x")
        if not args.no_dask:
            from dask.distributed import LocalCluster

            started = time.perf_counter()
            with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                              dashboard_address=None) as cluster:
                startup = time.perf_counter() - started
                print(f"Dask LocalCluster ({args.workers} workers) started in {startup:.1f} s")
                dask = timed(f"dask x{args.workers}", folder, Path(tmp) / "dask.sqlite", checks,
                             dask=cluster.scheduler_address)
            dask["cluster_startup_s"] = round(startup, 1)
            results["runs"].append(dask)
    results["load_average_at_end"] = os.getloadavg()
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
