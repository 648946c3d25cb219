"""Exercise ``wordgen``: see :mod:`.checks`."""

from checkers.exercises.wordgen.checks import EXERCISE

__all__ = ["EXERCISE"]
