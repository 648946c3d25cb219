"""A Gradescope autograder: the zip (``setup.sh``, ``run_autograder``, seqgrade's source) and
what ``run_autograder`` does (grade ``/autograder/submission``, write ``results.json``).

Gradescope's layout (https://gradescope-autograders.readthedocs.io/en/latest/specs/): the
zip is extracted to ``/autograder/source``; ``setup.sh`` runs once when the image is built;
``run_autograder`` runs per submission, with the student's files in ``/autograder/submission``,
and must write ``/autograder/results/results.json``. The root ``/autograder`` can be moved
with ``SEQGRADE_AUTOGRADER_ROOT`` (the tests run the zip in a temporary folder), and the
Python that grades with ``SEQGRADE_PYTHON`` (default: the virtual environment ``setup.sh``
made).

``results.json`` carries: the score and per-check tests; ``visibility: after_due_date`` for
checks on hidden data (``Check.hidden_data``); Markdown output (``output_format: "md"``);
the checks' metrics in ``extra_data``; and, when asked, a leaderboard (accuracy, nats/char).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
import traceback
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checkers.engine.report import CheckResult, Report

if TYPE_CHECKING:
    from checkers.engine.model import Exercise

CONFIG_NAME = "seqgrade_autograder.json"
COURSE_NAME = "course.toml"
SOURCE_FOLDER = "seqgrade"
ROOT_ENV = "SEQGRADE_AUTOGRADER_ROOT"
CPU_TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
# What each exercise needs beyond the grader itself (extras of pyproject.toml).
EXTRAS: dict[str, tuple[str, ...]] = {
    "reber": ("rnn-cpu",), "dates": ("rnn-cpu",), "shifted_targets": ("rnn-cpu",),
    "textgen": ("rnn-cpu", "lm"), "qa": ("qa",), "wordgen": ("rnn-cpu",),
}
DEFAULT_EXTRAS = ("all-cpu",)  # an exercise from another package: everything
# Leaderboard columns: (title, check id, metric, order).
LEADERBOARD: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "reber": (("Accuracy", "reber.accuracy", "accuracy", "desc"),
              ("Long-range accuracy", "reber.long_range", "accuracy", "desc")),
    "dates": (("Exact match (v2)", "dates.v2_accuracy", "exact_match", "desc"),
              ("Exact match (beam)", "dates.beam_search", "exact_match", "desc")),
    "textgen": (("Held-out nats/char", "textgen.heldout_loss", "heldout_loss", "asc"),),
    "wordgen": (("Held-out nats/token", "wordgen.heldout_loss", "heldout_loss", "asc"),),
}
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", ".git")


def _repository() -> Path:
    """The checkout seqgrade runs from (the zip carries its source)."""
    return Path(__file__).resolve().parents[2]


def setup_script(extras: tuple[str, ...], exercise: str) -> str:
    """``setup.sh``: a Python >= 3.11 virtual environment with seqgrade and CPU builds."""
    spec = f"./{SOURCE_FOLDER}[{','.join(extras)}]" if extras else f"./{SOURCE_FOLDER}"
    prefetch = ""
    if exercise == "textgen":
        prefetch = ('"$VENV/bin/python" -c "from checkers.authoring.shakespeare import '
                    'find_text_file; print(find_text_file())"\n')
    elif exercise == "wordgen":
        prefetch = ('"$VENV/bin/python" -c "from checkers.exercises.wordgen.data import '
                    'load_text; load_text()"\n')
    return f"""#!/usr/bin/env bash
# seqgrade autograder for `{exercise}`: run once by Gradescope when it builds the image.
set -euo pipefail
cd "$(dirname "$0")"
VENV=/autograder/venv
PYTHON=python3
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    apt-get install -y python3.11 python3.11-venv
    PYTHON=python3.11
fi
apt-get install -y python3-venv >/dev/null 2>&1 || true
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --upgrade pip
# CPU builds: tensorflow-cpu (the rnn-cpu extra) and PyTorch's CPU wheels.
"$VENV/bin/python" -m pip install --extra-index-url {CPU_TORCH_INDEX} "{spec}"
export SEQGRADE_CACHE_DIR=/autograder/source/cache
{prefetch}"$VENV/bin/python" -m checkers list >/dev/null
"""


RUN_SCRIPT = """#!/usr/bin/env bash
# seqgrade autograder: grade the submission, write results/results.json (run by Gradescope).
ROOT="${SEQGRADE_AUTOGRADER_ROOT:-/autograder}"
PYTHON="${SEQGRADE_PYTHON:-/autograder/venv/bin/python}"
export SEQGRADE_CACHE_DIR="${SEQGRADE_CACHE_DIR:-$ROOT/source/cache}"
export TF_CPP_MIN_LOG_LEVEL=3 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
cd "$ROOT"
exec "$PYTHON" -m checkers.batch.autograder "$ROOT"
"""


def _add_tree(archive: zipfile.ZipFile, source: Path, arcname: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "tree"
        shutil.copytree(source, copy, ignore=_SKIP)
        for path in sorted(copy.rglob("*")):
            if path.is_file():
                archive.write(path, f"{arcname}/{path.relative_to(copy).as_posix()}")


def _add_text(archive: zipfile.ZipFile, name: str, text: str, mode: int = 0o644) -> None:
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, text)


def build_autograder(exercise_name: str, out: Path, *, config: Path | None = None,
                     seed: int | None = None, leaderboard: bool = False) -> Path:
    """Write Gradescope's autograder zip for ``exercise_name`` to ``out``.

    The zip holds ``setup.sh`` and ``run_autograder`` at its root, seqgrade's source
    (``seqgrade/``: the grader and the stubs, not the reference solutions), the course
    file when given, and ``seqgrade_autograder.json`` (exercise, seed, leaderboard).
    """
    from checkers.engine.config import load_config, load_course_seed
    from checkers.engine.errors import GraderSetupError
    from checkers.engine.registry import get_exercise

    exercise = get_exercise(exercise_name)
    if config is not None:
        load_config(Path(config))  # a malformed course file fails here, not on Gradescope
    repository = _repository()
    if not (repository / "pyproject.toml").is_file():
        raise GraderSetupError("seqgrade autograder needs a checkout of the seqgrade "
                               "repository (its source goes into the zip)")
    chosen_seed = seed if seed is not None else (
        load_course_seed(Path(config)) if config is not None else 0)
    extras = EXTRAS.get(exercise.name, DEFAULT_EXTRAS)
    settings = {"exercise": exercise.name, "seed": chosen_seed, "leaderboard": leaderboard,
                "config": COURSE_NAME if config is not None else None}
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        _add_text(archive, "setup.sh", setup_script(extras, exercise.name), 0o755)
        _add_text(archive, "run_autograder", RUN_SCRIPT, 0o755)
        _add_text(archive, CONFIG_NAME, json.dumps(settings, indent=2) + "\n")
        if config is not None:
            _add_text(archive, COURSE_NAME, Path(config).read_text(encoding="utf-8"))
        for name in ("pyproject.toml", "README.md", "constraints.txt"):
            if (repository / name).is_file():
                archive.write(repository / name, f"{SOURCE_FOLDER}/{name}")
        _add_tree(archive, repository / "checkers", f"{SOURCE_FOLDER}/checkers")
        _add_tree(archive, repository / "exercises", f"{SOURCE_FOLDER}/exercises")
    return out


# --------------------------------------------------------------------------- results.json


def _md_block(text: str) -> str:
    fence = "````" if "```" in text else "```"
    return f"{fence}\n{text}\n{fence}"


def _md_escape(text: str) -> str:
    return "".join("\\" + ch if ch in "\\`*_{}[]<>#|" else ch for ch in text)


def check_markdown(check: CheckResult) -> str:
    """A check's feedback as Markdown: verdict, feedback, counterexample, metrics."""
    lines = [f"**{check.status}** · {check.score:g}/{check.max_score:g} points", ""]
    feedback = check.feedback.strip() or "(no feedback)"
    lines.append(_md_block(feedback) if "\n" in feedback or len(feedback) > 300
                 else _md_escape(feedback))
    if check.counterexample:
        lines += ["", "**Smallest failing input:**", "", _md_block(check.counterexample)]
    if check.metrics:
        lines += ["", "| metric | value |", "|---|---|"]
        lines += [f"| {_md_escape(k)} | {v:.4g} |" for k, v in check.metrics.items()]
    return "\n".join(lines)


def _leaderboard(report: Report) -> list[dict[str, Any]]:
    board = []
    for title, check_id, metric, order in LEADERBOARD.get(report.exercise, ()):
        try:
            value = report.result(check_id).metrics.get(metric)
        except KeyError:
            continue
        if value is not None:
            board.append({"name": title, "value": round(float(value), 4), "order": order})
    return board


def gradescope_results(report: Report, *, hidden: set[str] | frozenset[str] = frozenset(),
                       leaderboard: bool = False) -> dict[str, Any]:
    """Gradescope's ``results.json`` for ``report``: Markdown tests, checks on hidden data
    visible after the due date, metrics in ``extra_data``, optionally a leaderboard."""
    notes = "\n".join(f"- {_md_escape(n)}" for n in report.notes)
    summary = f"**seqgrade · {report.exercise}**: {report.score:g}/{report.max_score:g}"
    if hidden:
        summary += (f"\n\n{len([c for c in report.checks if c.id in hidden])} check(s) "
                    "on hidden data are shown after the due date.")
    tests = []
    for number, check in enumerate(report.checks, start=1):
        tests.append({
            "name": f"{check.id}: {check.name}",
            "number": str(number),
            "score": check.score,
            "max_score": check.max_score,
            "status": "passed" if check.status == "passed" else "failed",
            "output": check_markdown(check),
            "output_format": "md",
            "tags": [report.exercise, "hidden data" if check.id in hidden else "public"],
            "visibility": "after_due_date" if check.id in hidden else "visible",
            "extra_data": {"check_id": check.id, "status": check.status,
                           "metrics": dict(check.metrics), "duration_s": check.duration_s},
        })
    results: dict[str, Any] = {
        "score": report.score,
        "execution_time": round(report.duration_s, 2),
        "output": summary + (f"\n\n**Notes**\n\n{notes}" if notes else ""),
        "output_format": "md",
        "test_output_format": "md",
        "stdout_visibility": "hidden",
        "visibility": "visible",
        "extra_data": {"exercise": report.exercise, "seed": report.seed,
                       "max_score": report.max_score, "grader_version": report.grader_version,
                       "metrics": {c.id: dict(c.metrics) for c in report.checks if c.metrics}},
        "tests": tests,
    }
    board = _leaderboard(report) if leaderboard else []
    if board:
        results["leaderboard"] = board
    return results


def hidden_checks(exercise_name: str) -> frozenset[str]:
    """Ids of the exercise's checks graded on hidden data."""
    from checkers.engine.registry import get_exercise

    return frozenset(c.id for c in get_exercise(exercise_name).checks
                     if getattr(c, "hidden_data", False))


# --------------------------------------------------------------------------- run_autograder


def submission_path(folder: Path, scratch: Path) -> Path:
    """What to grade in Gradescope's submission folder: the folder, its only subfolder, or
    an uploaded archive unpacked (safely) under ``scratch``."""
    from checkers.batch.ingest import UnsafeArchive, archive_stem, extract_archive

    items = [p for p in folder.iterdir() if not p.name.startswith(".")
             and p.name != "__MACOSX"] if folder.is_dir() else []
    if len(items) == 1 and items[0].is_file() and archive_stem(items[0].name):
        try:
            return submission_path(extract_archive(items[0], scratch / "unpacked"), scratch)
        except UnsafeArchive as error:
            raise ValueError(f"{items[0].name} was not graded: {error}") from error
    if len(items) == 1 and items[0].is_dir():
        return submission_path(items[0], scratch)
    return folder


def run(root: Path) -> int:
    """Grade ``root/submission`` as ``root/source/seqgrade_autograder.json`` says; write
    ``root/results/results.json``. Returns 0, or 1 when the grader itself failed (the
    results then give the student a message and 0 points)."""
    from checkers.engine.grading import grade
    from checkers.engine.registry import get_exercise

    root = Path(root)
    source = root / "source"
    settings = json.loads((source / CONFIG_NAME).read_text(encoding="utf-8"))
    exercise = get_exercise(settings["exercise"])
    options: dict[str, Any] = {}
    if settings.get("config"):
        options["config_path"] = str(source / settings["config"])
    data_dir = os.environ.get("SEQGRADE_DATA_DIR") or (
        str(source / "data") if (source / "data").is_dir() else None)
    if data_dir:
        options["data_dir"] = data_dir
    started = time.perf_counter()
    status = 0
    with tempfile.TemporaryDirectory(prefix="seqgrade-autograder-") as scratch:
        try:
            path = submission_path(root / "submission", Path(scratch))
            report = grade(exercise.name, path, seed=int(settings.get("seed", 0)),
                           options=options)
        except ValueError as error:  # an unreadable upload: the student's to fix
            report = _zero_report(exercise, int(settings.get("seed", 0)), str(error))
        except Exception:  # noqa: BLE001 - a grader bug: say so, never leave Gradescope empty
            traceback.print_exc()
            report = _zero_report(exercise, int(settings.get("seed", 0)),
                                  "the autograder failed (not your fault; the course staff "
                                  "can see why in the autograder output)")
            status = 1
    report.duration_s = round(time.perf_counter() - started, 3)
    results = gradescope_results(report, hidden=hidden_checks(exercise.name),
                                 leaderboard=bool(settings.get("leaderboard")))
    out = root / "results" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"seqgrade: {exercise.name} {report.score:g}/{report.max_score:g}; wrote {out}")
    return status


def _zero_report(exercise: Exercise, seed: int, message: str) -> Report:
    """0 on every check, ``message`` as each check's feedback and as the note."""
    from checkers.engine.grading import grader_version

    checks = [CheckResult(id=c.id, name=c.name, score=0.0, max_score=float(c.points),
                          status="error", feedback=message) for c in exercise.checks]
    return Report(exercise=exercise.name, submission="submission", seed=seed, score=0.0,
                  max_score=exercise.max_score, duration_s=0.0, grader_version=grader_version(),
                  checks=checks, notes=[message])


if __name__ == "__main__":
    sys.exit(run(Path(sys.argv[1] if len(sys.argv) > 1 else
                      os.environ.get(ROOT_ENV, "/autograder"))))
