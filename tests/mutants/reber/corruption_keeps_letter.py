# expect: reber.corrupted
# may-lose: reber.dataset
# The replacement letter is drawn from all letters, so it is sometimes the same letter.
def generate_corrupted_string(grammar, rng, chars=POSSIBLE_CHARS):
    good_string = generate_string(grammar, rng)
    index = int(rng.integers(len(good_string)))
    bad_char = str(rng.choice(list(chars)))
    return good_string[:index] + bad_char + good_string[index + 1:]
