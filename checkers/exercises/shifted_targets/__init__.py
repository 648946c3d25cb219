"""Exercise ``shifted_targets``: see :mod:`.checks`."""

from checkers.exercises.shifted_targets.checks import EXERCISE

__all__ = ["EXERCISE"]
