"""The cost of each isolation level per submission, as ratios to the namespace path.

    python bench/bench_isolation.py [--exercise shifted_targets] [--n 5] [--out FILE]
    python bench/bench_isolation.py --container     # the same, inside a container

Each level is reached by switching layers off in the workers' environment (the switches
of :mod:`checkers.sandbox.isolation`): namespaces (with Landlock and seccomp on top, the
default on a bare machine), Landlock + seccomp without namespaces (what a container
gets), Landlock alone, and a user id of its own only. With ``--container`` the bench runs
itself inside the container emulation of the tests (root without CAP_SYS_ADMIN, no new
user namespaces), where the namespace path does not exist and "none" (Landlock switched
off) is measured instead of "uid-only".

Two figures per level, median of ``n`` runs, alternating the levels so that the shared
machine's noise falls on all of them alike:

- **start**: a fresh sandbox runner's first call (worker forked from a warm fork server,
  isolated, the submission imported, one call answered): what isolation adds;
- **grade**: grading the reference of ``--exercise`` (its quick checks) end to end.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from checkers.engine.grading import grade  # noqa: E402
from checkers.sandbox.runner import SandboxRunner  # noqa: E402
from checkers.sandbox.submission import find_submission  # noqa: E402
from tests.container import in_container, why_not  # noqa: E402
from tests.helpers import SOLUTIONS, copy_artifacts, grading_options  # noqa: E402

QUICK_CHECKS = {"shifted_targets": ["shifted_targets.encoding", "shifted_targets.detector"],
                "reber": ["reber.string_to_ids", "reber.generate_valid"]}
BARE_LEVELS = {
    "namespaces": {},
    "landlock": {"SEQGRADE_NO_NAMESPACES": "1"},
    "landlock without seccomp": {"SEQGRADE_NO_NAMESPACES": "1", "SEQGRADE_NO_SECCOMP": "1"},
    "uid-only": {"SEQGRADE_NO_NAMESPACES": "1", "SEQGRADE_NO_LANDLOCK": "1"},
}
CONTAINER_LEVELS = {
    "landlock": {},
    "landlock without seccomp": {"SEQGRADE_NO_SECCOMP": "1"},
    "none": {"SEQGRADE_NO_LANDLOCK": "1"},
}


def _start_cost(folder: Path, exercise: str, env: dict[str, str]) -> tuple[float, str]:
    submission = find_submission(folder, exercise)
    started = time.perf_counter()
    with SandboxRunner(submission, env=env, preload=("numpy",)) as runner:
        try:
            runner.call("__seqgrade_missing__", (), {}, timeout=60)
        except Exception:  # noqa: BLE001 - a missing function: the round trip is what counts
            pass
        level = runner.isolation
    return time.perf_counter() - started, level


def measure(exercise: str, n: int, levels: dict[str, dict[str, str]]) -> dict:
    """Median start and grade times per level, and their ratios to the first level."""
    folder = Path(tempfile.mkdtemp(prefix="seqgrade-bench-isolation-"))
    shutil.copy(SOLUTIONS / f"{exercise}.py", folder / f"{exercise}.py")
    copy_artifacts(exercise, folder)
    starts: dict[str, list[float]] = {name: [] for name in levels}
    grades: dict[str, list[float]] = {name: [] for name in levels}
    reached: dict[str, str] = {}
    scores: dict[str, list[float]] = {name: [] for name in levels}
    options = grading_options()
    for env in levels.values():  # warm the fork servers of every environment
        _start_cost(folder, exercise, env)
    for _ in range(n):
        for name, env in levels.items():
            seconds, reached[name] = _start_cost(folder, exercise, env)
            starts[name].append(seconds)
            started = time.perf_counter()
            report = grade(exercise, folder / f"{exercise}.py", checks=QUICK_CHECKS[exercise],
                           options={**options, "worker_env": env})
            grades[name].append(time.perf_counter() - started)
            scores[name].append(report.score / report.max_score)
    shutil.rmtree(folder, ignore_errors=True)
    base = next(iter(levels))
    rows = {}
    for name in levels:
        start, whole = statistics.median(starts[name]), statistics.median(grades[name])
        rows[name] = {"reached": reached[name], "start_s": round(start, 3),
                      "grade_s": round(whole, 3),
                      "start_ratio": round(start / statistics.median(starts[base]), 3),
                      "grade_ratio": round(whole / statistics.median(grades[base]), 3),
                      "full_marks": all(s == 1.0 for s in scores[name])}
    return {"exercise": exercise, "checks": QUICK_CHECKS[exercise], "n": n, "base": base,
            "machine": platform.platform(), "levels": rows}


def main() -> None:
    """Run the bench (here, or inside the container emulation) and print/save the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--exercise", default="shifted_targets", choices=sorted(QUICK_CHECKS))
    parser.add_argument("--n", type=int, default=5)
    parser.add_argument("--container", action="store_true")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.container and not args.inside:
        reason = why_not()
        if reason:
            sys.exit(f"bench_isolation: {reason}")
        command = (f"{sys.executable} {Path(__file__).resolve()} --container --inside "
                   f"--exercise {args.exercise} --n {args.n}"
                   + (f" --out {args.out.resolve()}" if args.out else ""))
        done = in_container(command, timeout=3600)
        sys.stdout.write(done.stdout)
        sys.stderr.write(done.stderr[-3000:])
        sys.exit(done.returncode)
    result = measure(args.exercise, args.n, CONTAINER_LEVELS if args.container
                     else BARE_LEVELS)
    result["where"] = "container emulation" if args.container else "bare machine"
    print(f"{result['where']}: {args.exercise} ({', '.join(result['checks'])}), median of "
          f"{args.n}, ratios to {result['base']}")
    print(f"{'level':26} {'reached':11} {'start s':>8} {'ratio':>6} {'grade s':>8} "
          f"{'ratio':>6} full marks")
    for name, row in result["levels"].items():
        print(f"{name:26} {row['reached']:11} {row['start_s']:8.3f} {row['start_ratio']:6.2f} "
              f"{row['grade_s']:8.3f} {row['grade_ratio']:6.2f} {row['full_marks']}")
    if args.out:
        previous = json.loads(args.out.read_text()) if args.out.exists() else {}
        previous[result["where"]] = result
        args.out.write_text(json.dumps(previous, indent=2) + "\n")


if __name__ == "__main__":
    main()
