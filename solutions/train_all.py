"""``seqgrade train --all``: train every reference, and write each artifact's training summary.

Each exercise with a ``solutions/train_<name>.py`` module (a ``train(quick, out_dir)``
function) is trained in turn, in this process; the training scripts pick their GPU
configuration by themselves when TensorFlow sees a GPU. After each one, every artifact the
exercise declares (``Exercise.artifacts``) that the run wrote gets a summary beside it,
``<artifact>.json``: the hardware it was trained on, the configuration (epochs, sizes), the
held-out figures the script measured, the wall time and the date. A script that writes its
own summary (``textgen``) keeps it; the hardware is added when it lacks it.
``seqgrade validate`` prints these summaries next to the reference's score.

``--quick`` is a smoke test (tiny data, an epoch or two): it never overwrites the committed
references; without ``--out-dir`` its artifacts go to a fresh temporary folder.

    python -m solutions.train_all [--quick] [--out-dir DIR] [--only reber dates]
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SOLUTIONS = Path(__file__).resolve().parent


def hardware() -> str:
    """The accelerator TensorFlow sees (name and count), else the CPU and its cores."""
    try:
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
    except Exception:  # noqa: BLE001 - no TensorFlow: say CPU
        gpus = []
    if gpus:
        names = []
        for gpu in gpus:
            try:
                names.append(tf.config.experimental.get_device_details(gpu).get("device_name")
                             or gpu.name)
            except Exception:  # noqa: BLE001 - details are optional
                names.append(gpu.name)
        return f"GPU: {len(gpus)} x {names[0]}"
    return f"CPU: {os.cpu_count()} cores ({platform.processor() or platform.machine()})"


def trainable_exercises() -> list[str]:
    """Exercises that have a training script ``solutions/train_<name>.py``."""
    from checkers.engine.registry import available_exercises

    return [e.name for e in available_exercises()
            if (SOLUTIONS / f"train_{e.name}.py").is_file()]


def _plain(value: Any) -> Any:
    """JSON-safe copy of a training result (paths and numpy scalars as plain values)."""
    return json.loads(json.dumps(value, default=lambda v: v.item() if hasattr(v, "item")
                                 else str(v)))


def write_summaries(name: str, out_dir: Path, result: dict[str, Any], seconds: float,
                    quick: bool, started: float) -> list[Path]:
    """``<artifact>.json`` beside each artifact of ``name`` written since ``started``."""
    from checkers.engine.registry import get_exercise

    written = []
    for artifact_name in get_exercise(name).artifacts:
        if Path(artifact_name).suffix == ".json":  # a JSON data file (wordgen's vocabulary)
            continue
        candidates = [out_dir / artifact_name]
        if quick:  # quick runs name their artifacts <stem>_quick<suffix>
            stem, suffix = Path(artifact_name).stem, Path(artifact_name).suffix
            candidates.append(out_dir / f"{stem}_quick{suffix}")
        fresh = [a for a in candidates if a.exists() and a.stat().st_mtime >= started]
        if not fresh:
            continue
        summary_path = fresh[0].with_suffix(".json")
        summary: dict[str, Any] = {}
        if summary_path.exists() and summary_path.stat().st_mtime >= started:
            try:  # the script's own summary: completed, never replaced
                summary = json.loads(summary_path.read_text(encoding="utf-8"))
            except ValueError:
                summary = {}
            if not isinstance(summary, dict):
                continue
        summary.setdefault("hardware", hardware())
        summary.setdefault("exercise", name)
        summary.setdefault("artifact", fresh[0].name)
        summary.setdefault("quick", quick)
        summary.setdefault("seconds", round(seconds, 1))
        summary.setdefault("trained_at", datetime.now(UTC).isoformat(timespec="seconds"))
        summary.setdefault("result", _plain(result))
        summary_path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        written.append(summary_path)
    return written


def train_all(quick: bool = False, out_dir: Path | None = None,
              only: list[str] | None = None) -> dict[str, Any]:
    """Train the references (``only`` some of them); returns a summary per exercise."""
    if quick and out_dir is None:
        out_dir = Path(tempfile.mkdtemp(prefix="seqgrade-train-quick-"))
    names = [n for n in trainable_exercises() if not only or n in only]
    results: dict[str, Any] = {"hardware": hardware(), "quick": quick,
                               "out_dir": str(out_dir or SOLUTIONS), "exercises": {}}
    print(f"training {', '.join(names)} on {results['hardware']}"
          + (" (quick smoke test)" if quick else ""), flush=True)
    for name in names:
        module = importlib.import_module(f"solutions.train_{name}")
        started = time.time()
        result = module.train(quick=quick, out_dir=out_dir)
        seconds = time.time() - started
        target = Path(out_dir) if out_dir else SOLUTIONS
        summaries = write_summaries(name, target, result if isinstance(result, dict) else {},
                                    seconds, quick, started - 1.0)
        results["exercises"][name] = {"seconds": round(seconds, 1),
                                      "summaries": [str(p) for p in summaries],
                                      "result": _plain(result)}
        print(f"{name}: {seconds:.0f} s, summaries {[p.name for p in summaries]}", flush=True)
    return results


def main(argv: list[str] | None = None) -> None:
    """Command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out-dir", type=Path)
    parser.add_argument("--only", nargs="*")
    args = parser.parse_args(argv)
    print(json.dumps(train_all(args.quick, args.out_dir, args.only), indent=2))


if __name__ == "__main__":
    main()
