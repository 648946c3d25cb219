"""Throughput of batch grading: ``--jobs 1``, ``--jobs 2`` and (optionally) Dask, per exercise.

    python bench/bench_batch.py [--exercise reber --exercise dates ...] [--n 8]
                                [--dask] [--out FILE] [--reports FILE] [--compare FILE]

For each exercise it builds a class folder of ``n`` submissions (every other one the
reference with its trained files, the rest that exercise's mutants; for ``qa`` answers
files put together from the labelled answers of ``tests/qa_calibration``), grades it
into a fresh gradebook with ``--jobs 1`` and ``--jobs 2`` and prints submissions per
minute and the speedup of two jobs over one. The class folder lies at a fixed path, so
the reports of two runs (two versions of the grader) can be compared: ``--reports`` saves
every report without its durations, ``--compare`` checks that a run's reports are
byte-identical to saved ones.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from checkers.batch.gradebook import Gradebook  # noqa: E402
from checkers.batch.run import run_batch  # noqa: E402
from checkers.engine.registry import get_exercise  # noqa: E402
from tests.helpers import (  # noqa: E402
    MUTANTS,
    SOLUTIONS,
    all_mutants,
    build_submission,
    copy_artifacts,
    grading_options,
)

CALIBRATION = ROOT / "tests" / "qa_calibration"
CLASS_ROOT = Path(tempfile.gettempdir()) / "seqgrade-bench-class"


def build_class(root: Path, exercise: str, n: int) -> None:
    """``n`` submissions of ``exercise``: references and mutants (or answers files)."""
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    if get_exercise(exercise).grades == "text":
        for i in range(n):
            (root / f"student_{i:03d}.md").write_text(_answers_file(i), encoding="utf-8")
        return
    # Mutants that stall on purpose (timeouts) or grade only some checks would measure
    # something else than a class's ordinary submissions.
    mutants = [m for m in all_mutants(MUTANTS) if m.exercise == exercise and not m.standalone
               and not m.statuses and m.checks is None]
    solution = get_exercise(exercise).solution_file
    for i in range(n):
        folder = root / f"student_{i:03d}"
        if i % 2 == 0 or not mutants:
            folder.mkdir()
            shutil.copy2(SOLUTIONS / solution, folder / solution)
            copy_artifacts(exercise, folder)
        else:
            mutant = mutants[(i // 2) % len(mutants)]
            build_submission(root / ".build", mutant).rename(folder)
    shutil.rmtree(root / ".build", ignore_errors=True)


def _answers_file(index: int) -> str:
    """A ``qa`` answers file: for each question one labelled answer of the first calibration
    set (correct, partial, wrong, ... in English), drawn with ``index`` as the seed."""
    answers: dict[str, list[str]] = {}
    for path in sorted(CALIBRATION.glob("answers_q*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")):
            answers.setdefault(item["q"], []).append(item["text"])
    rng = random.Random(index)
    return "".join(f"## {q}\n\n{rng.choice(texts)}\n\n"
                   for q, texts in sorted(answers.items(), key=lambda kv: int(kv[0][1:])))


def reports_of(db: Path, exercise: str) -> dict[str, str]:
    """Every report of a gradebook as JSON text without durations, by student."""
    with Gradebook(db) as book:
        return {row.student: row.report.to_json(with_durations=False)
                for row in book.rows(exercise)}


def machine_busy_seconds() -> float | None:
    """CPU seconds spent by the whole machine so far (all cores; Linux ``/proc/stat``)."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    except (OSError, ValueError):
        return None
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def timed(exercise: str, label: str, folder: Path, db: Path, **how) -> dict:
    """Grade ``folder`` into a new gradebook; returns the figures of the run.

    With the machine otherwise idle, ``cpu_per_submission`` is the CPU (all processes:
    the batch, its graders, their workers) one submission costs, ``cores_busy`` how many
    cores were busy on average, and ``ceiling_per_minute`` the rate all the machine's
    cores would reach at that cost if none ever waited.
    """
    busy_started = machine_busy_seconds()
    started = time.perf_counter()
    summary = run_batch(exercise, folder, db, options=grading_options(), **how)
    elapsed = time.perf_counter() - started
    busy_ended = machine_busy_seconds()
    figures = {"mode": label, "graded": summary.graded, "seconds": round(elapsed, 1),
               "per_minute": round(60.0 * summary.graded / elapsed, 2),
               "statuses": dict(summary.statuses)}
    cpu = ""
    if busy_started is not None and busy_ended is not None and summary.graded:
        per_submission = (busy_ended - busy_started) / summary.graded
        figures["cpu_per_submission"] = round(per_submission, 3)
        figures["cores_busy"] = round((busy_ended - busy_started) / elapsed, 2)
        figures["ceiling_per_minute"] = round(60.0 * (os.cpu_count() or 1) / per_submission, 1)
        cpu = (f"; {per_submission:.2f} CPU s each, {figures['cores_busy']:.2f} cores busy, "
               f"ceiling {figures['ceiling_per_minute']:.1f} per minute")
    print(f"{exercise:>8} {label:>9}: {summary.graded} submissions in {elapsed:6.1f} s = "
          f"{figures['per_minute']:6.2f} per minute  {dict(summary.statuses)}{cpu}", flush=True)
    return figures


def bench_exercise(exercise: str, n: int, dask_workers: int, tmp: Path,
                   reports: dict[str, dict[str, str]]) -> dict:
    """jobs 1, jobs 2 (and Dask) on one exercise's class; fills ``reports``."""
    folder = CLASS_ROOT / exercise
    build_class(folder, exercise, n)
    one = timed(exercise, "--jobs 1", folder, tmp / f"{exercise}1.sqlite", jobs=1)
    two = timed(exercise, "--jobs 2", folder, tmp / f"{exercise}2.sqlite", jobs=2)
    first = reports_of(tmp / f"{exercise}1.sqlite", exercise)
    second = reports_of(tmp / f"{exercise}2.sqlite", exercise)
    result = {"n": n, "runs": [one, two],
              "speedup_jobs2_over_jobs1": round(two["per_minute"] / one["per_minute"], 2),
              "jobs1_and_jobs2_reports_identical": first == second}
    print(f"{exercise:>8} speedup of --jobs 2 over --jobs 1: "
          f"{result['speedup_jobs2_over_jobs1']:.2f}x; reports identical: "
          f"{result['jobs1_and_jobs2_reports_identical']}", flush=True)
    if dask_workers:
        from dask.distributed import LocalCluster

        started = time.perf_counter()
        with LocalCluster(n_workers=dask_workers, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster:
            startup = time.perf_counter() - started
            dask = timed(exercise, f"dask x{dask_workers}", folder,
                         tmp / f"{exercise}d.sqlite", dask=cluster.scheduler_address)
        dask["cluster_startup_s"] = round(startup, 1)
        result["runs"].append(dask)
    for student in sorted(set(first) | set(second)):
        if first.get(student) != second.get(student):
            print(f"{exercise}/{student}: the reports of --jobs 1 and --jobs 2 differ:")
            print("".join(difflib.unified_diff(
                (first.get(student) or "").splitlines(True),
                (second.get(student) or "").splitlines(True), "jobs 1", "jobs 2")))
    reports[exercise] = first
    return result


def compare(saved: dict[str, dict[str, str]], now: dict[str, dict[str, str]]) -> list[str]:
    """The (exercise, student) pairs whose reports differ from the saved ones."""
    differ = []
    for exercise, students in now.items():
        for student, text in students.items():
            if saved.get(exercise, {}).get(student) != text:
                differ.append(f"{exercise}/{student}")
    return differ


def main() -> None:
    """Run the benchmark and print (and optionally save) its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exercise", action="append", help="exercise(s); default reber")
    parser.add_argument("--n", type=int, default=8, help="submissions in each class")
    parser.add_argument("--dask", type=int, default=0, metavar="WORKERS",
                        help="also grade on a Dask LocalCluster of this many workers")
    parser.add_argument("--out", help="write the figures as JSON here")
    parser.add_argument("--reports", help="save the reports (no durations) as JSON here")
    parser.add_argument("--compare", help="fail unless the reports equal these saved ones")
    args = parser.parse_args()
    results: dict = {"cpus": os.cpu_count(), "load_average_at_start": os.getloadavg(),
                     "python": platform.python_version(), "exercises": {}}
    reports: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory(prefix="seqgrade-bench-") as tmp:
        for exercise in args.exercise or ["reber"]:
            results["exercises"][exercise] = bench_exercise(exercise, args.n, args.dask,
                                                            Path(tmp), reports)
    results["load_average_at_end"] = os.getloadavg()
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    if args.reports:
        Path(args.reports).write_text(json.dumps(reports, indent=1, sort_keys=True) + "\n",
                                      encoding="utf-8")
    if args.compare:
        differ = compare(json.loads(Path(args.compare).read_text(encoding="utf-8")), reports)
        print("reports identical to the saved ones" if not differ
              else f"reports differ from the saved ones: {', '.join(differ)}")
        if differ:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
