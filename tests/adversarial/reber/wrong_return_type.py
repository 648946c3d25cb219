# expect: reber.string_to_ids
# Returns the ids as one comma-separated string.
def string_to_ids(s, chars=POSSIBLE_CHARS):
    return ",".join(str(chars.index(c)) for c in s)


def generate_dataset(size, rng):
    good = [[POSSIBLE_CHARS.index(c) for c in generate_string(embedded_reber_grammar, rng)]
            for _ in range(size // 2)]
    bad = [[POSSIBLE_CHARS.index(c) for c in generate_corrupted_string(embedded_reber_grammar,
                                                                        rng)]
           for _ in range(size - size // 2)]
    return good + bad, np.array([1.0] * len(good) + [0.0] * len(bad))


def predict(strings):
    model = _load_model()
    return model.predict(pad_ids([[POSSIBLE_CHARS.index(c) for c in s] for s in strings]),
                         verbose=0).reshape(-1)
