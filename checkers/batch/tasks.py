"""One unit of batch work: find the entries of a class folder, hash one, grade one.

:func:`grade_task` is what a pool process or a Dask worker runs for one submission. It
never raises: whatever goes wrong comes back as a ``grader_error`` result, so one bad
submission cannot stop a batch. A single-file entry is graded from a private copy of that
file alone (the engine copies the files *beside* a submission into its sandbox, and in a
class folder those are the other students' files).
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import socket
import tarfile
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checkers.batch.gradebook import row_status
from checkers.engine.options import GradingOptions
from checkers.engine.report import CheckResult, Report
from checkers.sandbox.submission import (
    SKIPPED_NAMES,
    SubmissionNotFound,
    content_hash,
    find_submission,
)

MAX_PAYLOAD_BYTES = 512 << 20


@dataclass(frozen=True)
class Entry:
    """One student's submission in a class folder: a file or a folder."""

    student: str
    path: Path


@dataclass(frozen=True)
class Task:
    """What a worker needs to grade one submission (picklable plain data)."""

    exercise: str
    student: str
    path: str
    seed: int = 0
    options: GradingOptions = field(default_factory=GradingOptions)
    checks: tuple[str, ...] | None = None
    payload: bytes | None = None  # the entry as a tar archive (Dask: no shared disk needed)


@dataclass
class TaskResult:
    """A finished grading, as plain data, ready for the gradebook."""

    student: str
    path: str
    content_hash: str
    status: str
    report: dict[str, Any]
    host: str
    error: str | None = None


def discover(folder: Path) -> list[Entry]:
    """The entries of a class folder, one per student, sorted by name.

    Every visible file or folder is a student's entry; the student is the name without its
    suffix (the whole name when two entries would share a stem).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder} is not a folder of submissions")
    items = sorted(p for p in folder.iterdir()
                   if not p.name.startswith(".") and p.name not in SKIPPED_NAMES
                   and (p.is_dir() or p.is_file()) and not p.is_symlink())
    stems: dict[str, int] = {}
    for item in items:
        stem = item.stem if item.is_file() else item.name
        stems[stem] = stems.get(stem, 0) + 1
    entries = []
    for item in items:
        stem = item.stem if item.is_file() else item.name
        entries.append(Entry(stem if stems[stem] == 1 else item.name, item))
    return entries


def _tree_hash(root: Path) -> str:
    digest = hashlib.sha256()
    files = [root] if root.is_file() else sorted(
        p for p in root.rglob("*")
        if p.is_file() and not any(part in SKIPPED_NAMES for part in p.relative_to(root).parts)
        and not p.name.startswith("."))
    base = root.parent if root.is_file() else root
    for item in files:
        digest.update(str(item.relative_to(base)).encode())
        digest.update(item.read_bytes())
    return digest.hexdigest()


def entry_hash(path: Path, exercise: str) -> str:
    """The content hash of an entry: :func:`checkers.submission.content_hash` of what would be
    graded (a file alone, or a folder), or a hash of every file when nothing is gradable."""
    path = Path(path)
    if path.is_file():
        return _tree_hash(path)  # the same digest as content_hash of the file alone
    try:
        return content_hash(find_submission(path, exercise))
    except (SubmissionNotFound, OSError):
        return _tree_hash(path)


def pack(path: Path) -> bytes:
    """An entry (file or folder) as an uncompressed tar archive in memory."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        archive.add(path, arcname=Path(path).name,
                    filter=lambda info: None if Path(info.name).name in SKIPPED_NAMES
                    or info.issym() or info.islnk() else info)
    data = buffer.getvalue()
    if len(data) > MAX_PAYLOAD_BYTES:
        raise ValueError(f"{path} is larger than {MAX_PAYLOAD_BYTES >> 20} MiB")
    return data


def _skipped(folder: str, names: list[str]) -> list[str]:
    """Names not copied into a private copy: caches, VCS folders, and symbolic links (a
    link could point at another student's files)."""
    return [n for n in names if n in SKIPPED_NAMES or os.path.islink(os.path.join(folder, n))]


def _stage(task: Task, dest: Path) -> Path:
    """A private copy of the entry under ``dest``; returns the path to grade.

    The copy lies one folder down (``dest/entry/NAME``): the sandbox hides the folder of a
    submission and the folder above it, and neither may be a shared temporary folder.
    """
    dest = dest / "entry"
    dest.mkdir()
    if task.payload is not None:
        with tarfile.open(fileobj=io.BytesIO(task.payload), mode="r") as archive:
            archive.extractall(dest, filter="data")
        return dest / Path(task.path).name
    source = Path(task.path)
    target = dest / source.name
    if source.is_dir():
        shutil.copytree(source, target, ignore=_skipped)
    else:
        shutil.copy2(source, target)
    return target


def _relabel(report: Report, staged: Path, original: str) -> Report:
    """The report with the private copy's path replaced by the entry's own path."""
    data = report.to_dict()
    text = _replace_in(data, str(staged), original)
    return Report.from_dict(text)


def _replace_in(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, list):
        return [_replace_in(v, old, new) for v in value]
    if isinstance(value, dict):
        return {k: _replace_in(v, old, new) for k, v in value.items()}
    return value


def error_report(task: Task, message: str) -> Report:
    """A report giving 0 on every check, for a submission the grader could not grade."""
    from checkers.engine.grading import grader_version
    from checkers.engine.registry import get_exercise

    exercise = get_exercise(task.exercise)
    checks = [c for c in exercise.checks if task.checks is None or c.id in task.checks]
    results = [CheckResult(id=c.id, name=c.name, score=0.0, max_score=float(c.points),
                           status="error", feedback=message) for c in checks]
    return Report(exercise=exercise.name, submission=task.path, seed=task.seed, score=0.0,
                  max_score=float(sum(c.points for c in checks)), duration_s=0.0,
                  grader_version=grader_version(), checks=results, notes=[message])


def failed_result(task: Task, message: str, content_hash: str = "") -> TaskResult:
    """A ``grader_error`` result (graded again on the next resume)."""
    return TaskResult(student=task.student, path=task.path, content_hash=content_hash,
                      status="grader_error", report=error_report(task, message).to_dict(),
                      host=_host(), error=message)


def _host() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _missing_reason(path: Path, exercise: str) -> str | None:
    """Why nothing in the entry can be graded (None when something can)."""
    from checkers.engine.registry import get_exercise

    if get_exercise(exercise).grades == "text":
        return None
    try:
        find_submission(path, exercise)
    except SubmissionNotFound as error:
        return str(error)
    return None


def grade_task(task: Task) -> TaskResult:
    """Grade one submission in a sandbox; never raises (see the module docstring)."""
    from checkers.engine.grading import grade

    digest = ""
    try:
        with tempfile.TemporaryDirectory(prefix="seqgrade-entry-") as scratch:
            staged = _stage(task, Path(scratch))
            digest = entry_hash(staged, task.exercise)
            started = time.perf_counter()
            missing = _missing_reason(staged, task.exercise)
            if missing is not None:
                report = error_report(task, missing)
            else:
                report = grade(task.exercise, staged, seed=task.seed,
                               options=task.options,
                               checks=list(task.checks) if task.checks else None)
            report = _relabel(report, staged, task.path)
            report.duration_s = round(time.perf_counter() - started, 3)
            status = row_status(report, missing=missing is not None)
        return TaskResult(student=task.student, path=task.path, content_hash=digest,
                          status=status, report=report.to_dict(), host=_host())
    except Exception:  # a grader failure on this submission: record it, go on
        return failed_result(task, "the grader failed on this submission (it will be "
                             "graded again on the next run):\n"
                             + traceback.format_exc(limit=6), digest)
