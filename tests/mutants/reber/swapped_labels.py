# expect: reber.dataset
# Labels the valid strings 0 and the corrupted ones 1.
def generate_dataset(size, rng):
    good = [string_to_ids(generate_string(embedded_reber_grammar, rng)) for _ in range(size // 2)]
    bad = [string_to_ids(generate_corrupted_string(embedded_reber_grammar, rng))
           for _ in range(size - size // 2)]
    return good + bad, np.array([[0.0]] * len(good) + [[1.0]] * len(bad))
