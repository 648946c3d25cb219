# expect: textgen.sampling
# may-lose: textgen.generate_batch
# The `KeyError: 0` bug: banned ids (the [UNK]/padding id 0) are not masked.
# ruff: noqa: F821  (appended to the reference solution, which defines these names)
def sample_next_id(logits, temperature, rng, banned_ids=(0,)):
    scaled = np.asarray(logits, dtype=np.float64).reshape(-1) / temperature
    probs = np.exp(scaled - scaled.max())
    return int(rng.choice(len(probs), p=probs / probs.sum()))
