# expect: reber.predict_contract
# may-lose: reber.accuracy reber.long_range reber.trained_model
# Pads with the id of a real letter ("E") instead of the masked id 0: a string's answer
# then depends on how long the other strings of its batch are.
def pad_ids(sequences):
    width = max((len(s) for s in sequences), default=1)
    padded = np.full((len(sequences), max(width, 1)), POSSIBLE_CHARS.index("E") + 1,
                     dtype=np.int32)
    for row, ids in enumerate(sequences):
        padded[row, : len(ids)] = np.asarray(ids, dtype=np.int32) + 1
    return padded
