"""Where exercises come from: discovered, never named by the engine.

Two sources, in this order:

1. seqgrade's own exercises: every sub-package of :mod:`checkers.exercises` whose
   ``__init__`` defines ``EXERCISE`` (a new exercise is one folder there). The package may
   set ``DISPLAY_ORDER`` (names listed first, in that order; the rest alphabetically).
2. Exercise packages a course installs: entry points of the group ``seqgrade.exercises``
   whose object is an :class:`Exercise` or a module defining ``EXERCISE``::

       [project.entry-points."seqgrade.exercises"]
       haiku = "my_course.haiku"

A built-in name wins over an entry point of the same name.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from functools import cache, lru_cache
from importlib import metadata
from types import ModuleType

from checkers.engine.errors import GraderError, GraderSetupError, UnknownExercise
from checkers.engine.model import Exercise, ReviewMetrics

ENTRY_POINT_GROUP = "seqgrade.exercises"
BUILTIN_PACKAGE = "checkers.exercises"


def _builtin_names() -> list[str]:
    package = importlib.import_module(BUILTIN_PACKAGE)
    found = sorted(info.name for info in pkgutil.iter_modules(package.__path__) if info.ispkg)
    first = [n for n in getattr(package, "DISPLAY_ORDER", ()) if n in found]
    return first + [n for n in found if n not in first]


def _entry_points() -> dict[str, metadata.EntryPoint]:
    points: dict[str, metadata.EntryPoint] = {}
    for point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        points.setdefault(point.name, point)
    return points


@lru_cache(maxsize=1)
def exercise_names() -> tuple[str, ...]:
    """The names of every exercise: seqgrade's own first, then those of entry points."""
    names = _builtin_names()
    names += sorted(n for n in _entry_points() if n not in names)
    return tuple(names)


def _as_exercise(obj: object, source: str) -> Exercise:
    if isinstance(obj, ModuleType):
        obj = getattr(obj, "EXERCISE", None)
    if not isinstance(obj, Exercise):
        raise GraderSetupError(f"{source} does not provide an Exercise (EXERCISE = Exercise(...))")
    return obj


@cache
def get_exercise(name: str) -> Exercise:
    """The :class:`Exercise` called ``name``; :class:`UnknownExercise` if there is none."""
    if name in _builtin_names():
        exercise = _as_exercise(importlib.import_module(f"{BUILTIN_PACKAGE}.{name}"),
                                f"{BUILTIN_PACKAGE}.{name}")
    else:
        point = _entry_points().get(name)
        if point is None:
            raise UnknownExercise(
                f"unknown exercise {name!r}; choose one of: {', '.join(exercise_names())}")
        exercise = _as_exercise(point.load(), f"entry point {point.name} = {point.value}")
    if exercise.name != name:
        raise GraderSetupError(f"exercise registered as {name!r} calls itself {exercise.name!r}")
    return exercise


def _package_paths(point: metadata.EntryPoint) -> list[str]:
    """The folders (or the module file) of the top-level package an entry point names."""
    top = point.value.split(":")[0].split(".")[0]
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return []
    if spec is not None and spec.submodule_search_locations:
        return [str(p) for p in spec.submodule_search_locations]
    if spec is not None and spec.origin:
        return [spec.origin]
    return []


def plugin_folders() -> list[str]:
    """The folders of the exercise packages courses install (their checks and oracles):
    the worker's view covers them, wherever they are installed."""
    return [path for point in _entry_points().values() for path in _package_paths(point)]


def plugin_source(name: str) -> tuple[str, list[str]] | None:
    """For an exercise of a package a course installs: its entry point's value and the
    folders (or module file) of that package; None for seqgrade's own exercises."""
    if name in _builtin_names():
        return None
    point = _entry_points().get(name)
    return None if point is None else (point.value, _package_paths(point))


def review_metrics(name: str) -> ReviewMetrics | None:
    """The metrics by which the checks of exercise ``name`` ask for review
    (``Exercise.review``); None when it declares none or is not installed here."""
    try:
        return get_exercise(name).review
    except GraderError:
        return None


def available_exercises() -> list[Exercise]:
    """Every exercise, in the order of :func:`exercise_names`."""
    return [get_exercise(name) for name in exercise_names()]
