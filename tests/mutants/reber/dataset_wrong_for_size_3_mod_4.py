# expect: reber.dataset
# A balance rule that is right for every size except those = 3 (mod 4): there it makes
# one string too many valid. Only a data set of size 3, 7, 11... shows it.
def generate_dataset(size, rng):
    n_good = size // 2 + (1 if size % 4 == 3 else 0)
    good = [string_to_ids(generate_string(embedded_reber_grammar, rng)) for _ in range(n_good)]
    bad = [string_to_ids(generate_corrupted_string(embedded_reber_grammar, rng))
           for _ in range(size - n_good)]
    return good + bad, np.array([1.0] * len(good) + [0.0] * len(bad), dtype=np.float32)
# ruff: noqa: F821 (appended to solutions/reber.py, which defines these names)
