"""Exercise ``textgen``: see :mod:`.checks`."""

from checkers.exercises.textgen.checks import EXERCISE

__all__ = ["EXERCISE"]
