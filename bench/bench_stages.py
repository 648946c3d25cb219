"""Where one submission's grading time goes, stage by stage, for every exercise.

``python bench/bench_stages.py [--exercises reber dates ...] [--repeat 3] [--out FILE]``
prints, per exercise, the cost of each stage of grading its reference submission:

- ``interpreter``: starting ``python -I`` (what every worker pays);
- ``worker``: a sandboxed worker answering its first call on a one-line submission,
  without isolation, and ``isolation``: the extra cost of the isolated view;
- ``imports``: importing the libraries the reference imports (TensorFlow/Keras; torch
  and transformers for ``textgen``), in a fresh interpreter;
- ``model_load``: loading the reference's trained artifacts (after the imports);
- ``grade``: grading the reference end to end in the sandbox (what ``seqgrade check``
  costs), and ``checks``: what remains of it after the stages above (the checks' own work,
  the calls and the protocol);
- ``report``: rendering the report as JSON.

Medians over ``--repeat`` runs, in seconds; the shares of ``grade`` are printed too, so a
change in the repeated costs (worker start, imports, model load) shows as a ratio.
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


def interpreter_start(repeat: int) -> float:
    """Starting a bare isolated interpreter."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-I", "-c", "pass"], check=True)
        samples.append(time.perf_counter() - started)
    return _median(samples)


def worker_first_call(isolate: bool, repeat: int) -> float:
    """A worker's start, (isolation,) import of a one-line submission and first call."""
    samples = []
    with tempfile.TemporaryDirectory(prefix="seqgrade-stages-") as tmp:
        source = Path(tmp) / "submission" / "tiny.py"
        source.parent.mkdir()
        source.write_text("def answer():\n    return 42\n")
        for _ in range(repeat):
            started = time.perf_counter()
            runner = SandboxRunner(find_submission(source, "tiny"),
                                   limits=Limits(isolate=isolate))
            try:
                assert runner.call("answer", (), {}, timeout=120) == 42
            finally:
                runner.close()
            samples.append(time.perf_counter() - started)
    return _median(samples)


def library_imports(exercise: str, repeat: int) -> float:
    """Importing the exercise's libraries in a fresh interpreter."""
    code = (f"import time; t = time.perf_counter(); {IMPORTS.get(exercise, 'pass')}; "
            "print(time.perf_counter() - t)")
    return _subprocess_seconds(code, repeat)


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


def grade_reference(exercise: str, repeat: int, options: dict) -> tuple[float, float]:
    """Grading the reference end to end, and rendering its report as JSON."""
    totals, renders = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        report = grade(exercise, get_exercise(exercise).solution_path, options=options)
        totals.append(time.perf_counter() - started)
        started = time.perf_counter()
        report.to_json()
        renders.append(time.perf_counter() - started)
        if report.score < report.max_score:
            print(f"  warning: the {exercise} reference scored {report.score}/"
                  f"{report.max_score}", flush=True)
    return _median(totals), _median(renders)


def main() -> None:
    """Measure every stage for each exercise and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exercises", nargs="*",
                        default=["reber", "dates", "shifted_targets", "textgen", "qa"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", help="write the figures as JSON here")
    args = parser.parse_args()
    options = {}
    if os.environ.get("SEQGRADE_DATA_DIR"):
        options["data_dir"] = os.environ["SEQGRADE_DATA_DIR"]
    shared = {"interpreter": interpreter_start(args.repeat),
              "worker": worker_first_call(False, args.repeat)}
    shared["isolation"] = round(worker_first_call(True, args.repeat) - shared["worker"], 3)
    print(f"load average {os.getloadavg()[0]:.1f}; per worker: interpreter "
          f"{shared['interpreter']:.2f} s, worker first call {shared['worker']:.2f} s, "
          f"isolation +{shared['isolation']:.2f} s", flush=True)
    results = {"cpus": os.cpu_count(), "shared": shared, "exercises": {}}
    for name in args.exercises:
        figures = {"imports": library_imports(name, args.repeat),
                   "model_load": model_load(name, args.repeat)}
        figures["grade"], figures["report"] = grade_reference(name, args.repeat, options)
        overhead = shared["worker"] + shared["isolation"] + figures["imports"] + \
            figures["model_load"]
        figures["checks"] = round(max(0.0, figures["grade"] - overhead), 3)
        results["exercises"][name] = figures
        shares = ", ".join(f"{k} {v:.2f} s ({v / figures['grade']:.0%})"
                           for k, v in figures.items() if k != "grade")
        print(f"{name:>16}: grade {figures['grade']:.2f} s = {shares}", flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
