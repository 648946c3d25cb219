# expect: textgen.heldout_loss textgen.consistency
# may-lose: textgen.trained_model
# A constant log-probability (a uniform guess) instead of the model's.
# ruff: noqa: F821  (appended to the reference solution, which defines these names)
def sequence_log_probs(text):
    return np.full(max(len(text) - 1, 0), -0.5)
