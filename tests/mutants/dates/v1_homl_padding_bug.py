# expect: dates.v1_padding
# feedback: pad every batch to that training length
def convert_date_strs(date_strs):
    # HOML's first version: pads to the longest string of *this* batch, not to the
    # training length, so a batch of short dates alone is padded to 12-14 characters.
    if not date_strs:
        return []
    X = prepare_date_strs(date_strs)
    probs = _load(V1_FILE).predict(X, verbose=0, batch_size=512)
    return ids_to_date_strs(np.argmax(probs, axis=-1))
# ruff: noqa: F821 (appended to solutions/dates.py, which defines these names)
