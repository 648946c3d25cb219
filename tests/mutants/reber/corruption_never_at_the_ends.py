# expect: reber.corrupted
# Draws the index to corrupt from 1 .. len - 2: every string it returns is a fine
# corruption, but the first 'B' and the last 'E' are never the replaced letter.
def generate_corrupted_string(grammar, rng, chars=POSSIBLE_CHARS):
    while True:
        good_string = generate_string(grammar, rng)
        index = 1 + int(rng.integers(len(good_string) - 2))
        good_char = good_string[index]
        bad_char = str(rng.choice(sorted(set(chars) - {good_char})))
        candidate = good_string[:index] + bad_char + good_string[index + 1:]
        if not _is_valid(candidate, grammar):
            return candidate
# ruff: noqa: F821 (appended to solutions/reber.py, which defines these names)
