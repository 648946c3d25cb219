"""A reber submission whose every function hangs (issue 30).

With the default time budget it must finish within 10x the reference's grading time
(reference_time.toml) plus the worker's start, not after the whole budget
(tests/test_budget.py; bench/bench_dates.py --hang measures it).
"""

POSSIBLE_CHARS = "BEPSTVX"


def generate_string(grammar, rng):
    while True:
        pass


def generate_corrupted_string(grammar, rng, chars=POSSIBLE_CHARS):
    while True:
        pass


def string_to_ids(s, chars=POSSIBLE_CHARS):
    while True:
        pass


def generate_dataset(size, rng):
    while True:
        pass


def predict(strings):
    while True:
        pass
