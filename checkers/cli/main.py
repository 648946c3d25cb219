"""The ``seqgrade`` command line: every command, listed in one place (:data:`COMMANDS`).

Each command module exposes ``install_<name>(subparsers)``, which adds its parser and sets
``run``. Errors of the grader's user (an unknown exercise or check, a malformed course file,
a missing data set) are :class:`checkers.engine.errors.GraderError`: reported in one line
with exit status 2. Anything else is a bug of the grader and keeps its traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from checkers.cli import instructor, review, student
from checkers.cli.common import EXIT_USAGE

Installer = Callable[[argparse._SubParsersAction], None]

COMMANDS: tuple[tuple[str, Installer], ...] = (
    ("list", student.install_list),
    ("new", student.install_new),
    ("check", student.install_check),
    ("validate", student.install_validate),
    ("train", student.install_train),
    ("grade", instructor.install_grade),
    ("export", instructor.install_export),
    ("report", instructor.install_report),
    ("review", review.install_review),
    ("feedback", instructor.install_feedback),
    ("autograder", instructor.install_autograder),
)


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("seqgrade")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``seqgrade``, with every command of :data:`COMMANDS`."""
    parser = argparse.ArgumentParser(
        prog="seqgrade", description="Exercises and a sandboxed grader for sequence models.")
    parser.add_argument("--version", action="version", version=f"seqgrade {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    for _name, install in COMMANDS:
        install(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    from checkers.engine.errors import GraderError

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except GraderError as error:
        print(f"seqgrade: {error}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
