# expect: dates.random_dates
# checks: dates.random_dates dates.encoding dates.shifted_outputs
# feedback: day on two digits
def random_dates(n, rng):
    ordinals = rng.integers(MIN_DATE.toordinal(), MAX_DATE.toordinal(), size=n, endpoint=True)
    days = [date.fromordinal(int(o)) for o in ordinals]
    inputs = [f"{MONTHS[d.month - 1]} {d.day}, {d.year}" for d in days]
    targets = [d.isoformat() for d in days]
    return inputs, targets
# ruff: noqa: F821 (appended to solutions/dates.py, which defines these names)
