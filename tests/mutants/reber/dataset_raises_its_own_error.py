# expect: reber.string_to_ids reber.dataset
# status: reber.dataset=failed
# feedback: RuntimeError: not written yet
# string_to_ids raises, and so does generate_dataset, but with an exception of its own
# that never passes through string_to_ids: the excuse is not proven, so generate_dataset
# is judged as it is (issue 30).
def string_to_ids(s, chars=POSSIBLE_CHARS):
    raise ValueError("todo")


def generate_dataset(size, rng):
    raise RuntimeError("not written yet")


def predict(strings):
    # The reference's predict, with the ids computed here (string_to_ids is broken).
    if not strings:
        return np.zeros((0,), dtype=np.float32)
    x = pad_ids([[POSSIBLE_CHARS.index(c) for c in s] for s in strings])
    return _load_model().predict(x, batch_size=256, verbose=0).reshape(-1)
