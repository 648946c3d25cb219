"""An instructor's course file (TOML): the course seed, points and worker limits per exercise.

```toml
seed = 1234            # the course's grading seed (used when --seed is not given)

[rnn.points]           # an exercise's name, then what to override
"rnn.accuracy" = 40
"rnn.long_range" = 10

[rnn.limits]
memory = "4 GiB"       # address space of the worker
cpu_seconds = 600      # CPU time over the worker's life
file_size = "64 MiB"   # largest file the submission may write
disk = "512 MiB"       # its private /tmp
processes = 256
open_files = 256
call_timeout = 30      # seconds per call (model-loading checks keep their own, if larger)
time_budget = 120      # seconds of wall clock for all the checks of one submission
                       # (default: 200x the reference's recorded time, at least 120 s;
                       # checkers/engine/budget.py); when spent, the remaining checks
                       # are not run

[lm]
heldout = "private.txt"  # a private held-out text (relative to this file), read by the
                         # grader only: the submission's worker never sees it

[lm.options]             # the exercise's own options (Exercise.options): checked
sample_size = 500        # against their declared names and types
```

Every key is known: a section key, a limit or a top-level setting that is not listed here
is an error, never ignored. :func:`validate_course` also checks each section against its
exercise (check ids, limits): what ``seqgrade autograder --config`` runs before it builds.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checkers.engine.errors import ConfigError
from checkers.engine.model import Exercise
from checkers.engine.options import GradingOptions
from checkers.sandbox.runner import Limits

_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10, "m": 1 << 20,
          "mb": 1 << 20, "mib": 1 << 20, "g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30}
_LIMIT_FIELDS = {"memory": "memory_bytes", "cpu_seconds": "cpu_seconds",
                 "file_size": "file_bytes", "disk": "disk_bytes", "processes": "processes",
                 "open_files": "open_files"}
_SIZES = {"memory", "file_size", "disk"}
# The keys of an exercise's section.
SECTION_KEYS = ("points", "limits", "heldout", "options")


def parse_size(value: Any, where: str) -> int:
    """``"4 GiB"``, ``"512M"`` or an int of bytes, as bytes."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    match = re.fullmatch(r"\s*([0-9.]+)\s*([a-zA-Z]*)\s*", str(value))
    if not match or match.group(2).lower() not in _UNITS:
        raise ConfigError(f"{where}: {value!r} is not a size such as '4 GiB'")
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


@dataclass
class ExerciseConfig:
    """The overrides for one exercise."""

    points: dict[str, float] = field(default_factory=dict)
    limits: dict[str, Any] = field(default_factory=dict)
    # Grading options the section sets, as GradingOptions.of reads them (``heldout`` ->
    # ``heldout_path``; the ``[X.options]`` table -> the exercise's own options).
    options: dict[str, Any] = field(default_factory=dict)
    # Files the section names: as written in the course file -> resolved path.
    files: dict[str, Path] = field(default_factory=dict)

    def apply_points(self, exercise: Exercise) -> Exercise:
        """The exercise with its checks' points replaced."""
        unknown = set(self.points) - {c.id for c in exercise.checks}
        if unknown:
            raise ConfigError(f"[{exercise.name}.points]: unknown check ids {sorted(unknown)}")
        checks = tuple(
            dataclasses.replace(c, points=float(self.points.get(c.id, c.points)))
            for c in exercise.checks
        )
        return dataclasses.replace(exercise, checks=checks)

    def apply_limits(self, limits: Limits, exercise: Exercise) -> tuple[Limits, Exercise]:
        """New worker limits, and the exercise with its per-call time-out replaced."""
        changes = {}
        for key, value in self.limits.items():
            where = f"[{exercise.name}.limits] {key}"
            if isinstance(value, bool):
                raise ConfigError(f"{where}: {value!r} is not a number")
            if key == "call_timeout":
                if not isinstance(value, int | float) or value <= 0:
                    raise ConfigError(f"{where}: expected a positive number of seconds")
                exercise = dataclasses.replace(exercise, call_timeout=float(value))
            elif key == "time_budget":
                if not isinstance(value, int | float) or value <= 0:
                    raise ConfigError(f"{where}: expected a positive number of seconds")
                changes["time_budget"] = float(value)
            elif key in _LIMIT_FIELDS:
                number = parse_size(value, where) if key in _SIZES else value
                if not isinstance(number, int) or number <= 0:
                    raise ConfigError(f"{where}: expected a positive whole number")
                changes[_LIMIT_FIELDS[key]] = number
            else:
                raise ConfigError(f"{where}: unknown limit (known: call_timeout, time_budget, "
                                  f"{', '.join(_LIMIT_FIELDS)})")
        return dataclasses.replace(limits, **changes), exercise


# Top-level keys of the course file that are settings, not exercise tables.
COURSE_KEYS = ("seed",)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read {path}: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from None


def load_course_seed(path: Path) -> int:
    """The course's grading seed (top-level ``seed``), 0 when the file sets none."""
    seed = _read_toml(path).get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ConfigError(f"{path}: `seed` must be an integer")
    return seed


def load_config(path: Path) -> dict[str, ExerciseConfig]:
    """Read a course file: exercise name -> its overrides."""
    data = _read_toml(path)
    configs = {}
    for name, section in data.items():
        if name in COURSE_KEYS:
            continue
        if not isinstance(section, dict):
            raise ConfigError(f"{path}: [{name}] must be a table (top-level settings: "
                              f"{', '.join(COURSE_KEYS)})")
        unknown = sorted(set(section) - set(SECTION_KEYS))
        if unknown:
            raise ConfigError(f"{path}: [{name}]: unknown keys {unknown} (known: "
                              f"{', '.join(SECTION_KEYS)})")
        points = section.get("points", {})
        limits = section.get("limits", {})
        if not isinstance(points, dict) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and v >= 0
            for v in points.values()
        ):
            raise ConfigError(f"{path}: [{name}.points] must map check ids to numbers ≥ 0")
        if not isinstance(limits, dict):
            raise ConfigError(f"{path}: [{name}.limits] must be a table")
        own = section.get("options", {})
        if not isinstance(own, dict):
            raise ConfigError(f"{path}: [{name}.options] must be a table")
        options: dict[str, Any] = dict(own)
        files: dict[str, Path] = {}
        heldout = section.get("heldout")
        if heldout is not None:
            if not isinstance(heldout, str) or not heldout:
                raise ConfigError(f"{path}: [{name}] heldout must be a file name")
            heldout_path = (Path(path).resolve().parent / heldout).resolve()
            if not heldout_path.is_file():
                raise ConfigError(f"{path}: [{name}] heldout: {heldout_path} does not exist")
            options["heldout_path"] = str(heldout_path)
            files[heldout] = heldout_path
        configs[name] = ExerciseConfig(points=dict(points), limits=dict(limits),
                                       options=options, files=files)
    return configs


def validate_course(path: Path) -> dict[str, ExerciseConfig]:
    """Read a course file and check every part of it against the installed exercises:
    the seed, each section's exercise, its check ids, points and limits, and the files it
    names. Raises :class:`ConfigError` with a one-line reason at the first problem."""
    from checkers.engine.registry import exercise_names, get_exercise
    from checkers.sandbox.runner import Limits

    load_course_seed(path)
    configs = load_config(path)
    for name, overrides in configs.items():
        if name not in exercise_names():
            raise ConfigError(f"{path}: [{name}]: no exercise {name!r} (installed: "
                              f"{', '.join(exercise_names())})")
        exercise = overrides.apply_points(get_exercise(name))
        overrides.apply_limits(Limits(), exercise)
        GradingOptions.of(overrides.options).for_exercise(exercise.options, exercise.name)
    return configs
