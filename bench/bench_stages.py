"""Where one submission's grading time goes, stage by stage, for every exercise, with
workers started as fresh interpreters (``started``, as before issue 17) and forked from
the fork server (``forked``, the default since).

``python bench/bench_stages.py [--exercises reber dates ...] [--repeat 3] [--out FILE]``
prints, per exercise and for both ways of starting a worker:

- ``worker``: a sandboxed worker answering its first call on a one-line submission,
  without isolation, and ``isolation``: the extra cost of the isolated view (shared by
  every exercise; ``fork_server_start`` is the one-off start of a server, not counted);
- ``imports``: importing the libraries the exercise's submissions import (TensorFlow and
  Keras; torch and transformers for ``textgen``) inside a worker: what every started
  worker pays, and what a forked worker still pays beyond its server's preload;
- ``model_load``: loading the reference's trained artifacts (after the imports);
- ``grade``: grading the reference end to end in the sandbox (what ``seqgrade check``
  costs; a forked run after a first one has started the server), and ``checks``: what
  remains of it after the stages above (the checks' own work, the calls, the protocol);
- ``report``: rendering the report as JSON;
- ``cpu_per_grade`` (forked): CPU seconds of one reference grade in the grader
  (``grader_cpu``) and on the whole machine (``machine_cpu``; their difference,
  ``worker_cpu``, is the submission's own work), and ``ceiling_per_minute``: the most
  such grades all cores could do a minute, whatever the grader's design.

Medians over ``--repeat`` runs, in seconds; the shares of ``grade`` are printed too.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from checkers.engine.grading import grade  # noqa: E402
from checkers.engine.registry import get_exercise  # noqa: E402
from checkers.sandbox import forkserver  # noqa: E402
from checkers.sandbox.runner import Limits, SandboxRunner  # noqa: E402
from checkers.sandbox.submission import find_submission  # noqa: E402

IMPORTS = {
    "reber": "import keras, tensorflow",
    "dates": "import keras, tensorflow",
    "shifted_targets": "import keras, tensorflow",
    "wordgen": "import keras, tensorflow",
    "textgen": "import keras, tensorflow, torch, transformers",
    "qa": "import torch, transformers",
}


def _median(samples: list[float]) -> float:
    return round(statistics.median(samples), 3)


def _subprocess_seconds(code: str, repeat: int) -> float:
    """Median wall time of ``python -I -c code`` (its own report of the timed part)."""
    samples = []
    for _ in range(repeat):
        done = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True,
                              text=True, timeout=600, env={**os.environ,
                                                           "TF_CPP_MIN_LOG_LEVEL": "3"})
        samples.append(float(done.stdout.strip().splitlines()[-1]))
    return _median(samples)


class _Mode:
    """Workers started as interpreters (``forked=False``) or forked from the fork server."""

    def __init__(self, forked: bool) -> None:
        self.forked = forked

    def __enter__(self) -> None:
        self.saved = os.environ.get("SEQGRADE_NO_FORK_SERVER")
        if self.forked:
            os.environ.pop("SEQGRADE_NO_FORK_SERVER", None)
        else:
            os.environ["SEQGRADE_NO_FORK_SERVER"] = "1"

    def __exit__(self, *exc: object) -> None:
        forkserver.close_all()
        if self.saved is None:
            os.environ.pop("SEQGRADE_NO_FORK_SERVER", None)
        else:
            os.environ["SEQGRADE_NO_FORK_SERVER"] = self.saved


def _timed_calls(source: Path, calls: list[str], preload: tuple[str, ...], isolate: bool,
                 ) -> list[float]:
    """Seconds of each call of a fresh sandbox on ``source`` (the first includes its start)."""
    runner = SandboxRunner(find_submission(source, "stages"), limits=Limits(isolate=isolate),
                           preload=preload)
    seconds = []
    try:
        for func in calls:
            started = time.perf_counter()
            runner.call(func, (), {}, timeout=300)
            seconds.append(time.perf_counter() - started)
    finally:
        runner.close()
    return seconds


def worker_stages(forked: bool, repeat: int) -> dict[str, float]:
    """First call of a one-line submission (worker start), isolated and not."""
    with tempfile.TemporaryDirectory(prefix="seqgrade-stages-") as tmp, _Mode(forked):
        source = Path(tmp) / "submission" / "tiny.py"
        source.parent.mkdir()
        source.write_text("def answer():\n    return 42\n")
        started = time.perf_counter()
        _timed_calls(source, ["answer"], (), True)  # starts the fork server, if any
        server_start = time.perf_counter() - started
        plain = [_timed_calls(source, ["answer"], (), False)[0] for _ in range(repeat)]
        isolated = [_timed_calls(source, ["answer"], (), True)[0] for _ in range(repeat)]
    figures = {"worker": _median(plain),
               "isolation": round(_median(isolated) - _median(plain), 3)}
    if forked:
        figures["fork_server_start"] = round(server_start, 3)
    return figures


def library_imports(exercise: str, forked: bool, repeat: int) -> float:
    """Importing the exercise's libraries inside a worker (after its first call)."""
    code = f"def answer():\n    return 42\n\ndef load():\n    {IMPORTS.get(exercise, 'pass')}\n"
    preload = get_exercise(exercise).worker_imports
    with tempfile.TemporaryDirectory(prefix="seqgrade-stages-") as tmp, _Mode(forked):
        source = Path(tmp) / "submission" / "imports.py"
        source.parent.mkdir()
        source.write_text(code)
        _timed_calls(source, ["answer"], preload, True)
        return _median([_timed_calls(source, ["answer", "load"], preload, True)[1]
                        for _ in range(repeat)])


def model_load(exercise: str, repeat: int) -> float:
    """Loading the reference's Keras artifacts, after the imports."""
    paths = [str(get_exercise(exercise).solution_path.parent / name)
             for name in get_exercise(exercise).artifacts if name.endswith(".keras")]
    if not paths:
        return 0.0
    code = ("import time, keras; t = time.perf_counter(); "
            f"[keras.models.load_model(p, compile=False) for p in {paths!r}]; "
            "print(time.perf_counter() - t)")
    return _subprocess_seconds(code, repeat)


def _machine_busy_seconds() -> float | None:
    """CPU seconds spent by the whole machine so far (all cores; Linux ``/proc/stat``)."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    except (OSError, ValueError):
        return None
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def grade_reference(exercise: str, forked: bool, repeat: int,
                    options: dict, cpu: dict | None = None) -> tuple[float, float]:
    """Grading the reference end to end, and rendering its report as JSON.

    ``cpu`` (forked runs) receives the CPU seconds of one grade: ``grader_cpu`` (this
    process: checks, oracles, protocol) and ``machine_cpu`` (every core: the grader, the
    worker running the submission, the fork server), medians; on a quiet machine their
    difference is the submission's own work, which no grader design can remove.
    """
    totals, renders, grader_cpu, machine_cpu = [], [], [], []
    with _Mode(forked):
        if forked:
            grade(exercise, get_exercise(exercise).solution_path, options=options)
        for _ in range(repeat):
            started, cpu_started = time.perf_counter(), time.process_time()
            busy_started = _machine_busy_seconds()
            report = grade(exercise, get_exercise(exercise).solution_path, options=options)
            totals.append(time.perf_counter() - started)
            grader_cpu.append(time.process_time() - cpu_started)
            busy = _machine_busy_seconds()
            if busy is not None and busy_started is not None:
                machine_cpu.append(busy - busy_started)
            started = time.perf_counter()
            report.to_json()
            renders.append(time.perf_counter() - started)
            if report.score < report.max_score:
                print(f"  warning: the {exercise} reference scored {report.score}/"
                      f"{report.max_score}", flush=True)
    if cpu is not None:
        cpu["grader_cpu"] = _median(grader_cpu)
        if machine_cpu:
            cpu["machine_cpu"] = _median(machine_cpu)
    return _median(totals), _median(renders)


def main() -> None:
    """Measure every stage for each exercise, both ways, and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exercises", nargs="*",
                        default=["reber", "dates", "shifted_targets", "textgen"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", help="write the figures as JSON here")
    args = parser.parse_args()
    options = {}
    if os.environ.get("SEQGRADE_DATA_DIR"):
        options["data_dir"] = os.environ["SEQGRADE_DATA_DIR"]
    results: dict = {"cpus": os.cpu_count(), "load_average_at_start": os.getloadavg(),
                     "shared": {}, "exercises": {}}
    for mode, forked in (("started", False), ("forked", True)):
        shared = worker_stages(forked, args.repeat)
        results["shared"][mode] = shared
        print(f"{mode:>8} workers: " + ", ".join(f"{k} {v:.3f} s" for k, v in shared.items()),
              flush=True)
    for name in args.exercises:
        results["exercises"][name] = {}
        for mode, forked in (("started", False), ("forked", True)):
            shared = results["shared"][mode]
            figures = {"worker": shared["worker"], "isolation": shared["isolation"],
                       "imports": library_imports(name, forked, args.repeat),
                       "model_load": model_load(name, args.repeat)}
            cpu: dict = {}
            figures["grade"], figures["report"] = grade_reference(
                name, forked, args.repeat, options, cpu if forked else None)
            overhead = sum(figures[k] for k in ("worker", "isolation", "imports",
                                                "model_load"))
            figures["checks"] = round(max(0.0, figures["grade"] - overhead), 3)
            results["exercises"][name][mode] = figures
            shares = ", ".join(f"{k} {v:.2f} s ({v / figures['grade']:.0%})"
                               for k, v in figures.items() if k != "grade")
            print(f"{name:>16} {mode:>8}: grade {figures['grade']:.2f} s = {shares}",
                  flush=True)
        before, after = (results["exercises"][name][m]["grade"] for m in ("started", "forked"))
        print(f"{name:>16}: started / forked = {before / after:.2f}", flush=True)
        if cpu:
            cpu["worker_cpu"] = round(cpu.get("machine_cpu", 0.0) - cpu["grader_cpu"], 3)
            if cpu.get("machine_cpu"):
                # The most references a minute all cores could grade at this CPU cost.
                cpu["ceiling_per_minute"] = round(60 * (os.cpu_count() or 1)
                                                  / cpu["machine_cpu"], 1)
            results["exercises"][name]["cpu_per_grade"] = cpu
            print(f"{name:>16}: CPU per reference grade " + ", ".join(
                f"{k} {v}" for k, v in cpu.items()), flush=True)
    results["load_average_at_end"] = os.getloadavg()
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
