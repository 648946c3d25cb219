"""Benchmark: the per-submission cost of the worker's allow-list view (issue 12).

Each round starts a worker on a small submission, makes its calls, and closes it, once in
the allow-list view (a fresh root: binds, tmpfs, pivot_root) and once in the former
deny-list view (``SEQGRADE_NO_ALLOW_LIST=1``: the host read-only, grader folders covered),
interleaved so that the load of a shared machine falls on both alike. Two submissions:
``numpy`` (a trivial call: the view's set-up is most of the cost) and ``tensorflow`` (the
call imports TensorFlow and runs a tiny model, as a graded submission does). Prints the
median seconds per submission and the ratio allow-list / deny-list; writes
``bench/sandbox_results.json``. Run: ``python bench/bench_sandbox.py [--repeat N]``.

Where each submission's time goes, stage by stage, is ``bench/bench_stages.py``.
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
    args = parser.parse_args()
    out = Path(__file__).with_name("sandbox_results.json")
    previous = json.loads(out.read_text()) if out.exists() else {}
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
