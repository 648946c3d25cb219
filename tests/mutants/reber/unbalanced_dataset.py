# expect: reber.dataset
# Rounds the number of valid strings up: one too many for odd sizes.
def generate_dataset(size, rng):
    n_good = (size + 1) // 2
    good = [string_to_ids(generate_string(embedded_reber_grammar, rng)) for _ in range(n_good)]
    bad = [string_to_ids(generate_corrupted_string(embedded_reber_grammar, rng))
           for _ in range(size - n_good)]
    return good + bad, np.array([1.0] * len(good) + [0.0] * len(bad))
