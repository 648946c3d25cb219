# expect: reber.accuracy reber.long_range
# Always answers "valid".
def predict(strings):
    return np.full(len(strings), 0.9)
