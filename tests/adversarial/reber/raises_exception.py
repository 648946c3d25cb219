# expect: reber.corrupted
# may-lose: reber.dataset
def generate_corrupted_string(grammar, rng, chars=POSSIBLE_CHARS):
    raise RuntimeError("not today")
