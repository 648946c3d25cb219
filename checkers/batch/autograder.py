"""A Gradescope autograder: the zip (``setup.sh``, ``run_autograder``, seqgrade's source) and
what ``run_autograder`` does (grade ``/autograder/submission``, write ``results.json``).

Gradescope's layout (https://gradescope-autograders.readthedocs.io/en/latest/specs/): the
zip is extracted to ``/autograder/source``; ``setup.sh`` runs once, as root, when the image
is built; ``run_autograder`` runs per submission, with the student's files in
``/autograder/submission``, and must write ``/autograder/results/results.json``. The root
``/autograder`` can be moved with ``SEQGRADE_AUTOGRADER_ROOT`` (the tests run the zip in a
temporary folder), and the Python that grades with ``SEQGRADE_PYTHON`` (default: the
virtual environment ``setup.sh`` made).

Three rules shape ``results.json`` (docs/DEPLOY.md):

- **The instructor's errors are the instructor's.** The build validates the course file,
  the data and the settings (:class:`ConfigError`, exit 2). At run time a broken setting, a
  :class:`GraderError` from grading (a bad course file, a sandbox that cannot isolate, a
  missing data set) or a crash of the grader writes a ``results.json`` with *no score*
  (Gradescope then reports a failed run, never a 0), the reason on stdout (which only the
  staff see, ``stdout_visibility: hidden``), and exits non-zero.
- **Hidden means hidden.** While checks on hidden data (``Check.hidden_data``) are
  ``after_due_date``, nothing visible holds the total or a figure measured on hidden data:
  the total moves into an ``after_due_date`` test, and a visible check whose figures come
  from hidden data (``Check.hidden_figures``) shows its verdict now and its feedback and
  metrics after the due date, in a test of its own.
- **A secret seed.** Each build draws its own grading seed (``secrets``), stored in the
  zip's settings (out of the submission's reach: the sandbox hides the autograder's
  source); results never carry it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import secrets
import shutil
import sys
import tempfile
import time
import traceback
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checkers.engine.errors import ConfigError, GraderError
from checkers.engine.options import GradingOptions
from checkers.engine.report import CheckResult, Report

if TYPE_CHECKING:
    from checkers.engine.config import ExerciseConfig
    from checkers.engine.model import Exercise

CONFIG_NAME = "seqgrade_autograder.json"
COURSE_NAME = "course.toml"
SOURCE_FOLDER = "seqgrade"
DATA_FOLDER = "data"
# An exercise of a course's own package: that package (and an entry point registering it)
# travels in the zip here, on run_autograder's PYTHONPATH.
COURSE_FOLDER = "course"
ROOT_ENV = "SEQGRADE_AUTOGRADER_ROOT"
CPU_TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
# Gradescope's default timeout (10 minutes; at most 40), and the part of it kept for
# starting Python and writing results.json: the checks get the rest as their time budget.
DEFAULT_TIMEOUT = 600
TIMEOUT_RESERVE = 60
MAX_TIMEOUT = 2400
# What an exercise installs when it declares no extras (Exercise.extras is None).
DEFAULT_EXTRAS = ("all-cpu",)
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
# How grading.run_check words a check the grader itself could not run (not the student's).
GRADER_FAILURE_PREFIXES = ("the grader could not run this check:",
                           "internal grader error (not your fault")
# The bench's figures (bench/bench_autograder.py), read when the zip's README is written.
BENCH_RESULTS = Path("bench") / "autograder_results.json"
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", ".git")


def _repository() -> Path:
    """The checkout seqgrade runs from (the zip carries its source)."""
    return Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------- the scripts


def torch_extras(pyproject: Path | None = None) -> frozenset[str]:
    """The extras of seqgrade's ``pyproject.toml`` that install torch (directly, or through
    another extra): setup.sh then adds PyTorch's CPU index."""
    import tomllib

    path = pyproject or _repository() / "pyproject.toml"
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return frozenset()
    extras = table.get("project", {}).get("optional-dependencies", {})

    def needs(extra: str, seen: frozenset[str]) -> bool:
        for requirement in extras.get(extra, ()):
            name = re.match(r"\s*([A-Za-z0-9_.\-]+)(?:\[([^\]]*)\])?", requirement)
            if name is None:
                continue
            if name.group(1).lower() == "torch":
                return True
            inner = [x.strip() for x in (name.group(2) or "").split(",") if x.strip()]
            if name.group(1).lower() == "seqgrade" and any(
                    needs(x, seen | {extra}) for x in inner if x not in seen):
                return True
        return False

    return frozenset(extra for extra in extras if needs(extra, frozenset()))


def _fetch_line(target: str) -> str:
    """The Python that downloads a data file: ``module:function`` called, its path printed."""
    module, function = target.split(":")
    return f"from {module} import {function}; print({function}())"


def setup_script(extras: tuple[str, ...], exercise: str,
                 fetch: tuple[tuple[str, str], ...] = ()) -> str:
    """``setup.sh``: a Python >= 3.11 virtual environment with seqgrade and CPU builds.

    Gradescope's default image (Ubuntu 22.04) has Python 3.10: the script then installs
    ``python3.11`` from Ubuntu's archive (universe), after ``apt-get update``. seqgrade is
    installed with the zip's ``constraints.txt`` (the versions the zip was built and tested
    with; torch on its CPU wheel). ``fetch`` names data files to download into the zip's
    ``data/`` folder, each with the ``module:function`` that fetches it
    (``Exercise.fetch_data``).
    """
    spec = f"./{SOURCE_FOLDER}[{','.join(extras)}]" if extras else f"./{SOURCE_FOLDER}"
    index = (f" --extra-index-url {CPU_TORCH_INDEX}" if torch_extras() & set(extras) else "")
    fetches = "".join(
        f'SEQGRADE_CACHE_DIR="$PWD/{DATA_FOLDER}" "$VENV/bin/python" -c '
        f'"{_fetch_line(target)}"\n' for _, target in fetch)
    return f"""#!/usr/bin/env bash
# seqgrade autograder for `{exercise}`: run once, as root, when Gradescope builds the image.
set -euo pipefail
cd "$(dirname "$0")"
VENV=/autograder/venv
export DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1
at_least_311() {{ "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }}
apt-get update
if ! command -v python3 >/dev/null; then
    apt-get install -y --no-install-recommends python3
fi
if at_least_311 python3; then
    PYTHON=python3
    apt-get install -y --no-install-recommends python3-venv
else
    # Ubuntu 22.04 (Gradescope's default image) has Python 3.10; seqgrade needs 3.11.
    apt-get install -y --no-install-recommends python3.11 python3.11-venv
    PYTHON=python3.11
fi
at_least_311 "$PYTHON"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --upgrade pip
# The versions this zip was built with (constraints.txt); CPU builds only.
"$VENV/bin/python" -m pip install -c ./{SOURCE_FOLDER}/constraints.txt{index} "{spec}"
mkdir -p {DATA_FOLDER}
{fetches}"$VENV/bin/python" -m checkers list >/dev/null
echo "seqgrade autograder for {exercise}: set up with $("$VENV/bin/python" --version)"
"""


RUN_SCRIPT = """#!/usr/bin/env bash
# seqgrade autograder: grade the submission, write results/results.json (run by Gradescope).
ROOT="${SEQGRADE_AUTOGRADER_ROOT:-/autograder}"
PYTHON="${SEQGRADE_PYTHON:-/autograder/venv/bin/python}"
export SEQGRADE_CACHE_DIR="${SEQGRADE_CACHE_DIR:-$ROOT/source/cache}"
export TF_CPP_MIN_LOG_LEVEL=3 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
export PYTHONPATH="$ROOT/source/course${PYTHONPATH:+:$PYTHONPATH}"
cd "$ROOT"
exec "$PYTHON" -m checkers.batch.autograder "$ROOT"
"""


# --------------------------------------------------------------------------- building


@dataclasses.dataclass(frozen=True)
class SeedChoice:
    """The grading seed of a build, and where it came from."""

    seed: int
    source: str  # "--seed", "course file", "drawn" or "public"


def choose_seed(seed: int | None, *, public_seed: bool = False,
                course_seed: int = 0) -> SeedChoice:
    """``--seed``, else the course file's ``seed``, else a secret seed drawn now.

    Seed 0 is the public seed (every student's ``seqgrade check`` grades with it, so its
    "hidden" sets are the ones students test on): only ``public_seed`` gives it.
    """
    if public_seed:
        if seed not in (None, 0):
            raise ConfigError(f"--public-seed grades with seed 0, not --seed {seed}")
        return SeedChoice(0, "public")
    if seed == 0:
        raise ConfigError("seed 0 is the public seed every student's `seqgrade check` uses: "
                          "leave --seed out for a secret one, or pass --public-seed")
    if seed is not None:
        return SeedChoice(seed, "--seed")
    if course_seed:
        return SeedChoice(course_seed, "course file")
    return SeedChoice(secrets.randbelow(2**62) + 1, "drawn")


def _course_files(config: Path | None) -> tuple[dict[str, ExerciseConfig], dict[str, Path]]:
    """The validated course file's sections, and the files it names (zip name -> path)."""
    from checkers.engine.config import validate_course

    if config is None:
        return {}, {}
    configs = validate_course(config)
    files = {}
    for name, section in configs.items():
        for written, path in section.files.items():
            inside = Path(written)
            if inside.is_absolute() or ".." in inside.parts:
                raise ConfigError(f"{config}: [{name}] names {written!r}: the autograder "
                                  "carries only files in the course file's folder or below")
            files[inside.as_posix()] = path
    return configs, files


def _data_files(exercise: Exercise, data_dir: str | None
                ) -> tuple[dict[str, Path], tuple[tuple[str, str], ...]]:
    """The exercise's named data files: those packed into the zip (name -> path), and those
    ``setup.sh`` fetches (name, ``module:function``). Raises :class:`ConfigError` when one
    is neither."""
    fetchable = dict(exercise.fetch_data)
    packed, fetched = {}, []
    for name in exercise.data_files:
        if Path(name).is_absolute():  # inside an installed package: the zip carries it
            continue
        path = Path(data_dir) / name if data_dir else None
        if path is not None and path.is_file():
            packed[name] = path
        elif name in fetchable:
            fetched.append((name, fetchable[name]))
        else:
            raise ConfigError(f"{exercise.name} needs the data file {name}: pass --data-dir "
                              "(or set SEQGRADE_DATA_DIR) to a folder holding it")
    return packed, tuple(fetched)


def _settings(exercise: Exercise, choice: SeedChoice, *, config: Path | None,
              leaderboard: bool, allow_unisolated: bool, show_hidden: bool,
              timeout: int) -> dict[str, Any]:
    from checkers.engine.grading import grader_version

    if not TIMEOUT_RESERVE * 2 <= timeout <= MAX_TIMEOUT:
        raise ConfigError(f"--timeout {timeout}: Gradescope's timeout is at most "
                          f"{MAX_TIMEOUT} s, and seqgrade needs at least {TIMEOUT_RESERVE * 2}")
    return {"exercise": exercise.name, "seed": choice.seed, "seed_source": choice.source,
            "leaderboard": leaderboard, "config": COURSE_NAME if config is not None else None,
            "allow_unisolated": allow_unisolated, "show_hidden": show_hidden,
            "timeout": timeout, "grader_version": grader_version()}


def _checked_course(exercise: Exercise, config: Path | None, timeout: int) -> dict[str, Path]:
    """The files the course file names (zip name -> path), once it is validated and its
    ``time_budget`` for ``exercise`` leaves time to write results.json."""
    configs, course_files = _course_files(Path(config) if config is not None else None)
    budget = configs[exercise.name].limits.get("time_budget") if exercise.name in configs else None
    if budget is not None and budget > timeout - TIMEOUT_RESERVE:
        raise ConfigError(f"{config}: [{exercise.name}.limits] time_budget = {budget} leaves no "
                          f"time to write results.json within the Gradescope timeout of "
                          f"{timeout} s: at most {timeout - TIMEOUT_RESERVE} (or raise --timeout)")
    return course_files


def build_autograder(exercise_name: str, out: Path, *, config: Path | None = None,
                     seed: int | None = None, public_seed: bool = False,
                     leaderboard: bool = False, allow_unisolated: bool = False,
                     show_hidden: bool = False, timeout: int | None = None,
                     data_dir: str | None = None) -> Path:
    """Write Gradescope's autograder zip for ``exercise_name`` to ``out``.

    Everything is validated first (the course file against the installed exercises, the
    data files, the seed, the timeout): a problem raises :class:`ConfigError` and writes
    nothing. The zip holds ``setup.sh`` and ``run_autograder`` at its root, a README,
    seqgrade's source (``seqgrade/``: the grader and the stubs, not the reference solutions)
    with a ``constraints.txt`` that pins what this machine runs, the course file and the
    files it names, the exercise's data files, and ``seqgrade_autograder.json`` (see
    :func:`load_settings`). ``timeout`` is the Gradescope timeout the assignment will have
    (default: the one :func:`recommended_settings` gives, else Gradescope's 600 s): the
    checks get all of it but :data:`TIMEOUT_RESERVE`.
    """
    from checkers.engine.config import load_course_seed
    from checkers.engine.errors import GraderSetupError
    from checkers.engine.registry import get_exercise

    exercise = get_exercise(exercise_name)
    repository = _repository()
    if not (repository / "pyproject.toml").is_file():
        raise GraderSetupError("seqgrade autograder needs a checkout of the seqgrade "
                               "repository (its source goes into the zip)")
    if config is not None and not Path(config).is_file():
        raise ConfigError(f"no course file at {config}")
    if timeout is None:
        advice = recommended_settings(exercise.name)
        timeout = advice["timeout_s"] if advice else DEFAULT_TIMEOUT
    course_files = _checked_course(exercise, config, timeout)
    packed, fetched = _data_files(exercise, data_dir or os.environ.get("SEQGRADE_DATA_DIR"))
    choice = choose_seed(seed, public_seed=public_seed,
                         course_seed=load_course_seed(Path(config)) if config else 0)
    settings = _settings(exercise, choice, config=config, leaderboard=leaderboard,
                         allow_unisolated=allow_unisolated, show_hidden=show_hidden,
                         timeout=timeout)
    extras = DEFAULT_EXTRAS if exercise.extras is None else exercise.extras
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        _add_text(archive, "setup.sh", setup_script(extras, exercise.name, fetched), 0o755)
        _add_text(archive, "run_autograder", RUN_SCRIPT, 0o755)
        _add_text(archive, "README.md", zip_readme(exercise.name, settings))
        _add_text(archive, CONFIG_NAME, json.dumps(settings, indent=2) + "\n")
        if config is not None:
            _add_text(archive, COURSE_NAME, Path(config).read_text(encoding="utf-8"))
        for name, path in course_files.items():
            archive.write(path, name)
        for name, path in packed.items():
            archive.write(path, f"{DATA_FOLDER}/{name}")
        _add_source(archive, repository, extras, exercise.name)
    return out


def _add_source(archive: zipfile.ZipFile, repository: Path, extras: tuple[str, ...],
                exercise_name: str) -> None:
    """seqgrade's source (grader and stubs, no references), its constraints pinned to what
    this machine runs, and a course's own exercise package where the exercise is one."""
    for name in ("pyproject.toml", "README.md"):
        if (repository / name).is_file():
            archive.write(repository / name, f"{SOURCE_FOLDER}/{name}")
    _add_text(archive, f"{SOURCE_FOLDER}/constraints.txt",
              locked_constraints(repository / "constraints.txt", extras))
    _add_tree(archive, repository / "checkers", f"{SOURCE_FOLDER}/checkers")
    _add_tree(archive, repository / "exercises", f"{SOURCE_FOLDER}/exercises")
    _add_course_package(archive, exercise_name)


def _add_course_package(archive: zipfile.ZipFile, exercise_name: str) -> None:
    """An exercise of a course's own package (an entry point): that package, and a
    dist-info whose entry point registers it, under :data:`COURSE_FOLDER` (nothing for
    seqgrade's own exercises)."""
    from checkers.engine.registry import ENTRY_POINT_GROUP, plugin_source

    found = plugin_source(exercise_name)
    if found is None:
        return
    value, paths = found
    for path in map(Path, paths):
        if path.is_dir():
            _add_tree(archive, path, f"{COURSE_FOLDER}/{path.name}")
        else:
            archive.write(path, f"{COURSE_FOLDER}/{path.name}")
    info = f"{COURSE_FOLDER}/seqgrade_course_{exercise_name}-0.dist-info"
    _add_text(archive, f"{info}/METADATA", "Metadata-Version: 2.1\n"
              f"Name: seqgrade-course-{exercise_name}\nVersion: 0\n")
    _add_text(archive, f"{info}/entry_points.txt",
              f"[{ENTRY_POINT_GROUP}]\n{exercise_name} = {value}\n")


def read_settings(zip_path: Path) -> dict[str, Any]:
    """The settings stored in an autograder zip (``seqgrade_autograder.json``)."""
    with zipfile.ZipFile(zip_path) as archive:
        return json.loads(archive.read(CONFIG_NAME))


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


def locked_constraints(base: Path, extras: tuple[str, ...]) -> str:
    """The repository's ``constraints.txt`` plus ``name==version`` for every installed
    distribution that ``seqgrade[extras]`` requires, directly or not: the zip installs what
    this machine runs (local version labels such as ``+cpu`` dropped; the CPU index serves
    torch)."""
    from importlib import metadata

    text = base.read_text(encoding="utf-8") if base.is_file() else ""
    try:
        from packaging.requirements import Requirement
        from packaging.utils import canonicalize_name
    except ImportError:  # no `packaging` here: the repository's constraints only
        return text
    pinned = {canonicalize_name(Requirement(line.split("#")[0].strip()).name)
              for line in text.splitlines() if line.split("#")[0].strip()}
    pins: dict[str, str] = {}
    todo = [("seqgrade", set(extras))]
    seen: set[tuple[str, str]] = set()
    while todo:
        name, wanted = todo.pop()
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        key = canonicalize_name(name)
        if key != "seqgrade":
            pins[key] = distribution.version.split("+")[0]
        for line in distribution.requires or []:
            requirement = Requirement(line)
            marker = requirement.marker
            if marker is not None and not any(
                    marker.evaluate({"extra": extra}) for extra in (wanted or {""})):
                continue
            child = canonicalize_name(requirement.name)
            if (child, ",".join(sorted(requirement.extras))) not in seen:
                seen.add((child, ",".join(sorted(requirement.extras))))
                todo.append((requirement.name, set(requirement.extras)))
    lines = [f"{name}=={version}" for name, version in sorted(pins.items())
             if name not in pinned]
    return (text.rstrip("\n") + "\n# What the machine that built this autograder ran "
            "(seqgrade autograder):\n" + "\n".join(lines) + "\n")


# --------------------------------------------------------------------------- the zip's README


def recommended_settings(exercise_name: str, bench: Path | None = None) -> dict[str, Any] | None:
    """Gradescope settings for ``exercise_name`` from the bench's figures (None without them):
    memory with half again the measured peak (the whole process tree), at least 1 GB over
    Gradescope's 768 MB default; one CPU; and a timeout of five times the reference's run
    on this machine, at least the default 10 minutes."""
    path = bench or _repository() / BENCH_RESULTS
    try:
        figures = json.loads(path.read_text(encoding="utf-8"))["exercises"][exercise_name]
    except (OSError, KeyError, ValueError):
        return None
    peak_gib = figures["peak_rss_mib"] / 1024
    memory = max(1.5, -(-peak_gib * 1.5 * 2 // 1) / 2)  # up to the next half GB
    timeout = min(MAX_TIMEOUT, max(DEFAULT_TIMEOUT, 60 * -(-figures["wall_s"] * 5 // 60)))
    return {"memory_gb": memory, "cpus": 1.0, "timeout_s": int(timeout),
            "peak_rss_mib": figures["peak_rss_mib"], "wall_s": figures["wall_s"]}


def zip_readme(exercise_name: str, settings: dict[str, Any]) -> str:
    """The README at the zip's root: what to set on Gradescope, what the zip holds."""
    advice = recommended_settings(exercise_name)
    if advice is None:
        resources = ("No bench figures for this exercise: measure with "
                     "`python bench/bench_autograder.py` and see docs/DEPLOY.md.")
    else:
        resources = (f"Measured on the reference solution (bench/bench_autograder.py): "
                     f"peak memory {advice['peak_rss_mib']:.0f} MiB over the whole process "
                     f"tree, {advice['wall_s']:.0f} s. Set at least **{advice['memory_gb']:g} "
                     f"GB of memory and {advice['cpus']:g} CPU**, and a timeout of "
                     f"**{advice['timeout_s'] // 60} minutes**.")
    hidden = "every check is visible" if settings["show_hidden"] else (
        "checks on hidden data, the total, and figures measured on hidden data are shown "
        "after the due date (Gradescope releases them by itself)")
    return f"""# seqgrade autograder: `{exercise_name}`

Upload this zip as the autograder of a Gradescope programming assignment
(Configure Autograder → Zip file upload), then, in Settings → Autograder settings:

- **Resources.** {resources} Gradescope's defaults (768 MB, half a CPU, 10 minutes) can
  kill a run, and a killed run writes no results.
- **Timeout.** This zip was built for a Gradescope timeout of {settings['timeout']} s: the
  checks stop {TIMEOUT_RESERVE} s before it, so results.json is always written. Set the
  assignment's timeout to {settings['timeout']} s or more (rebuild with `--timeout` to change).

Grading seed: {settings['seed_source']} (kept in `{CONFIG_NAME}`, which the sandbox hides
from submissions; results.json never shows it). Visibility: {hidden}.

A misconfigured autograder (a bad course file, a sandbox that cannot isolate, a missing
data set) gives no score: the student sees "the autograder is misconfigured", you see the
reason in the autograder output (stdout), and the run is marked failed. Fix it, upload
again, and regrade.

See docs/DEPLOY.md in seqgrade's repository.
"""


# --------------------------------------------------------------------------- results.json


def _md_block(text: str) -> str:
    fence = "````" if "```" in text else "```"
    return f"{fence}\n{text}\n{fence}"


def _md_escape(text: str) -> str:
    return "".join("\\" + ch if ch in "\\`*_{}[]<>#|" else ch for ch in text)


def check_markdown(check: CheckResult) -> str:
    """A check's feedback as Markdown: verdict, feedback, counterexample, metrics."""
    lines = [_verdict(check), ""]
    feedback = check.feedback.strip() or "(no feedback)"
    lines.append(_md_block(feedback) if "\n" in feedback or len(feedback) > 300
                 else _md_escape(feedback))
    if check.counterexample:
        lines += ["", "**Smallest failing input:**", "", _md_block(check.counterexample)]
    if check.metrics:
        lines += ["", "| metric | value |", "|---|---|"]
        lines += [f"| {_md_escape(k)} | {v:.4g} |" for k, v in check.metrics.items()]
    return "\n".join(lines)


def _verdict(check: CheckResult) -> str:
    return f"**{check.status}** · {check.score:g}/{check.max_score:g} points"


def _leaderboard(report: Report, shown: set[str]) -> list[dict[str, Any]]:
    """The exercise's ``leaderboard`` columns measured in ``report`` by checks ``shown``."""
    from checkers.engine.registry import get_exercise

    try:
        columns = get_exercise(report.exercise).leaderboard
    except GraderError:  # not installed here: no columns
        return []
    board = []
    for column in columns:
        if column.check_id not in shown:
            continue
        try:
            value = report.result(column.check_id).metrics.get(column.metric)
        except KeyError:
            continue
        if value is not None:
            board.append({"name": column.title, "value": round(float(value), 4),
                          "order": column.order})
    return board


def _test(check: CheckResult, number: str, visibility: str, output: str, tags: list[str],
          metrics: bool = True) -> dict[str, Any]:
    extra: dict[str, Any] = {"check_id": check.id, "status": check.status}
    if metrics:
        extra["metrics"] = dict(check.metrics)
    extra["duration_s"] = check.duration_s
    return {"name": f"{check.id}: {check.name}", "number": number, "score": check.score,
            "max_score": check.max_score,
            "status": "passed" if check.status == "passed" else "failed",
            "output": output, "output_format": "md", "tags": tags,
            "visibility": visibility, "extra_data": extra}


def _tests(report: Report, hidden: set[str] | frozenset[str],
           withheld: set[str]) -> list[dict[str, Any]]:
    """One test per check: visible, after the due date (``hidden``), or visible with its
    feedback and figures in an ``after_due_date`` test without a score (``withheld``)."""
    tests = []
    for number, check in enumerate(report.checks, start=1):
        if check.id in hidden:
            tests.append(_test(check, str(number), "after_due_date", check_markdown(check),
                               [report.exercise, "hidden data"]))
        elif check.id in withheld:
            companion = f"{check.id}: {check.name} (figures on hidden data)"
            tests.append(_test(check, str(number), "visible", (
                f"{_verdict(check)}\n\nThis check measures on the hidden data: its feedback "
                f"and figures are shown after the due date, in the test “{companion}”."),
                [report.exercise, "public"], metrics=False))
            figures = _test(check, f"{number}.1", "after_due_date", check_markdown(check),
                            [report.exercise, "hidden data"])
            for key in ("score", "max_score", "status"):
                figures.pop(key)
            tests.append({**figures, "name": companion})
        else:
            tests.append(_test(check, str(number), "visible", check_markdown(check),
                               [report.exercise, "public"]))
    return tests


def gradescope_results(report: Report, *, hidden: set[str] | frozenset[str] = frozenset(),
                       leaderboard: bool = False,
                       hidden_figures: set[str] | frozenset[str] | None = None,
                       ) -> dict[str, Any]:
    """Gradescope's ``results.json`` for ``report``.

    ``hidden``: the checks on hidden data, shown after the due date. While there are any,
    nothing visible gives away the total (it moves to an ``after_due_date`` test) or a
    figure measured on hidden data: the feedback and metrics of the ``hidden_figures``
    checks (default: the exercise's ``Check.hidden_figures``) that measured something move
    to an ``after_due_date`` test of their own, their verdict stays visible; the
    leaderboard keeps only visible checks. Markdown throughout; the seed is never shown.
    """
    if hidden_figures is None:
        hidden_figures = hidden_figure_checks(report.exercise)
    hidden = frozenset(hidden) & {c.id for c in report.checks}  # those graded here
    withheld = {c.id for c in report.checks
                if hidden and c.id in hidden_figures and c.id not in hidden and c.metrics}
    notes = "\n".join(f"- {_md_escape(n)}" for n in report.notes)
    notes = f"\n\n**Notes**\n\n{notes}" if notes else ""
    total = f"**seqgrade · {report.exercise}**: {report.score:g}/{report.max_score:g}"
    tests = _tests(report, hidden, withheld)
    shown = {c.id for c in report.checks if c.id not in hidden and c.id not in withheld}
    if hidden:
        summary = (f"**seqgrade · {report.exercise}**\n\n{len(hidden)} check(s) on hidden data, "
                   "and your total, are shown after the due date.")
        tests.append({"name": "Total", "number": str(len(report.checks) + 1),
                      "output": total + notes, "output_format": "md",
                      "tags": [report.exercise], "visibility": "after_due_date",
                      "extra_data": {"score": report.score, "max_score": report.max_score}})
    else:
        summary = total
    results: dict[str, Any] = {
        "score": report.score,
        "execution_time": round(report.duration_s, 2),
        "output": summary + notes,
        "output_format": "md",
        "test_output_format": "md",
        "stdout_visibility": "hidden",
        "visibility": "visible",
        "extra_data": {"exercise": report.exercise, "max_score": report.max_score,
                       "grader_version": report.grader_version,
                       "isolation": report.isolation,
                       "metrics": {c.id: dict(c.metrics) for c in report.checks
                                   if c.metrics and c.id in shown}},
        "tests": tests,
    }
    board = _leaderboard(report, shown) if leaderboard else []
    if board:
        results["leaderboard"] = board
    return results


def misconfigured_results(duration_s: float = 0.0) -> dict[str, Any]:
    """``results.json`` for a run the grader could not make: no score anywhere (Gradescope's
    specification requires a score at the top or on every test, so Gradescope marks the run
    as failed instead of recording a grade), a message that blames no student, and nothing
    of the reason (which goes to stdout, for the staff only)."""
    return {
        "execution_time": round(duration_s, 2),
        "output": ("**The autograder of this assignment is misconfigured**: your submission "
                   "was not graded, and no score was recorded. This is not your doing. The "
                   "course staff can see the reason; once they have fixed the autograder, "
                   "they will regrade your submission (or ask you to submit again)."),
        "output_format": "md",
        "stdout_visibility": "hidden",
        "visibility": "visible",
        "extra_data": {"seqgrade": "misconfigured"},
        "tests": [],
    }


def hidden_checks(exercise_name: str) -> frozenset[str]:
    """Ids of the exercise's checks graded on hidden data."""
    from checkers.engine.registry import get_exercise

    return frozenset(c.id for c in get_exercise(exercise_name).checks
                     if getattr(c, "hidden_data", False))


def hidden_figure_checks(exercise_name: str) -> frozenset[str]:
    """Ids of the exercise's visible checks whose figures are measured on hidden data
    (none for an exercise that is not installed)."""
    from checkers.engine.registry import get_exercise

    try:
        checks = get_exercise(exercise_name).checks
    except (GraderError, KeyError):
        return frozenset()
    return frozenset(c.id for c in checks if getattr(c, "hidden_figures", False))


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


_SETTING_TYPES: dict[str, tuple[type, ...]] = {
    "exercise": (str,), "seed": (int,), "leaderboard": (bool,), "config": (str, type(None)),
    "allow_unisolated": (bool,), "show_hidden": (bool,), "timeout": (int,),
}


def load_settings(source: Path) -> dict[str, Any]:
    """The zip's ``seqgrade_autograder.json``, checked: a missing, unreadable or malformed
    file (or a seed of 0 not chosen as the public one) is a :class:`ConfigError`."""
    path = Path(source) / CONFIG_NAME
    try:
        settings = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ConfigError(f"{path} cannot be read: {error}") from None
    if not isinstance(settings, dict):
        raise ConfigError(f"{path} must hold a JSON object")
    settings.setdefault("leaderboard", False)
    settings.setdefault("config", None)
    settings.setdefault("allow_unisolated", False)
    settings.setdefault("show_hidden", False)
    settings.setdefault("timeout", DEFAULT_TIMEOUT)
    for key, types in _SETTING_TYPES.items():
        value = settings.get(key)
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            raise ConfigError(f"{path}: {key!r} must be {' or '.join(t.__name__ for t in types)}"
                              f", not {value!r}")
    if not TIMEOUT_RESERVE * 2 <= settings["timeout"] <= MAX_TIMEOUT:
        raise ConfigError(f"{path}: timeout {settings['timeout']} is out of range")
    if settings["seed"] == 0 and settings.get("seed_source") != "public":
        raise ConfigError(f"{path}: seed 0 is the public seed; rebuild the autograder "
                          "(a secret seed is drawn) or with --public-seed")
    return settings


def _grading_setup(settings: dict[str, Any], source: Path) -> tuple[GradingOptions, Any]:
    """The options and worker limits of an official grade, from the zip's settings; the
    course file is validated again (a zip built by hand, or edited, fails here)."""
    from checkers.engine.config import validate_course
    from checkers.sandbox.runner import Limits

    config_path = None
    if settings["config"]:
        course = source / settings["config"]
        if not course.is_file():
            raise ConfigError(f"the course file {settings['config']} is missing from the zip")
        validate_course(course)
        config_path = str(course)
    data_dir = os.environ.get("SEQGRADE_DATA_DIR") or (
        str(source / DATA_FOLDER) if (source / DATA_FOLDER).is_dir() else None)
    options = GradingOptions(official=True,
                             allow_unisolated=bool(settings.get("allow_unisolated")),
                             config_path=config_path, data_dir=data_dir or None)
    limits = dataclasses.replace(Limits(), time_budget=float(settings["timeout"]
                                                             - TIMEOUT_RESERVE))
    return options, limits


def grader_failures(report: Report) -> list[str]:
    """The checks the grader itself could not run (a missing data set, a grader bug): a
    line each, for the staff. Empty when every check was graded."""
    return [f"{c.id}: {c.feedback.strip()}" for c in report.checks
            if c.status == "error" and c.feedback.startswith(GRADER_FAILURE_PREFIXES)]


def _write(root: Path, results: dict[str, Any]) -> Path:
    out = root / "results" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return out


def _not_graded(root: Path, reason: str, started: float, status: int) -> int:
    """Write the no-score results.json, tell the staff why on stdout, return ``status``."""
    out = _write(root, misconfigured_results(time.perf_counter() - started))
    print(f"seqgrade: THE AUTOGRADER IS MISCONFIGURED (no score given; wrote {out}):\n"
          f"seqgrade: {reason}", flush=True)
    return status


def run(root: Path) -> int:
    """Grade ``root/submission`` as ``root/source/seqgrade_autograder.json`` says and write
    ``root/results/results.json``.

    Returns 0 when the submission was graded (an unreadable upload too: 0 points and the
    reason, the student's to fix); 2 when the autograder is misconfigured (a bad setting or
    course file, any :class:`GraderError` of grading such as a sandbox that cannot isolate,
    a check the grader could not run, a report whose workers reached no isolation unless
    ``allow_unisolated``) and 1 when the grader crashed: then no score is given, and stdout
    (hidden from students) says why.
    """
    from checkers.engine.grading import grade
    from checkers.engine.registry import get_exercise

    root = Path(root)
    source = root / "source"
    started = time.perf_counter()
    try:
        settings = load_settings(source)
        exercise = get_exercise(settings["exercise"])
        options, limits = _grading_setup(settings, source)
    except GraderError as error:
        return _not_graded(root, str(error), started, 2)
    seed = settings["seed"]
    with tempfile.TemporaryDirectory(prefix="seqgrade-autograder-") as scratch:
        path: Path | None = None
        try:
            path = submission_path(root / "submission", Path(scratch))
        except ValueError as error:  # an unreadable upload: the student's to fix
            report = _zero_report(exercise, seed, str(error))
        else:
            try:
                report = grade(exercise.name, path, seed=seed, options=options, limits=limits)
            except GraderError as error:
                return _not_graded(root, f"{type(error).__name__}: {error}", started, 2)
            except Exception:  # noqa: BLE001 - a grader bug: the staff's, never the student's
                return _not_graded(root, "the grader crashed:\n" + traceback.format_exc(),
                                   started, 1)
        unisolated = (getattr(report, "isolation", None) == "none"
                      and not settings["allow_unisolated"] and _has_code(exercise, path))
    failures = grader_failures(report)
    if failures:
        return _not_graded(root, "the grader could not run some checks:\n"
                           + "\n".join(failures), started, 2)
    if unisolated:
        return _not_graded(root, "the sandbox reached no isolation (no worker isolated "
                           "itself; build with --allow-unisolated to grade anyway). Notes:\n"
                           + "\n".join(report.notes), started, 2)
    report.duration_s = round(time.perf_counter() - started, 3)
    hidden = frozenset() if settings["show_hidden"] else hidden_checks(exercise.name)
    results = gradescope_results(report, hidden=hidden, leaderboard=settings["leaderboard"])
    out = _write(root, results)
    print(f"seqgrade: {exercise.name} {report.score:g}/{report.max_score:g} (seed {seed}, "
          f"isolation {getattr(report, 'isolation', '?')}, {report.duration_s:.1f} s); "
          f"wrote {out}")
    for note in report.notes:
        print(f"seqgrade: note: {note}")
    return 0


def _has_code(exercise: Exercise, path: Path | None) -> bool:
    """Whether grading ``path`` started workers: code found for a code exercise."""
    from checkers.sandbox.submission import SubmissionNotFound, find_submission

    if path is None or exercise.grades != "code":
        return False
    try:
        find_submission(path, exercise.name)
    except SubmissionNotFound:
        return False
    return True


def _zero_report(exercise: Exercise, seed: int, message: str) -> Report:
    """0 on every check, ``message`` as each check's feedback and as the note."""
    from checkers.engine.grading import grader_version

    checks = [CheckResult(id=c.id, name=c.name, score=0.0, max_score=float(c.points),
                          status="error", feedback=message) for c in exercise.checks]
    return Report(exercise=exercise.name, submission="submission", seed=seed, score=0.0,
                  max_score=exercise.max_score, duration_s=0.0, grader_version=grader_version(),
                  checks=checks, notes=[message])


def _main(argv: list[str]) -> int:
    return run(Path(argv[1] if len(argv) > 1 else os.environ.get(ROOT_ENV, "/autograder")))


if __name__ == "__main__":
    sys.exit(_main(sys.argv))
