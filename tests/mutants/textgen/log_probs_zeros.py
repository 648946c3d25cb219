# expect: textgen.heldout_loss textgen.consistency
# may-lose: textgen.trained_model
# Made-up log-probabilities: a loss of 0 nats/char that no model gives.
# ruff: noqa: F821  (appended to the reference solution, which defines these names)
def sequence_log_probs(text):
    return np.zeros(max(len(text) - 1, 0))
