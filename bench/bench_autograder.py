"""Peak memory and time of the Gradescope autograder, per exercise, on the references.

``python bench/bench_autograder.py [--exercises reber dates ...] [--out FILE]`` builds each
exercise's autograder zip (``seqgrade autograder``), extracts it into a temporary
Gradescope root, puts the reference solution and its trained files in ``submission/``, and
runs ``run_autograder`` as Gradescope would (with this Python instead of setup.sh's
virtual environment). While it runs, every 0.05 s, it sums over the whole process tree
(the grader, its fork server, the workers and whatever they start; found with psutil):

- ``peak_rss_mib``: the largest sum of resident set sizes. Pages that forked workers share
  with their fork server count once per process here: an upper bound, the safe figure
  for a memory limit;
- ``peak_pss_mib``: the largest sum of proportional set sizes (shared pages split between
  the processes sharing them; sampled every 0.5 s, reading smaps is slower): close to
  what a container's memory accounting charges;
- ``peak_process_rss_mib``: the largest single process;
- ``wall_s``: start to results.json, and ``cpu_s``: CPU seconds of the whole tree
  (``RUSAGE_CHILDREN``; every process of the tree is reaped by its parent);
- the score (the reference must earn full marks), the most processes seen at once, and
  the machine's load average (1 minute) before the run: the machine may be shared.

The figures go to ``bench/autograder_results.json``, which the zip's README and
docs/DEPLOY.md turn into the memory, CPU and timeout to set on Gradescope
(:func:`checkers.batch.autograder.recommended_settings`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from checkers.batch.autograder import build_autograder  # noqa: E402
from checkers.engine.model import SOLUTIONS_DIR  # noqa: E402
from checkers.engine.registry import available_exercises, get_exercise  # noqa: E402

MIB = 1 << 20
OUT = ROOT / "bench" / "autograder_results.json"


def _tree(process: psutil.Process) -> list[psutil.Process]:
    try:
        return [process, *process.children(recursive=True)]
    except psutil.Error:
        return []


def _sum(processes: list[psutil.Process], field: str) -> tuple[int, int]:
    """The sum of ``field`` (rss or pss) over ``processes``, and the largest rss."""
    total, largest = 0, 0
    for process in processes:
        try:
            info = (process.memory_full_info() if field == "pss"
                    else process.memory_info())
        except psutil.Error:  # gone meanwhile
            continue
        total += getattr(info, field)
        largest = max(largest, info.rss)
    return total, largest


def _prepare(exercise: str, folder: Path) -> Path:
    """A Gradescope root holding the exercise's zip and its reference as the submission."""
    root = folder / "autograder"
    zip_path = build_autograder(exercise, folder / "ag.zip", timeout=2400,
                                data_dir=os.environ.get("SEQGRADE_DATA_DIR"))
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root / "source")
    submission = root / "submission"
    submission.mkdir()
    spec = get_exercise(exercise)
    (submission / Path(spec.solution_file).name).write_bytes(
        (SOLUTIONS_DIR / spec.solution_file).read_bytes())
    for name in spec.artifacts:
        (submission / name).write_bytes((SOLUTIONS_DIR / name).read_bytes())
    return root


def measure(exercise: str) -> dict:
    """Run run_autograder on ``exercise``'s reference; its figures (see the docstring)."""
    with tempfile.TemporaryDirectory(prefix="bench-autograder-") as scratch:
        root = _prepare(exercise, Path(scratch))
        env = {**os.environ, "SEQGRADE_AUTOGRADER_ROOT": str(root),
               "SEQGRADE_PYTHON": sys.executable}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        child = subprocess.Popen(["bash", str(root / "source" / "run_autograder")], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        parent = psutil.Process(child.pid)
        peak_rss = peak_pss = peak_one = most = 0
        last_pss = 0.0
        while child.poll() is None:
            processes = _tree(parent)
            most = max(most, len(processes))
            rss, largest = _sum(processes, "rss")
            peak_rss, peak_one = max(peak_rss, rss), max(peak_one, largest)
            if time.perf_counter() - last_pss >= 0.5:
                peak_pss = max(peak_pss, _sum(processes, "pss")[0])
                last_pss = time.perf_counter()
            time.sleep(0.05)
        wall = time.perf_counter() - started
        output = child.stdout.read() if child.stdout else ""
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"peak_rss_mib": round(peak_rss / MIB), "peak_pss_mib": round(peak_pss / MIB),
            "peak_process_rss_mib": round(peak_one / MIB), "wall_s": round(wall, 1),
            "cpu_s": round(cpu, 1), "score": results.get("score"),
            "max_score": get_exercise(exercise).max_score, "processes": most,
            "exit_status": child.returncode, "stdout_tail": output.strip()[-300:]}


def main() -> None:
    """Measure the chosen exercises and write the JSON file."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--exercises", nargs="*",
                        default=[e.name for e in available_exercises()])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    previous = json.loads(args.out.read_text(encoding="utf-8")) if args.out.is_file() else {}
    figures = dict(previous.get("exercises", {}))
    for exercise in args.exercises:
        load = round(os.getloadavg()[0], 1)
        figures[exercise] = {**measure(exercise), "load_average_before": load}
        print(exercise, json.dumps(figures[exercise]), flush=True)
    data = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                       f"{psutil.virtual_memory().total / (1 << 30):.0f} GiB, Python "
                       f"{platform.python_version()}",
            "measured": datetime.now(UTC).strftime("%Y-%m-%d"),
            "load_average_at_end": [round(x, 1) for x in os.getloadavg()],
            "exercises": figures}
    args.out.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
