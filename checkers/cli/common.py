"""What every ``seqgrade`` command shares: exit statuses and the grading options."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from checkers.engine.options import GradingOptions

EXIT_OK = 0
EXIT_GRADER_FAILED = 1
EXIT_USAGE = 2
EXIT_NOT_FULL_MARKS = 3


def add_grading_options(parser: argparse.ArgumentParser) -> None:
    """The options every grading command takes (``check``, ``grade``, ``validate``)."""
    parser.add_argument("--seed", type=int, default=None,
                        help="grading seed (default: the course TOML's `seed`, else 0)")
    parser.add_argument("--data-dir", help="folder with data sets (or SEQGRADE_DATA_DIR)")
    parser.add_argument("--timeout-scale", type=float,
                        help="multiply every per-call time limit (slow machines)")
    parser.add_argument("--config", help="the course TOML: seed, points and limits per exercise")
    parser.add_argument("--allow-unisolated", action="store_true",
                        help="grade officially even where the sandbox can apply no isolation "
                             "(the report then says so at the top)")


def grading_options(args: argparse.Namespace) -> GradingOptions:
    """Options passed to checks (data folder, time-out scale, course TOML, whether the grade
    is official and so must be isolated)."""
    options: dict[str, Any] = {}
    data_dir = getattr(args, "data_dir", None) or os.environ.get("SEQGRADE_DATA_DIR")
    if data_dir:
        options["data_dir"] = str(Path(data_dir).resolve())
    if getattr(args, "timeout_scale", None):
        options["timeout_scale"] = args.timeout_scale
    if getattr(args, "config", None):
        options["config_path"] = str(Path(args.config).resolve())
    # Official grades refuse to run unisolated: `grade`, and `check` with a course TOML.
    command = getattr(args, "command", None)
    if command == "grade" or (command == "check" and getattr(args, "config", None)):
        options["official"] = True
    if getattr(args, "allow_unisolated", False):
        options["allow_unisolated"] = True
    return GradingOptions.of(options)


def grading_seed(args: argparse.Namespace) -> int:
    """``--seed`` when given, else the course TOML's top-level ``seed``, else 0."""
    if getattr(args, "seed", None) is not None:
        return int(args.seed)
    if getattr(args, "config", None):
        from checkers.engine.config import load_course_seed

        return load_course_seed(Path(args.config))
    return 0


def chosen_checks(exercise_name: str, given: list[str] | None) -> list[str] | None:
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
