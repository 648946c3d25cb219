"""Time the ``shifted_targets.functional`` check, and grading a whole submission.

    python bench/bench_shifted_targets.py                 # functional check, 2 repeats
    python bench/bench_shifted_targets.py --full          # + grade the reference and the
                                                          #   buggy stub in the sandbox
    python bench/bench_shifted_targets.py --json out.json

For the functional check it runs the grader's trusted trainer (a fresh subprocess, as in
grading) on the oracle's correct arrays and on unshifted ones (the bug), ``--repeats``
times each, and prints: wall time, CPU time of the subprocess, training time, the two
figures (teacher-forced accuracy, free-running exact-match), and whether every repeat gave
identical figures (determinism). Wall times depend on how busy the machine is: the CPU
times are the steadier measure on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from checkers.engine.model import derive_seed  # noqa: E402
from checkers.exercises.shifted_targets import oracle as oracle  # noqa: E402
from checkers.exercises.shifted_targets.trainer import TaskSpec, TrainConfig, evaluate_isolated  # noqa: E402

BUGGY_STUB = ROOT / "tests" / "mutants" / "shifted_targets" / "standalone" / "buggy_stub_as_is.py"
FIGURES = ("teacher_forced_accuracy", "exact_match", "final_loss")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bench_functional(seed: int, repeats: int) -> dict:
    """Run the trusted trainer on correct and unshifted arrays; timings and figures."""
    # The same derivation as the check itself, for grading seed ``seed``.
    spec = TaskSpec(seed=derive_seed(seed, "shifted_targets.functional", "task") % 2**32)
    cfg = TrainConfig(seed=derive_seed(seed, "shifted_targets.functional", "model") % 2**32)
    task = spec.build()
    good = oracle.expected_arrays(*task.vectorize_args())
    variants = {"correct": good, "unshifted (the bug)": (good[0], good[1], good[1].copy())}
    out: dict = {"seed": seed, "task": vars(spec), "config": vars(cfg), "runs": {}}
    for name, arrays in variants.items():
        runs = []
        for _ in range(repeats):
            cpu, started = _children_cpu(), time.perf_counter()
            result = evaluate_isolated(arrays, spec, cfg)
            runs.append(
                {
                    "wall_s": round(time.perf_counter() - started, 2),
                    "cpu_s": round(_children_cpu() - cpu, 2),
                    "train_s": round(result["train_seconds"], 2),
                    **{k: result[k] for k in FIGURES},
                }
            )
        identical = all(all(r[k] == runs[0][k] for k in FIGURES) for r in runs)
        out["runs"][name] = {"repeats": runs, "deterministic": identical}
        first = runs[0]
        print(
            f"{name:<22} teacher-forced {first['teacher_forced_accuracy']:.3f}  "
            f"exact-match {first['exact_match']:.3f}  "
            f"wall {', '.join(str(r['wall_s']) for r in runs)} s  "
            f"cpu {', '.join(str(r['cpu_s']) for r in runs)} s  "
            f"train {', '.join(str(r['train_s']) for r in runs)} s  "
            f"identical figures: {identical}"
        )
    return out


def bench_full(seed: int) -> dict:
    """Grade the reference and the buggy stub in the sandbox, as ``seqgrade check`` does."""
    from checkers.engine.grading import grade

    out = {}
    for label, path in (
        ("reference", ROOT / "solutions" / "shifted_targets.py"),
        ("buggy stub as is", BUGGY_STUB),
    ):
        cpu, started = _children_cpu(), time.perf_counter()
        report = grade("shifted_targets", path, seed=seed)
        total = time.perf_counter() - started
        print(
            f"{label}: score {report.score}/{report.max_score}, total {total:.1f} s wall, "
            f"{_children_cpu() - cpu:.1f} s CPU in subprocesses"
        )
        for check in report.checks:
            metrics = " ".join(f"{k}={v:.3f}" for k, v in check.metrics.items())
            print(f"  {check.id:<28} {check.duration_s:6.1f} s  {check.score:5.1f}/"
                  f"{check.max_score:<5.1f} {check.status:<7} {metrics}")  # fmt: skip
        out[label] = {
            "score": report.score,
            "total_s": round(total, 1),
            "checks": {c.id: [c.score, c.duration_s, c.metrics] for c in report.checks},
        }
    return out


def main(argv: list[str] | None = None) -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    load = os.getloadavg()[0]
    print(f"cpu cores {os.cpu_count()}, load average {load:.1f} at start")
    results = {"load_average": load, "functional": bench_functional(args.seed, args.repeats)}
    if args.full:
        results["full"] = bench_full(args.seed)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
