"""Benchmark: the per-submission cost of the worker's allow-list view (issue 12).

Each round starts a worker on a small submission, makes its calls, and closes it, once in
the allow-list view (a fresh root: binds, tmpfs, pivot_root) and once in the former
deny-list view (``SEQGRADE_NO_ALLOW_LIST=1``: the host read-only, grader folders covered),
interleaved so that the load of a shared machine falls on both alike. Two submissions:
``numpy`` (a trivial call: the view's set-up is most of the cost) and ``tensorflow`` (the
call imports TensorFlow and runs a tiny model, as a graded submission does). Prints the
median seconds per submission and the ratio allow-list / deny-list; writes
``bench/sandbox_results.json``. Run: ``python bench/bench_sandbox.py [--repeat N]``.

``--stages`` instead times the stages of one sandboxed ``reber``-like submission in the
allow-list view (the repeated costs a fork server would cut, issue 17): starting the
worker (process, isolation, a numpy-only import, one call), importing TensorFlow in it,
loading the reference's Keras model, and one ``predict`` call on 100 strings.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from checkers.sandbox.runner import SandboxRunner
from checkers.sandbox.submission import find_submission

SOURCES = {
    "numpy": "import numpy as np\n\ndef f(x):\n    return np.asarray(x) * 2\n",
    "tensorflow": (
        "import numpy as np\n\n"
        "def f(x):\n"
        "    import tensorflow as tf\n"
        "    layer = tf.keras.layers.Dense(2)\n"
        "    return layer(np.asarray([x], dtype='float32')).numpy()\n"
    ),
}
VIEWS = {"allow-list": {}, "deny-list": {"SEQGRADE_NO_ALLOW_LIST": "1"}}
STAGES_SOURCE = (
    "import numpy as np\n\n"
    "def ping():\n    return 1\n\n"
    "def import_tf():\n    import tensorflow  # noqa: F401\n    return 1\n\n"
    "def load_model():\n    global MODEL\n    import keras\n"
    "    MODEL = keras.saving.load_model('reber.keras', compile=False)\n    return 1\n\n"
    "def predict(n):\n    x = np.zeros((n, 30), dtype='int32')\n"
    "    return MODEL.predict(x, verbose=0).reshape(-1)\n"
)


def stages(repeat: int) -> dict[str, float]:
    """Median seconds of each stage of one submission (see the module docstring)."""
    import shutil

    times: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "submission.py"
        path.write_text(STAGES_SOURCE)
        shutil.copy(Path(__file__).resolve().parent.parent / "solutions" / "reber.keras",
                    Path(folder) / "reber.keras")
        for _ in range(repeat):
            started = time.perf_counter()
            with SandboxRunner(find_submission(path, "x")) as runner:
                for stage, call in (("start, isolate, import, one call", ("ping", ())),
                                    ("import tensorflow", ("import_tf", ())),
                                    ("load the Keras model", ("load_model", ())),
                                    ("predict 100 strings", ("predict", (100,)))):
                    runner.call(call[0], call[1], {}, timeout=300)
                    now = time.perf_counter()
                    times.setdefault(stage, []).append(now - started)
                    started = now
            times.setdefault("close", []).append(time.perf_counter() - started)
    return {stage: round(statistics.median(t), 3) for stage, t in times.items()}


def one_submission(path: Path, env: dict[str, str]) -> float:
    """Seconds to start a worker, make two calls, and close it."""
    started = time.perf_counter()
    with SandboxRunner(find_submission(path, "x"), env=dict(env)) as runner:
        runner.call("f", ([1.0, 2.0],), {}, timeout=300)
        runner.call("f", ([3.0, 4.0],), {}, timeout=300)
    return time.perf_counter() - started


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", choices=sorted(SOURCES), help="one submission only")
    parser.add_argument("--stages", action="store_true", help="time the stages instead")
    args = parser.parse_args()
    out = Path(__file__).with_name("sandbox_results.json")
    previous = json.loads(out.read_text()) if out.exists() else {}
    if args.stages:
        medians = stages(args.repeat)
        for stage, seconds in medians.items():
            print(f"{stage:>34}: {seconds:.3f} s")
        out.write_text(json.dumps({**previous, "stages_s": {**medians, "repeat": args.repeat}},
                                  indent=2) + "\n")
        return
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, source in SOURCES.items():
            if args.only and name != args.only:
                continue
            path = Path(folder) / name / "submission.py"
            path.parent.mkdir()
            path.write_text(source)
            one_submission(path, {})  # warm the page cache
            times: dict[str, list[float]] = {view: [] for view in VIEWS}
            for _ in range(args.repeat):
                for view, env in VIEWS.items():
                    times[view].append(one_submission(path, env))
            medians = {view: statistics.median(t) for view, t in times.items()}
            ratio = medians["allow-list"] / medians["deny-list"]
            results[name] = {"median_s": medians, "ratio": round(ratio, 3),
                             "repeat": args.repeat,
                             "all_s": {v: [round(x, 3) for x in t] for v, t in times.items()}}
            print(f"{name:>10}: allow-list {medians['allow-list']:.3f} s, deny-list "
                  f"{medians['deny-list']:.3f} s per submission; ratio {ratio:.3f}")
    out.write_text(json.dumps({**previous, **results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
