"""The ``dates`` oracle: formats, character sets and hidden inputs, built on ``datetime``.

Written from the exercise's definition (EXERCISES.md §3), never from ``solutions/``:
inputs are ``"<Month> DD, YYYY"`` (month spelled out in English, day zero-padded, year on
four digits), outputs are ISO dates ``YYYY-MM-DD``, days range over 1000-01-01 ... 9999-12-31.
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np
from hypothesis import strategies as st

MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
INPUT_CHARS = "".join(sorted(set("".join(MONTH_NAMES) + "0123456789, ")))
OUTPUT_CHARS = "0123456789-"
SOS_ID = len(OUTPUT_CHARS) + 1

FIRST_DAY = date(1000, 1, 1)
LAST_DAY = date(9999, 12, 31)

_INPUT_RE = re.compile(r"(?P<month>[A-Z][a-z]+) (?P<day>\d{2}), (?P<year>\d{4})")

# Edge cases every hidden set holds: shortest and longest strings, first and last days,
# leap days, month ends, every month.
EDGE_DAYS = (
    FIRST_DAY,
    LAST_DAY,
    date(1000, 5, 1),  # "May 01, 1000": the shortest input (12 characters)
    date(9999, 9, 30),  # "September 30, 9999": the longest input (18 characters)
    date(2000, 2, 29),
    date(1600, 2, 29),
    date(9996, 2, 29),
    date(1999, 12, 31),
    date(2000, 1, 1),
    *(date(1000 + 749 * m, m, 28) for m in range(1, 13)),
)


def input_str(day: date) -> str:
    """The input form of a day: ``"May 02, 2020"``."""
    return f"{MONTH_NAMES[day.month - 1]} {day.day:02d}, {day.year:04d}"


def output_str(day: date) -> str:
    """The target form of a day: its ISO date, ``"2020-05-02"``."""
    return day.isoformat()


def parse_input(text: str) -> date | None:
    """The day an input string names, or None when it is not exactly in the input format."""
    match = _INPUT_RE.fullmatch(text)
    if not match or match["month"] not in MONTH_NAMES:
        return None
    try:
        return date(int(match["year"]), MONTH_NAMES.index(match["month"]) + 1, int(match["day"]))
    except ValueError:
        return None


def convert(text: str) -> str:
    """The expected conversion of an input string (ValueError when it is not one)."""
    day = parse_input(text)
    if day is None:
        raise ValueError(f"not a date in the input format: {text!r}")
    return output_str(day)


def days() -> st.SearchStrategy[date]:
    """Hypothesis strategy over every day of the exercise's range."""
    return st.dates(min_value=FIRST_DAY, max_value=LAST_DAY)


def random_days(n: int, rng: np.random.Generator) -> list[date]:
    """``n`` days drawn uniformly over the range."""
    ordinals = rng.integers(FIRST_DAY.toordinal(), LAST_DAY.toordinal(), size=n, endpoint=True)
    return [date.fromordinal(int(o)) for o in ordinals]


def hidden_days(n: int, rng: np.random.Generator) -> list[date]:
    """A hidden set: the edge cases, then uniform days, shuffled; ``n`` days in all."""
    chosen = list(EDGE_DAYS[:n]) + random_days(max(0, n - len(EDGE_DAYS)), rng)
    order = rng.permutation(len(chosen))
    return [chosen[i] for i in order]


def short_days(n: int, rng: np.random.Generator) -> list[date]:
    """``n`` days of the months with the shortest names (May, June, July, March, April)."""
    picked: list[date] = []
    while len(picked) < n:
        day = random_days(1, rng)[0]
        if len(MONTH_NAMES[day.month - 1]) <= 5:
            picked.append(day)
    return picked
