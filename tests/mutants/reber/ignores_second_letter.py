# expect: reber.long_range
# may-lose: reber.accuracy reber.trained_model
# A model that never learned the long-range dependency: it behaves as if the second letter
# always matched the second-to-last one.
_reference_predict = predict


def predict(strings):
    return _reference_predict([s[0] + s[-2] + s[2:] if len(s) > 3 else s for s in strings])
