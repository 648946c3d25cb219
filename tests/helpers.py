"""Helpers for the grader's own tests: build mutant submissions and grade them."""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from checkers.engine.grading import grade
from checkers.engine.registry import get_exercise
from checkers.engine.report import Report

REPO = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO / "solutions"
EXERCISES = REPO / "exercises"
MUTANTS = REPO / "tests" / "mutants"
ADVERSARIAL = REPO / "tests" / "adversarial"
MALFORMED = REPO / "tests" / "malformed"
HOSTILE = ADVERSARIAL  # former name
SHARED_DATA = REPO.parent / "shared" / "data"


def data_dir() -> str | None:
    """The folder with tinyshakespeare.txt: SEQGRADE_DATA_DIR, else ../shared/data."""
    configured = os.environ.get("SEQGRADE_DATA_DIR")
    if configured:
        return configured
    return str(SHARED_DATA) if SHARED_DATA.is_dir() else None


def grading_options() -> dict:
    """The options tests grade with."""
    folder = data_dir()
    return {"data_dir": folder} if folder else {}


def grade_path(exercise: str, path: Path, seed: int = 0, **kwargs) -> Report:
    """Grade a submission path in the sandbox with the test options."""
    return grade(exercise, Path(path), seed=seed, options=grading_options(), **kwargs)


@cache
def reference_report(exercise: str) -> Report:
    """The reference solution's report in the sandbox (seed 0, every check, the test
    options), graded once per test process: every test that needs it shares it."""
    spec = get_exercise(exercise)
    return grade_path(exercise, spec.solution_path)


@dataclass(frozen=True)
class Mutant:
    """A known-bad submission and the checks it must (and may) lose."""

    exercise: str
    path: Path
    expect: frozenset[str]
    may_lose: frozenset[str]
    standalone: bool
    # check id -> the status it must end with (e.g. "timeout"), from a "# status:" line
    statuses: dict[str, str] = field(default_factory=dict)
    # only these checks are graded (a "# checks:" line), to keep costly cases cheap
    checks: frozenset[str] | None = None
    # words the feedback of the lost checks must contain (a "# feedback:" line)
    feedback: str | None = None
    # paths that must not exist after grading (a "# absent:" line; relative to the repo)
    absent: frozenset[str] = frozenset()

    @property
    def name(self) -> str:
        """``exercise/file`` for test ids."""
        return f"{self.exercise}/{self.path.stem}"


def _ids_on(line_tag: str, text: str) -> frozenset[str]:
    match = re.search(rf"^#\s*{line_tag}:(.*)$", text, flags=re.MULTILINE)
    return frozenset(match.group(1).split()) if match else frozenset()


def read_mutant(exercise: str, path: Path) -> Mutant:
    """Parse a mutant file's ``# expect:`` and ``# may-lose:`` lines."""
    text = path.read_text(encoding="utf-8")
    expect = _ids_on("expect", text)
    if not expect:
        raise ValueError(f"{path} has no '# expect: CHECK_ID' line ('# expect: none' if it "
                         "must keep full marks)")
    statuses = dict(item.split("=", 1) for item in _ids_on("status", text))
    feedback = re.search(r"^#\s*feedback:(.*)$", text, flags=re.MULTILINE)
    return Mutant(exercise, path, expect - {"none"}, _ids_on("may-lose", text),
                  standalone=path.parent.name == "standalone", statuses=statuses,
                  checks=_ids_on("checks", text) or None,
                  feedback=feedback.group(1).strip() if feedback else None,
                  absent=_ids_on("absent", text))


def all_mutants(root: Path = MUTANTS) -> list[Mutant]:
    """Every mutant under ``root``/<exercise>/ (and its standalone/ folder)."""
    found = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        for path in sorted(folder.glob("*.py")) + sorted(folder.glob("standalone/*.py")):
            found.append(read_mutant(folder.name, path))
    return found


def copy_artifacts(exercise: str, dest: Path) -> None:
    """Copy the reference's trained artifacts into ``dest``."""
    for name in get_exercise(exercise).artifacts:
        source = SOLUTIONS / name
        if source.is_dir():
            shutil.copytree(source, dest / name, dirs_exist_ok=True)
        elif source.exists():
            shutil.copy2(source, dest / name)


def build_submission(tmp_path: Path, mutant: Mutant) -> Path:
    """A submission folder: the reference source with the mutant appended (or the mutant
    alone when standalone), plus the reference artifacts."""
    exercise = get_exercise(mutant.exercise)
    folder = tmp_path / mutant.path.stem
    folder.mkdir(parents=True, exist_ok=True)
    mutant_source = mutant.path.read_text(encoding="utf-8")
    if mutant.standalone:
        source = mutant_source
    else:
        reference = (SOLUTIONS / exercise.solution_file).read_text(encoding="utf-8")
        source = reference + "\n\n# ---- mutant: " + mutant.path.name + " ----\n" + mutant_source
    (folder / f"{mutant.exercise}.py").write_text(source, encoding="utf-8")
    copy_artifacts(mutant.exercise, folder)
    return folder


def grade_mutant(tmp_path: Path, mutant: Mutant, seed: int = 0,
                 worker_env: dict[str, str] | None = None) -> Report:
    """Build and grade a mutant (only its ``# checks:`` when it names some)."""
    checks = sorted(mutant.checks) if mutant.checks else None
    options = grading_options()
    if worker_env:
        options["worker_env"] = worker_env
    return grade(mutant.exercise, build_submission(tmp_path, mutant), seed=seed,
                 options=options, checks=checks)


def processes_with_env(marker: str) -> list[int]:
    """Live processes whose environment holds ``marker`` (e.g. ``SEQGRADE_TAG=...``), but
    this process's fork servers (started with the worker environment, they stay for the
    next sandbox; a worker forked from one shows its server's environment too)."""
    from checkers.sandbox import forkserver

    servers = forkserver.server_pids()
    found = []
    needle = marker.encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0") \
                    and int(entry.name) not in servers:
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def lost_points(report: Report) -> dict[str, float]:
    """check id -> points lost, for the checks that lost any."""
    return {c.id: c.max_score - c.score for c in report.checks if c.score < c.max_score}
