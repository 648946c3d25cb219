# expect: reber.string_to_ids
# may-lose: reber.dataset
# Ids start at 1 (the +1 belongs to the model's padding scheme, not to string_to_ids).
def string_to_ids(s, chars=POSSIBLE_CHARS):
    return [chars.index(c) + 1 for c in s]


def predict(strings):
    model = _load_model()
    x = pad_ids([[POSSIBLE_CHARS.index(c) for c in s] for s in strings])
    return model.predict(x, verbose=0).reshape(-1)
