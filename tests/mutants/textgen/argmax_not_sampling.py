# expect: textgen.sampling
# may-lose: textgen.generate_batch
# Greedy instead of sampling: ignores the temperature and the rng.
# ruff: noqa: F821  (appended to the reference solution, which defines these names)
def sample_next_id(logits, temperature, rng, banned_ids=(0,)):
    scaled = np.asarray(logits, dtype=np.float64).reshape(-1)
    scaled[list(banned_ids)] = -np.inf
    return int(np.argmax(scaled))
