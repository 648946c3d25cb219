"""Exercise ``dates``: see :mod:`.checks`."""

from checkers.exercises.dates.checks import EXERCISE

__all__ = ["EXERCISE"]
