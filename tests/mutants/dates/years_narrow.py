# expect: dates.random_dates
# checks: dates.random_dates dates.encoding dates.shifted_outputs
# feedback: not spread over 1000-9999
def random_dates(n, rng):
    # only 1900-2099: the format is right, the spread is not
    lo, hi = date(1900, 1, 1).toordinal(), date(2099, 12, 31).toordinal()
    days = [date.fromordinal(int(o)) for o in rng.integers(lo, hi, size=n, endpoint=True)]
    inputs = [f"{MONTHS[d.month - 1]} {d.day:02d}, {d.year:04d}" for d in days]
    return inputs, [d.isoformat() for d in days]
# ruff: noqa: F821 (appended to solutions/dates.py, which defines these names)
