"""The instructors' commands: ``grade``, ``export``, ``report``, ``feedback``, ``autograder``.

Imported by :mod:`checkers.cli.main`, which lists the installers defined here in
``COMMANDS``. ``grade`` exits 0 when the batch ran (whatever the scores), 1 when the
grader failed on some submission (those are graded again by the next run), 2 for usage
errors (no such folder, unknown exercise or check, gradebook busy).

Typical use::

    seqgrade grade X submissions/ --db grades.sqlite --jobs 2         # run again to resume
    seqgrade grade X submissions/ --db grades.sqlite --dask tcp://scheduler:8786
    seqgrade export --db grades.sqlite --format csv --out grades.csv
    seqgrade export --db grades.sqlite --format gradescope --out gradescope/
    seqgrade export --db grades.sqlite --format canvas --roster roster.csv --out canvas.csv
    seqgrade report --db grades.sqlite --html report.html
    seqgrade feedback --db grades.sqlite --out feedback/          # one page per student
    seqgrade autograder X --out autograder.zip --config course.toml   # a secret seed

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
    chosen_checks,
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


def _cmd_grade(args: argparse.Namespace) -> int:
    from checkers.batch.procs import GradebookBusy
    from checkers.batch.run import run_batch

    folder = Path(args.dir)
    if not folder.is_dir():
        print(f"seqgrade: {folder} is not a folder of submissions", file=sys.stderr)
        return EXIT_USAGE
    checks = chosen_checks(args.exercise, args.checks)
    seed = grading_seed(args)
    if seed == 0:
        print("seqgrade: warning: grading officially with seed 0, the public seed that every "
              "student's `seqgrade check` uses: the hidden sets are the ones students test "
              "on. Set `seed` in the course TOML (--config) or pass --seed N", file=sys.stderr)
    reporter = _RichReporter(quiet=args.quiet)
    try:
        summary = run_batch(
            args.exercise, folder, Path(args.db), jobs=args.jobs, dask=args.dask,
            resume=args.resume, seed=seed, options=grading_options(args),
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
    from checkers.batch.exports import export_canvas, export_csv, export_gradescope, load_roster

    stored = _stored_rows(args)
    if stored is None:
        return EXIT_USAGE
    _, rows = stored
    if args.format in ("csv", "canvas"):
        text = export_csv(rows) if args.format == "csv" else export_canvas(
            rows, roster=load_roster(Path(args.roster)) if args.roster else None)
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
    export.add_argument("--format", choices=("csv", "canvas", "gradescope"), default="csv")
    export.add_argument("--out", help="csv, canvas: a file (default: stdout); gradescope: a "
                                      "folder (default: ./gradescope), one STUDENT/results.json "
                                      "each (what the autograder would post: Gradescope "
                                      "cannot import them, see docs/DEPLOY.md)")
    export.add_argument("--roster", help="canvas: a CSV of students with their LMS ids (a "
                                         "Canvas gradebook export works: Student, ID, SIS User "
                                         "ID, SIS Login ID, Section)")
    export.add_argument("--exercise", help="when the gradebook holds several exercises")
    export.set_defaults(run=_cmd_export)


def install_report(commands: argparse._SubParsersAction) -> None:
    """Register ``seqgrade report``."""
    report = commands.add_parser("report", help="an HTML class report with plots")
    report.add_argument("--db", required=True)
    report.add_argument("--html", required=True, help="the page to write")
    report.add_argument("--exercise", help="when the gradebook holds several exercises")
    report.set_defaults(run=_cmd_report)



def _cmd_feedback(args: argparse.Namespace) -> int:
    from checkers.batch.feedback import write_feedback

    stored = _stored_rows(args)
    if stored is None:
        return EXIT_USAGE
    exercise, rows = stored
    written = write_feedback(rows, Path(args.out), exercise=exercise)
    print(f"wrote {len(written)} feedback pages under {args.out}")
    return EXIT_OK


def _cmd_autograder(args: argparse.Namespace) -> int:
    from checkers.batch.autograder import build_autograder, read_settings

    out = build_autograder(
        args.exercise, Path(args.out), config=Path(args.config) if args.config else None,
        seed=args.seed, public_seed=args.public_seed, leaderboard=args.leaderboard,
        allow_unisolated=args.allow_unisolated, show_hidden=args.show_hidden,
        timeout=args.timeout, data_dir=args.data_dir)
    settings = read_settings(out)
    size = out.stat().st_size
    print(f"wrote {out} ({size / 1024:.0f} KiB): upload it as the Gradescope autograder "
          f"of a programming assignment, with a timeout of {settings['timeout']} s or more "
          "(its README.md says which memory and CPU to set)")
    source = {"drawn": "drawn at random for this build", "--seed": "from --seed",
              "course file": "the course file's `seed`", "public": "the PUBLIC seed"}
    print(f"grading seed {settings['seed']} ({source[settings['seed_source']]}; keep it "
          "secret: `seqgrade grade --seed` with it grades the same hidden sets)")
    if settings["seed_source"] == "public":
        print("seqgrade: warning: this autograder grades with seed 0, the public seed that "
              "every student's `seqgrade check` uses: its hidden sets are the ones students "
              "test on at home", file=sys.stderr)
    if settings["allow_unisolated"]:
        print("seqgrade: warning: --allow-unisolated: where the sandbox cannot isolate a "
              "submission, it is graded anyway and the report says so", file=sys.stderr)
    return EXIT_OK


def install_feedback(commands: argparse._SubParsersAction) -> None:
    """Register ``seqgrade feedback``."""
    feedback = commands.add_parser("feedback", help="one HTML feedback page per student")
    feedback.add_argument("--db", required=True)
    feedback.add_argument("--out", required=True, help="the folder to write the pages in")
    feedback.add_argument("--exercise", help="when the gradebook holds several exercises")
    feedback.set_defaults(run=_cmd_feedback)


def install_autograder(commands: argparse._SubParsersAction) -> None:
    """Register ``seqgrade autograder``."""
    autograder = commands.add_parser(
        "autograder", help="a Gradescope autograder zip",
        description="Validate the course file, the data and the settings (exit 2 with the "
                    "reason on a problem), then write Gradescope's autograder zip.")
    autograder.add_argument("exercise")
    autograder.add_argument("--out", default="autograder.zip", help="the zip to write")
    autograder.add_argument("--config", help="the course TOML (seed, points, limits), "
                                             "validated against the exercise")
    autograder.add_argument("--seed", type=int, default=None,
                            help="grading seed (default: the course TOML's `seed`, else a "
                                 "secret seed drawn for this build; never 0)")
    autograder.add_argument("--public-seed", action="store_true",
                            help="grade with seed 0, the public seed of every student's "
                                 "`seqgrade check` (its hidden sets are not hidden)")
    autograder.add_argument("--allow-unisolated", action="store_true",
                            help="grade even where the worker cannot be isolated; the "
                                 "report says so")
    autograder.add_argument("--timeout", type=int, default=None, metavar="SECONDS",
                            help="the timeout the Gradescope assignment will have (default: "
                                 "the one docs/DEPLOY.md gives for the exercise, else 600, "
                                 "Gradescope's; at most 2400): checks stop 60 s before it")
    autograder.add_argument("--data-dir", help="folder with the exercise's data files, packed "
                                               "into the zip (else SEQGRADE_DATA_DIR)")
    autograder.add_argument("--show-hidden", action="store_true",
                            help="show every check, the total and the leaderboard at once "
                                 "(a course without hidden tests, or a rebuild after the due "
                                 "date with the same --seed)")
    autograder.add_argument("--leaderboard", action="store_true",
                            help="post a leaderboard (accuracy, nats/char) where the "
                                 "exercise has one; columns on hidden data need "
                                 "--show-hidden")
    autograder.set_defaults(run=_cmd_autograder)
