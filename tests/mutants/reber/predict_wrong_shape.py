# expect: reber.predict_contract reber.accuracy reber.long_range reber.trained_model
# Returns Keras' raw two-column output by mistake (shape (n, 2)).
_reference_predict = predict


def predict(strings):
    p = np.asarray(_reference_predict(strings)).reshape(-1, 1)
    return np.hstack([p, 1 - p])
