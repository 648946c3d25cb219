# expect: wordgen.consistency
# checks: wordgen.consistency wordgen.heldout_loss
# Runs the model even on fewer than 2 ids: an empty prefix crashes the model call.
# ruff: noqa: F821  (appended to the reference solution, which defines these names)
def token_log_probs(ids):
    ids = [int(i) for i in ids]
    probs = _probs(ids[:-1])
    return np.log(probs[np.arange(len(ids) - 1), ids[1:]])
