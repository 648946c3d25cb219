# expect: reber.predict_contract
# Rescales the probabilities of each batch to [0, 1]: the answer for a string depends on
# the other strings of its batch.
_reference_predict = predict


def predict(strings):
    p = np.asarray(_reference_predict(strings), dtype=float)
    if len(p) < 2 or p.max() == p.min():
        return p
    return (p - p.min()) / (p.max() - p.min())
