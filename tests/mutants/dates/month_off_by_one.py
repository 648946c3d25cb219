# expect: dates.random_dates
# checks: dates.random_dates dates.encoding dates.shifted_outputs
def random_dates(n, rng):
    ordinals = rng.integers(MIN_DATE.toordinal(), MAX_DATE.toordinal(), size=n, endpoint=True)
    days = [date.fromordinal(int(o)) for o in ordinals]
    # MONTHS is indexed from 0: MONTHS[d.month] names the *next* month (and wraps for December)
    inputs = [f"{MONTHS[d.month % 12]} {d.day:02d}, {d.year:04d}" for d in days]
    targets = [d.isoformat() for d in days]
    return inputs, targets
# ruff: noqa: F821 (appended to solutions/dates.py, which defines these names)
