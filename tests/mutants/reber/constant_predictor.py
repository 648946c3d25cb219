# expect: reber.accuracy reber.long_range reber.trained_model
# Always answers "valid".
def predict(strings):
    return np.full(len(strings), 0.9)
