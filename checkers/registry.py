"""Where the exercises live: the name of each exercise and the module that defines it."""

from __future__ import annotations

import importlib

from checkers.core import Exercise

EXERCISE_NAMES: tuple[str, ...] = ("qa", "reber", "dates", "shifted_targets", "textgen")


class UnknownExercise(KeyError):
    """Raised for an exercise name that seqgrade does not have."""


def get_exercise(name: str) -> Exercise:
    """The :class:`Exercise` called ``name`` (imports ``checkers.<name>`` on demand)."""
    if name not in EXERCISE_NAMES:
        raise UnknownExercise(
            f"unknown exercise {name!r}; choose one of: {', '.join(EXERCISE_NAMES)}"
        )
    module = importlib.import_module(f"checkers.{name}")
    return module.EXERCISE


def available_exercises() -> list[Exercise]:
    """Every exercise whose checker module exists, in the order of ``EXERCISE_NAMES``."""
    found = []
    for name in EXERCISE_NAMES:
        try:
            found.append(get_exercise(name))
        except ModuleNotFoundError as error:
            if error.name != f"checkers.{name}":
                raise
    return found
