"""A reber submission that does nothing but return constants of the right types.

Issue 30: it once scored 25/100. It may keep only the points of checks whose contract a
constant honestly meets (docs/EXERCISES.md, "What a trivial submission earns").
"""

import numpy as np

POSSIBLE_CHARS = "BEPSTVX"


def generate_string(grammar, rng):
    return "BT"


def generate_corrupted_string(grammar, rng, chars=POSSIBLE_CHARS):
    return "BT"


def string_to_ids(s, chars=POSSIBLE_CHARS):
    return [0]


def generate_dataset(size, rng):
    return [[0] for _ in range(size)], np.zeros(size)


def predict(strings):
    return np.full(len(strings), 0.5)
