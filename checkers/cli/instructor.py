"""The instructors' commands: ``seqgrade grade``, ``seqgrade export``, ``seqgrade report``.

Imported by :mod:`checkers.cli.main`, which calls the installers registered here in
``EXTRA_COMMANDS``. ``grade`` exits 0 when the batch ran (whatever the scores), 1 when the
grader failed on some submission (those are graded again by the next run), 2 for usage
errors (no such folder, unknown exercise or check, gradebook busy).

Typical use::

    seqgrade grade reber submissions/ --db grades.sqlite --jobs 2     # run again to resume
    seqgrade grade reber submissions/ --db grades.sqlite --dask tcp://scheduler:8786
    seqgrade export --db grades.sqlite --format csv --out grades.csv
    seqgrade export --db grades.sqlite --format gradescope --out gradescope/
    seqgrade report --db grades.sqlite --html report.html

Extra options of ``grade``: ``--checks ID[,ID...]`` (a subset of the checks),
``--no-resume`` (grade everything again), ``--seed``, ``--data-dir``, ``--timeout-scale``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from checkers.cli.common import (
    EXIT_GRADER_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    add_grading_options,
    grading_options,
    grading_seed,
)


class _RichReporter:
    """A rich progress bar with ETA on stderr, and one line per graded submission."""

    def __init__(self, quiet: bool = False) -> None:
        from rich.console import Console

        self.console = Console(stderr=True)
        self.quiet = quiet
        self.progress = None
        self.bar = None

    def start(self, todo: int, skipped: int) -> None:
        """See :class:`checkers.batch.Reporter`."""
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.console.print(f"{todo} to grade, {skipped} unchanged and already graded")
        self.progress = Progress(
            TextColumn("[bold]grading"), BarColumn(), MofNCompleteColumn(),
            TextColumn("elapsed"), TimeElapsedColumn(), TextColumn("ETA"),
            TimeRemainingColumn(), TextColumn("{task.fields[last]}", markup=False),
            console=self.console, transient=False,
        )
        self.progress.start()
        self.bar = self.progress.add_task("grading", total=todo, last="")

    def advance(self, result) -> None:
        """See :class:`checkers.batch.Reporter`."""
        report = result.report
        line = f"{result.student}: {report['score']:g}/{report['max_score']:g} [{result.status}]"
        if not self.quiet and self.progress is not None:
            self.progress.console.print(line, markup=False, highlight=False)
        if self.progress is not None:
            self.progress.update(self.bar, advance=1, last=line)

    def finish(self) -> None:
        """See :class:`checkers.batch.Reporter`."""
        if self.progress is not None:
            self.progress.stop()


def _checks(exercise_name: str, given: list[str] | None) -> list[str] | None:
    """Check ids from ``--checks`` (comma-separated or repeated; the exercise prefix may be
    left out). Raises :class:`UnknownCheck` for an unknown id."""
    if not given:
        return None
    from checkers.engine.errors import UnknownCheck
    from checkers.engine.registry import get_exercise

    exercise = get_exercise(exercise_name)
    known = {c.id for c in exercise.checks}
    chosen = []
    for item in ",".join(given).split(","):
        item = item.strip()
        if not item:
            continue
        check_id = item if "." in item else f"{exercise.name}.{item}"
        if check_id not in known:
            raise UnknownCheck(f"{exercise.name} has no check {item!r} (see `seqgrade list`)")
        chosen.append(check_id)
    return [c.id for c in exercise.checks if c.id in chosen]


def _cmd_grade(args: argparse.Namespace) -> int:
    from checkers.batch.procs import GradebookBusy
    from checkers.batch.run import run_batch

    folder = Path(args.dir)
    if not folder.is_dir():
        print(f"seqgrade: {folder} is not a folder of submissions", file=sys.stderr)
        return EXIT_USAGE
    checks = _checks(args.exercise, args.checks)
    reporter = _RichReporter(quiet=args.quiet)
    try:
        summary = run_batch(
            args.exercise, folder, Path(args.db), jobs=args.jobs, dask=args.dask,
            resume=args.resume, seed=grading_seed(args), options=grading_options(args),
            checks=checks, reporter=reporter,
        )
    except GradebookBusy as error:
        print(f"seqgrade: {error}", file=sys.stderr)
        return EXIT_USAGE
    except (OSError, TimeoutError) as error:  # e.g. no Dask scheduler at that address
        print(f"seqgrade: the batch could not run: {error}", file=sys.stderr)
        return EXIT_GRADER_FAILED
    statuses = ", ".join(f"{n} {s}" for s, n in sorted(summary.statuses.items())) or "nothing"
    reporter.console.print(
        f"graded {summary.graded} of {summary.total} in {summary.elapsed_s:.1f} s "
        f"({summary.per_minute:.1f}/min; {statuses}); {summary.skipped} unchanged; "
        f"gradebook: {args.db}"
        + (f"; killed {summary.reaped} stray sandbox processes" if summary.reaped
           else ""))
    if summary.statuses.get("grader_error"):
        reporter.console.print("[red]the grader failed on some submissions; run the same "
                               "command again to retry them[/]")
        return EXIT_GRADER_FAILED
    return EXIT_OK


def _stored_rows(args: argparse.Namespace) -> tuple[str, list] | None:
    """The exercise and rows of ``--db`` (``--exercise`` picks one); None after an error."""
    from checkers.batch.gradebook import Gradebook, pick_exercise

    if not Path(args.db).exists():
        print(f"seqgrade: no gradebook at {args.db}", file=sys.stderr)
        return None
    with Gradebook(args.db) as book:
        try:
            exercise = pick_exercise(book, args.exercise)
        except ValueError as error:
            print(f"seqgrade: {error}", file=sys.stderr)
            return None
        return exercise, book.rows(exercise)


def _cmd_export(args: argparse.Namespace) -> int:
    from checkers.batch.exports import export_csv, export_gradescope

    stored = _stored_rows(args)
    if stored is None:
        return EXIT_USAGE
    _, rows = stored
    if args.format == "csv":
        text = export_csv(rows)
        if args.out:
            Path(args.out).write_text(text, encoding="utf-8", newline="")
        else:
            sys.stdout.write(text)
        return EXIT_OK
    out = Path(args.out or "gradescope")
    written = export_gradescope(rows, out)
    print(f"wrote {len(written)} results.json files under {out}")
    return EXIT_OK


def _cmd_report(args: argparse.Namespace) -> int:
    from checkers.batch.html_report import render_html

    stored = _stored_rows(args)
    if stored is None:
        return EXIT_USAGE
    exercise, rows = stored
    Path(args.html).write_text(render_html(rows, exercise=exercise), encoding="utf-8")
    print(f"wrote {args.html} ({len(rows)} submissions)")
    return EXIT_OK


def install_grade(commands: argparse._SubParsersAction) -> None:
    """Register ``seqgrade grade``."""
    grade = commands.add_parser("grade", help="grade a folder of submissions into a gradebook")
    grade.add_argument("exercise")
    grade.add_argument("dir", help="one file or subfolder per student")
    grade.add_argument("--db", required=True, help="the SQLite gradebook (created if absent)")
    grade.add_argument("--jobs", type=int, default=1, help="submissions graded at once")
    grade.add_argument("--dask", metavar="ADDRESS",
                       help="grade on this Dask scheduler (e.g. tcp://host:8786); workers "
                            "need seqgrade installed and one thread each (--nthreads 1); "
                            "submissions are shipped to them, no shared disk needed")
    grade.add_argument("--resume", action=argparse.BooleanOptionalAction, default=True,
                       help="skip submissions graded already and unchanged (default); "
                            "--no-resume grades everything again")
    grade.add_argument("--checks", action="append", metavar="IDS",
                       help="grade only these checks (comma-separated; repeatable)")
    add_grading_options(grade)
    grade.add_argument("--quiet", action="store_true", help="no line per submission")
    grade.set_defaults(run=_cmd_grade)


def install_export(commands: argparse._SubParsersAction) -> None:
    """Register ``seqgrade export``."""
    export = commands.add_parser("export", help="export a gradebook (CSV, Gradescope)")
    export.add_argument("--db", required=True)
    export.add_argument("--format", choices=("csv", "gradescope"), default="csv")
    export.add_argument("--out", help="CSV: a file (default: stdout); gradescope: a folder "
                                      "(default: ./gradescope), one STUDENT/results.json each")
    export.add_argument("--exercise", help="when the gradebook holds several exercises")
    export.set_defaults(run=_cmd_export)


def install_report(commands: argparse._SubParsersAction) -> None:
    """Register ``seqgrade report``."""
    report = commands.add_parser("report", help="an HTML class report with plots")
    report.add_argument("--db", required=True)
    report.add_argument("--html", required=True, help="the page to write")
    report.add_argument("--exercise", help="when the gradebook holds several exercises")
    report.set_defaults(run=_cmd_report)

