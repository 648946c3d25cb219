"""The ``seqgrade`` command line (see shared/EXERCISES.md, "What every exercise shares").

``check`` exits 0 whenever grading ran, whatever the score; a non-zero status means the
grader itself could not run (bad arguments, unknown exercise, an internal failure).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

EXIT_OK = 0
EXIT_GRADER_FAILED = 1
EXIT_USAGE = 2
EXIT_NOT_FULL_MARKS = 3

# Later subcommands (grade, export, report) register themselves here: name -> installer.
EXTRA_COMMANDS: dict[str, Callable[[argparse._SubParsersAction], None]] = {}


def _package_dir(name: str) -> Path:
    return Path(__file__).resolve().parent.parent / name


def _cmd_list(args: argparse.Namespace) -> int:
    from checkers.registry import available_exercises

    for exercise in available_exercises():
        print(f"{exercise.name}: {exercise.title} ({exercise.max_score:g} points)")
        for check in exercise.checks:
            print(f"  {check.id:32} {check.points:>5g}  {check.name}")
    return EXIT_OK


def _cmd_new(args: argparse.Namespace) -> int:
    from checkers.registry import get_exercise

    exercise = get_exercise(args.exercise)
    stub = _package_dir("exercises") / exercise.stub_file
    dest = Path(args.dest) if args.dest else Path.cwd()
    if dest.is_dir() or not dest.suffix:
        dest.mkdir(parents=True, exist_ok=True)
        target = dest / exercise.stub_file
    else:
        target = dest
    if target.exists() and not args.force:
        print(f"{target} exists already; use --force to overwrite it", file=sys.stderr)
        return EXIT_USAGE
    shutil.copyfile(stub, target)
    for extra in exercise.extra_stub_files:
        shutil.copyfile(_package_dir("exercises") / extra, target.parent / extra)
    print(f"wrote {target}; check it with: seqgrade check {exercise.name} {target}")
    return EXIT_OK


def grading_options(args: argparse.Namespace) -> dict:
    """Options passed to checks (data folder, time-out scale)."""
    options: dict = {}
    data_dir = getattr(args, "data_dir", None) or os.environ.get("SEQGRADE_DATA_DIR")
    if data_dir:
        options["data_dir"] = str(Path(data_dir).resolve())
    if getattr(args, "timeout_scale", None):
        options["timeout_scale"] = args.timeout_scale
    if getattr(args, "config", None):
        options["config_path"] = str(Path(args.config).resolve())
    return options


def _emit(report, fmt: str, out: str | None) -> None:
    from checkers.report import render_text, to_gradescope

    if fmt == "json":
        text = report.to_json()
    elif fmt == "gradescope":
        text = json.dumps(to_gradescope(report), indent=2, ensure_ascii=False)
    else:
        if out:
            from rich.console import Console

            with open(out, "w", encoding="utf-8") as handle:
                render_text(report, Console(file=handle, width=120))
            return
        render_text(report)
        return
    if out:
        Path(out).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)


def _cmd_check(args: argparse.Namespace) -> int:
    from checkers.grading import grade

    report = grade(args.exercise, Path(args.path), seed=args.seed,
                   options=grading_options(args))
    _emit(report, args.format, args.out)
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    from checkers.grading import grade
    from checkers.registry import available_exercises, get_exercise

    exercises = [get_exercise(n) for n in args.exercises] or available_exercises()
    status = EXIT_OK
    for exercise in exercises:
        path = _package_dir("solutions") / exercise.solution_file
        report = grade(exercise.name, path, seed=args.seed, options=grading_options(args))
        full = report.score >= report.max_score
        mark = "OK " if full else "LOW"
        print(f"[{mark}] {exercise.name}: {report.score:g}/{report.max_score:g} "
              f"in {report.duration_s:.1f} s")
        for check in report.checks:
            figures = ", ".join(f"{k} = {v:.4g}" for k, v in check.metrics.items())
            line = f"    {check.id:32} {check.score:g}/{check.max_score:g}"
            if figures:
                line += f"   {figures}"
            if check.status != "passed":
                line += f"   [{check.status}] {check.feedback.splitlines()[0][:160]}"
            print(line)
        for line in _artifact_provenance(exercise):
            print(f"    {line}")
        if not full:
            status = EXIT_NOT_FULL_MARKS
    return status


def _artifact_provenance(exercise) -> list[str]:
    """Where each trained artifact came from, when its training summary (.json) says."""
    lines = []
    for name in exercise.artifacts:
        summary = _package_dir("solutions") / Path(name).with_suffix(".json")
        try:
            data = json.loads(summary.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        line = f"{name}: trained on {data.get('hardware', 'unknown hardware')}"
        if isinstance(data.get("best_heldout_loss"), int | float):
            line += f", held-out loss {data['best_heldout_loss']:.4f} nats/char at training"
        lines.append(line)
    return lines


def _cmd_train(args: argparse.Namespace) -> int:
    import importlib

    from checkers.registry import get_exercise

    exercise = get_exercise(args.exercise)
    try:
        module = importlib.import_module(f"solutions.train_{exercise.name}")
    except ModuleNotFoundError:
        print(f"{exercise.name} has no model to train", file=sys.stderr)
        return EXIT_USAGE
    result = module.train(quick=args.quick, out_dir=Path(args.out_dir) if args.out_dir else None)
    print(json.dumps(result, indent=2, default=str))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``seqgrade``."""
    parser = argparse.ArgumentParser(
        prog="seqgrade", description="Exercises and a sandboxed grader for sequence models.")
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("list", help="exercises and their checks").set_defaults(run=_cmd_list)

    new = commands.add_parser("new", help="copy an exercise's stub to start from")
    new.add_argument("exercise")
    new.add_argument("dest", nargs="?")
    new.add_argument("--force", action="store_true", help="overwrite an existing file")
    new.set_defaults(run=_cmd_new)

    check = commands.add_parser("check", help="grade one submission")
    check.add_argument("exercise")
    check.add_argument("path", help="a .py file, a .ipynb notebook, or a folder")
    check.add_argument("--format", choices=("text", "json", "gradescope"), default="text")
    check.add_argument("--out", help="write the report to this file")
    check.add_argument("--seed", type=int, default=0)
    check.add_argument("--data-dir", help="folder with data sets (or SEQGRADE_DATA_DIR)")
    check.add_argument("--timeout-scale", type=float,
                       help="multiply every per-call time limit (slow machines)")
    check.add_argument("--config", help="instructor's TOML file: points and limits")
    check.set_defaults(run=_cmd_check)

    validate = commands.add_parser("validate", help="every reference earns full marks")
    validate.add_argument("exercises", nargs="*")
    validate.add_argument("--seed", type=int, default=0)
    validate.add_argument("--data-dir")
    validate.add_argument("--timeout-scale", type=float)
    validate.set_defaults(run=_cmd_validate)

    train = commands.add_parser("train", help="retrain a reference model (GPU when present)")
    train.add_argument("exercise")
    train.add_argument("--quick", action="store_true", help="small and fast, for a smoke test")
    train.add_argument("--out-dir", help="write the artifact here instead of solutions/")
    train.set_defaults(run=_cmd_train)

    for install in EXTRA_COMMANDS.values():
        install(commands)
    return parser


def _load_extra_commands() -> None:
    import importlib.util

    if importlib.util.find_spec("checkers.batch_cli") is not None:
        importlib.import_module("checkers.batch_cli")  # registers grade/export/report


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    _load_extra_commands()
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except KeyError as error:  # unknown exercise
        print(f"seqgrade: {error.args[0]}", file=sys.stderr)
        return EXIT_USAGE
    except ValueError as error:  # a malformed configuration file, among others
        from checkers.config import ConfigError

        if not isinstance(error, ConfigError):
            raise
        print(f"seqgrade: {error}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
