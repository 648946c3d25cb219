# expect: reber.string_to_ids
# string_to_ids is off by one, but generate_dataset numbers the letters as the contract
# says (its own chars.index): the data set is right, so only reber.string_to_ids is lost
# (issue 30: a data set is judged by the contract first, whatever string_to_ids does).
def string_to_ids(s, chars=POSSIBLE_CHARS):
    return [chars.index(c) + 1 for c in s]


def generate_dataset(size, rng):
    good = [[POSSIBLE_CHARS.index(c) for c in generate_string(embedded_reber_grammar, rng)]
            for _ in range(size // 2)]
    bad = [[POSSIBLE_CHARS.index(c) for c in generate_corrupted_string(embedded_reber_grammar,
                                                                        rng)]
           for _ in range(size - size // 2)]
    sequences = good + bad
    labels = np.array([1.0] * len(good) + [0.0] * len(bad))
    order = rng.permutation(size)
    return [sequences[i] for i in order], labels[order]


def predict(strings):
    # The reference's predict, with the ids computed here (string_to_ids is off by one).
    if not strings:
        return np.zeros((0,), dtype=np.float32)
    x = pad_ids([[POSSIBLE_CHARS.index(c) for c in s] for s in strings])
    return _load_model().predict(x, batch_size=256, verbose=0).reshape(-1)
