"""Exercise ``qa``: see :mod:`.checks`."""

from checkers.exercises.qa.checks import EXERCISE

__all__ = ["EXERCISE"]
