"""The students' and maintainers' commands: ``list``, ``new``, ``check``, ``validate``, ``train``.

``check`` exits 0 whenever grading ran, whatever the score (1 with ``--fail-under N`` when
the score is below N); 2 for a usage error (a path that does not exist, an unknown exercise
or check).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from checkers.cli.common import (
    EXIT_GRADER_FAILED,
    EXIT_NOT_FULL_MARKS,
    EXIT_OK,
    EXIT_USAGE,
    add_grading_options,
    chosen_checks,
    grading_options,
    grading_seed,
)

EXIT_BELOW_THRESHOLD = EXIT_GRADER_FAILED  # `check --fail-under N`: the score is below N


def _cmd_list(args: argparse.Namespace) -> int:
    from checkers.engine.registry import available_exercises

    if getattr(args, "format", "text") == "json":
        data = [{"name": e.name, "title": e.title, "max_score": e.max_score, "grades": e.grades,
                 "checks": [{"id": c.id, "name": c.name, "points": c.points,
                             "hidden_data": bool(getattr(c, "hidden_data", False)),
                             "hidden_figures": bool(getattr(c, "hidden_figures", False))}
                            for c in e.checks]}
                for e in available_exercises()]
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return EXIT_OK
    for exercise in available_exercises():
        print(f"{exercise.name}: {exercise.title} ({exercise.max_score:g} points)")
        for check in exercise.checks:
            print(f"  {check.id:32} {check.points:>5g}  {check.name}")
    return EXIT_OK


def _cmd_new(args: argparse.Namespace) -> int:
    from checkers.engine.registry import get_exercise

    exercise = get_exercise(args.exercise)
    stub = exercise.stub_path
    dest = Path(args.dest) if args.dest else Path.cwd()
    if dest.is_dir() or not dest.suffix:
        dest.mkdir(parents=True, exist_ok=True)
        target = dest / (f"{exercise.name}.ipynb" if args.notebook else stub.name)
    else:
        target = dest
    if target.exists() and not args.force:
        print(f"{target} exists already; use --force to overwrite it", file=sys.stderr)
        return EXIT_USAGE
    if args.notebook:
        from checkers.cli.stub_notebook import write_stub_notebook

        target.parent.mkdir(parents=True, exist_ok=True)
        written = write_stub_notebook(exercise, target)
        print(f"wrote {', '.join(map(str, written))}; open it in Jupyter; check it with: "
              f"seqgrade check {exercise.name} {written[-1] if len(written) > 1 else target}")
        return EXIT_OK
    shutil.copyfile(stub, target)
    for extra in exercise.extra_stub_files:
        shutil.copyfile(stub.parent / extra, target.parent / Path(extra).name)
    print(f"wrote {target}; check it with: seqgrade check {exercise.name} {target}")
    return EXIT_OK


def _emit(report, fmt: str, out: str | None) -> None:
    from checkers.engine.report import render_text

    if fmt == "json":
        text = report.to_json()
    elif fmt == "gradescope":  # what the Gradescope autograder writes for this submission
        from checkers.batch.autograder import gradescope_results, hidden_checks

        data = gradescope_results(report, hidden=hidden_checks(report.exercise))
        text = json.dumps(data, indent=2, ensure_ascii=False)
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


class _CheckProgress:
    """A live line on the terminal while ``check`` grades: checks done, the last result.

    Shown only on a terminal with the text format (nothing extra with ``--format json`` or
    when stderr is not a TTY); it disappears when the table is printed.
    """

    def __init__(self, exercise: str, checks: list[str] | None, enabled: bool) -> None:
        self.enabled = enabled
        self.progress = None
        if enabled:
            from checkers.engine.registry import get_exercise

            self.total = len(checks) if checks else len(get_exercise(exercise).checks)
            self.exercise = exercise

    def __enter__(self) -> _CheckProgress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            self.progress = Progress(
                SpinnerColumn(), TextColumn(f"[bold]checking {self.exercise}"), BarColumn(),
                MofNCompleteColumn(), TimeElapsedColumn(),
                TextColumn("{task.fields[last]}", markup=False),
                console=Console(stderr=True), transient=True)
            self.progress.start()
            self.task = self.progress.add_task("checks", total=self.total,
                                               last="starting the sandbox…")
        return self

    def advance(self, result) -> None:
        """One check finished: count it, show its score."""
        if self.progress is not None:
            self.progress.update(self.task, advance=1, last=(
                f"{result.id}: {result.score:g}/{result.max_score:g} {result.status}"))

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()


def _wrong_file_type(exercise_name: str, path: Path) -> str | None:
    """Why a text exercise cannot read ``path`` at all (its type), or None."""
    from checkers.engine.errors import WrongFileType
    from checkers.engine.registry import get_exercise

    exercise = get_exercise(exercise_name)
    if exercise.grades != "text" or exercise.read_text is None:
        return None
    try:
        exercise.read_text(path)
    except WrongFileType as error:
        return str(error)
    except ValueError:  # unreadable content: graded, with the message in every check
        return None
    return None


def _cmd_check(args: argparse.Namespace) -> int:
    from checkers.engine.grading import grade

    path = Path(args.path)
    if not path.exists():
        print(f"seqgrade: {path} does not exist (a .py file, a .ipynb notebook, or a folder)",
              file=sys.stderr)
        return EXIT_USAGE
    checks = chosen_checks(args.exercise, args.checks)
    wrong = _wrong_file_type(args.exercise, path)
    if wrong:
        print(f"seqgrade: {wrong}", file=sys.stderr)
        return EXIT_USAGE
    with _CheckProgress(args.exercise, checks, enabled=args.format == "text"
                        and sys.stderr.isatty()) as progress:
        report = grade(args.exercise, path, seed=grading_seed(args),
                       options=grading_options(args), checks=checks,
                       on_check=progress.advance)
    _emit(report, args.format, args.out)
    if args.fail_under is not None and report.score < args.fail_under:
        print(f"seqgrade: score {report.score:g} is below --fail-under {args.fail_under:g}",
              file=sys.stderr)
        return EXIT_BELOW_THRESHOLD
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    from checkers.engine.budget import GradingTime
    from checkers.engine.grading import grade
    from checkers.engine.registry import available_exercises, get_exercise

    exercises = [get_exercise(n) for n in args.exercises] or available_exercises()
    status = EXIT_OK
    for exercise in exercises:
        path = exercise.solution_path
        if not path.exists():
            print(f"[---] {exercise.name}: no reference at {path} (validate needs a checkout "
                  "of the seqgrade repository)")
            status = EXIT_NOT_FULL_MARKS
            continue
        if args.record_time:  # warm the sandbox's fork server: its start is not grading
            grade(exercise.name, path, seed=grading_seed(args), options=grading_options(args))
        timing = GradingTime()
        report = grade(exercise.name, path, seed=grading_seed(args), options=grading_options(args),
                       timing=timing)
        full = report.score >= report.max_score
        mark = "OK " if full else "LOW"
        print(f"[{mark}] {exercise.name}: {report.score:g}/{report.max_score:g} "
              f"in {report.duration_s:.1f} s" + _recorded_time(exercise, timing,
                                                            args.record_time and full))
        for check in report.checks:
            figures = ", ".join(f"{k} = {v:.4g}" for k, v in check.metrics.items()
                                if "[" not in k and not k.endswith(".threshold"))
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


def _recorded_time(exercise, timing, record: bool) -> str:
    """Record the reference's grading time (``--record-time``), or say how it compares
    with the recorded one: the default time budget derives from it."""
    from checkers.engine.budget import load_reference_time, write_reference_time

    cpu = f", {timing.cpu_seconds:.1f} s of CPU"
    if record:
        import os
        import time

        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        measured = (f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs, load {load:.1f}, "
                    f"{timing.wall_seconds:.1f} s of wall clock")
        path = write_reference_time(exercise, timing.as_reference(measured))
        return f"{cpu} (recorded in {path})"
    recorded = load_reference_time(exercise)
    if recorded is None:
        return f"{cpu} (no time recorded: --record-time)"
    ratio = timing.cpu_seconds / recorded.seconds
    return f"{cpu}, {ratio:.2f}× the recorded {recorded.seconds:.1f} s"


def _artifact_provenance(exercise) -> list[str]:
    """Where each trained artifact came from, when its training summary (.json) says."""
    lines = []
    for name in exercise.artifacts:
        summary = exercise.solution_path.parent / Path(name).with_suffix(".json")
        try:
            data = json.loads(summary.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict):  # a JSON artifact itself (a vocabulary)
            continue
        line = f"{name}: trained on {data.get('hardware', 'unknown hardware')}"
        if isinstance(data.get("best_heldout_loss"), int | float):
            unit = data.get("loss_unit", "nats/char")
            line += f", held-out loss {data['best_heldout_loss']:.4f} {unit} at training"
        lines.append(line)
    return lines


def _cmd_train(args: argparse.Namespace) -> int:
    import importlib

    from checkers.engine.registry import get_exercise

    if args.all or not args.exercise:
        return _train_all(args)
    exercise = get_exercise(args.exercise)
    repository = exercise.solution_path.parent.parent
    if not (repository / "solutions" / "__init__.py").is_file():
        print("seqgrade train needs a checkout of the seqgrade repository (solutions/ is not "
              "in the installed package)", file=sys.stderr)
        return EXIT_USAGE
    if str(repository) not in sys.path:
        sys.path.insert(0, str(repository))
    try:
        module = importlib.import_module(f"solutions.train_{exercise.name}")
    except ModuleNotFoundError:
        print(f"{exercise.name} has no model to train", file=sys.stderr)
        return EXIT_USAGE
    result = module.train(quick=args.quick, out_dir=Path(args.out_dir) if args.out_dir else None)
    print(json.dumps(result, indent=2, default=str))
    return EXIT_OK


def _train_all(args: argparse.Namespace) -> int:
    """``seqgrade train --all``: every reference, each artifact with a training summary."""
    if not args.all:
        print("name an exercise, or train them all with --all", file=sys.stderr)
        return EXIT_USAGE
    repository = Path(__file__).resolve().parents[2]
    if not (repository / "solutions" / "train_all.py").is_file():
        print("seqgrade train needs a checkout of the seqgrade repository (solutions/ is not "
              "in the installed package)", file=sys.stderr)
        return EXIT_USAGE
    if str(repository) not in sys.path:
        sys.path.insert(0, str(repository))
    from solutions.train_all import train_all

    result = train_all(quick=args.quick, out_dir=Path(args.out_dir) if args.out_dir else None)
    print(json.dumps(result, indent=2, default=str))
    return EXIT_OK


def install_list(commands: argparse._SubParsersAction) -> None:
    """Register ``seqgrade list``."""
    listing = commands.add_parser("list", help="exercises and their checks")
    listing.add_argument("--format", choices=("text", "json"), default="text")
    listing.set_defaults(run=_cmd_list)


def install_new(commands: argparse._SubParsersAction) -> None:
    """Register ``seqgrade new``."""
    new = commands.add_parser("new", help="copy an exercise's stub to start from")
    new.add_argument("exercise")
    new.add_argument("dest", nargs="?")
    new.add_argument("--force", action="store_true", help="overwrite an existing file")
    new.add_argument("--notebook", action="store_true",
                     help="write a Jupyter notebook (teaching text, the API, a self-check)")
    new.set_defaults(run=_cmd_new)


def install_check(commands: argparse._SubParsersAction) -> None:
    """Register ``seqgrade check``."""
    check = commands.add_parser("check", help="grade one submission")
    check.add_argument("exercise")
    check.add_argument("path", help="a .py file, a .ipynb notebook, or a folder")
    check.add_argument("--format", choices=("text", "json", "gradescope"), default="text")
    check.add_argument("--out", help="write the report to this file")
    check.add_argument("--checks", action="append", metavar="IDS",
                       help="grade only these checks (comma-separated; repeatable)")
    check.add_argument("--fail-under", type=float, metavar="N",
                       help="exit with status 1 when the score is below N (CI)")
    add_grading_options(check)
    check.set_defaults(run=_cmd_check)


def install_validate(commands: argparse._SubParsersAction) -> None:
    """Register ``seqgrade validate``."""
    validate = commands.add_parser("validate", help="every reference earns full marks")
    validate.add_argument("exercises", nargs="*")
    validate.add_argument("--record-time", action="store_true",
                          help="record each reference's grading time beside its exercise "
                               "(reference_time.toml): the default time budget and the hang "
                               "limits derive from it (each reference is graded twice, the "
                               "second time measured, the sandbox's fork server warm)")
    add_grading_options(validate)
    validate.set_defaults(run=_cmd_validate)


def install_train(commands: argparse._SubParsersAction) -> None:
    """Register ``seqgrade train``."""
    train = commands.add_parser("train", help="retrain a reference model (GPU when present)")
    train.add_argument("exercise", nargs="?")
    train.add_argument("--all", action="store_true",
                       help="every reference, each artifact with a training summary (.json)")
    train.add_argument("--quick", action="store_true",
                       help="small and fast, for a smoke test (with --all: never over the "
                            "committed references; a temporary folder unless --out-dir)")
    train.add_argument("--out-dir", help="write the artifact here instead of solutions/")
    train.set_defaults(run=_cmd_train)
