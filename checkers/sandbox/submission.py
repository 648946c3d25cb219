"""Finding and preparing a submission: a .py file, a .ipynb notebook, or a folder.

The grader never runs code from the submission's own folder: :func:`materialize` copies
the code (a notebook converted to a script by :mod:`checkers.sandbox.notebook`) and the
files beside it (trained models) into a private working folder, which is what the worker
imports and uses as its cwd.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from checkers.sandbox.notebook import notebook_to_script

__all__ = ["Submission", "SubmissionNotFound", "content_hash", "find_submission",
           "materialize", "notebook_to_script"]

CODE_SUFFIXES = (".py", ".ipynb")
MAX_COPY_BYTES = 512 << 20
MAX_SOURCE_BYTES = 5 << 20
SKIPPED_NAMES = {"__pycache__", ".ipynb_checkpoints", ".git"}


class SubmissionNotFound(Exception):
    """The path does not name a usable submission (the message says why and what to do)."""


@dataclass
class Submission:
    """Where a submission's code is, the folder of its data files, and loading notes."""

    path: Path
    source: Path
    folder: Path
    notes: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """``py`` or ``ipynb``."""
        return self.source.suffix.lstrip(".")


def find_submission(path: Path, exercise: str) -> Submission:
    """The submission at ``path`` (a file, or a folder holding one code file).

    In a folder with several code files, the one named after the exercise (``reber.py``)
    or ``submission.py`` is taken.
    """
    path = Path(path)
    if not path.exists():
        raise SubmissionNotFound(f"{path} does not exist")
    if path.is_file():
        if path.suffix not in CODE_SUFFIXES:
            raise SubmissionNotFound(f"{path.name}: expected a .py file or a .ipynb notebook")
        return Submission(path=path, source=path, folder=path.parent)
    candidates = sorted(p for p in path.iterdir() if p.suffix in CODE_SUFFIXES and p.is_file())
    if not candidates:
        raise SubmissionNotFound(f"{path} holds no .py file or .ipynb notebook")
    if len(candidates) > 1:
        preferred = [p for p in candidates if p.stem in (exercise, "submission")]
        if len(preferred) != 1:
            names = ", ".join(p.name for p in candidates)
            raise SubmissionNotFound(
                f"{path} holds several code files ({names}); name the file to grade, "
                f"or call it {exercise}.py"
            )
        candidates = preferred
    return Submission(path=path, source=candidates[0], folder=path)


def _copy_folder_files(folder: Path, dest: Path, skip: Path) -> list[str]:
    """Copy the files beside the code (models, data), within a size budget."""
    notes = []
    budget = MAX_COPY_BYTES
    for item in sorted(folder.iterdir()):
        if item == skip or item.name in SKIPPED_NAMES or item.name.startswith("."):
            continue
        if item.is_symlink():
            continue
        if item.is_dir():
            size = sum(f.stat().st_size for f in item.rglob("*") if f.is_file())
            if size > budget:
                notes.append(f"folder {item.name} was not copied (over the size budget)")
                continue
            shutil.copytree(item, dest / item.name, symlinks=False,
                            ignore=shutil.ignore_patterns(*SKIPPED_NAMES))
            budget -= size
        elif item.is_file():
            size = item.stat().st_size
            if size > budget:
                notes.append(f"file {item.name} was not copied (over the size budget)")
                continue
            shutil.copy2(item, dest / item.name)
            budget -= size
    return notes


def materialize(submission: Submission, dest: Path) -> Path:
    """Copy the submission into ``dest``; returns the path of the script the worker imports.

    Raises ValueError with a student-readable message for unreadable code.
    """
    dest.mkdir(parents=True, exist_ok=True)
    if submission.source.stat().st_size > MAX_SOURCE_BYTES:
        raise ValueError(f"{submission.source.name} is larger than {MAX_SOURCE_BYTES >> 20} MiB")
    raw = submission.source.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{submission.source.name} is not UTF-8 text (byte {error.start}); "
            "save it as UTF-8"
        ) from error
    submission.notes.extend(_copy_folder_files(submission.folder, dest, submission.source))
    if submission.kind == "ipynb":
        script, notes = notebook_to_script(text)
        submission.notes.extend(notes)
        target = dest / (submission.source.stem + "_notebook.py")
    else:
        script = text
        target = dest / submission.source.name
    target.write_text(script, encoding="utf-8")
    return target


def content_hash(submission: Submission) -> str:
    """A sha256 over the code and every file that is copied with it (for the gradebook)."""
    digest = hashlib.sha256()
    files = [submission.source]
    for item in sorted(submission.folder.rglob("*")):
        if item.is_file() and not any(part in SKIPPED_NAMES for part in item.parts):
            if item != submission.source and not item.name.startswith("."):
                files.append(item)
    for item in files:
        digest.update(str(item.relative_to(submission.folder)).encode())
        digest.update(item.read_bytes())
    return digest.hexdigest()
