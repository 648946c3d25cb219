# expect: reber.string_to_ids
# checks: reber.string_to_ids
# feedback: too large
def string_to_ids(s, chars=POSSIBLE_CHARS):
    return np.zeros(40_000_000)
