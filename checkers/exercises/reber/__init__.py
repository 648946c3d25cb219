"""Exercise ``reber``: see :mod:`.checks`."""

from checkers.exercises.reber.checks import EXERCISE

__all__ = ["EXERCISE"]
