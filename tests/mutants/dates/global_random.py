# expect: dates.random_dates
# checks: dates.random_dates dates.encoding dates.shifted_outputs
# feedback: draw every random number from rng
def random_dates(n, rng):
    # ignores rng: numpy's global generator makes the dates impossible to reproduce
    ordinals = np.random.randint(MIN_DATE.toordinal(), MAX_DATE.toordinal() + 1, size=n)
    days = [date.fromordinal(int(o)) for o in ordinals]
    inputs = [f"{MONTHS[d.month - 1]} {d.day:02d}, {d.year:04d}" for d in days]
    return inputs, [d.isoformat() for d in days]
# ruff: noqa: F821 (appended to solutions/dates.py, which defines these names)
