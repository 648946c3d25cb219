# expect: textgen.consistency textgen.heldout_loss
# may-lose: textgen.trained_model textgen.generate_batch
# Returns the raw logits of the last step, not probabilities.
# ruff: noqa: F821  (appended to the reference solution, which defines these names)
def next_char_distribution(prefix):
    logits, _ = _run(text_to_ids(prefix, MODEL_VOCAB))
    return logits[-1]
