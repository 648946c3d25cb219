"""A dates submission that returns constants of the right types (issue 30)."""

import numpy as np

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
INPUT_CHARS = "".join(sorted(set("".join(MONTHS) + "0123456789, ")))
OUTPUT_CHARS = "0123456789-"
SOS_ID = len(OUTPUT_CHARS) + 1


def random_dates(n, rng):
    return ["January 1, 2000"] * n, ["2000-01-01"] * n


def date_str_to_ids(date_str, chars=INPUT_CHARS):
    return [0]


def prepare_date_strs(date_strs, chars=INPUT_CHARS):
    return np.zeros((len(date_strs), 18), dtype=np.int32)


def ids_to_date_strs(ids, chars=OUTPUT_CHARS):
    return ["2000-01-01"] * len(ids)


def shifted_output_sequences(Y):  # noqa: N803 (the book's name)
    return np.zeros_like(np.asarray(Y))


def convert_date_strs(date_strs):
    return ["2000-01-01"] * len(date_strs)


def predict_date_strs(date_strs):
    return ["2000-01-01"] * len(date_strs)


def beam_search(date_str, beam_width):
    return [("2000-01-01", 0.0)] * beam_width
