# expect: textgen.sampling
# may-lose: textgen.generate_batch
# Multiplies by the temperature instead of dividing: near-zero T gives near-uniform draws.
# ruff: noqa: F821  (appended to the reference solution, which defines these names)
def sample_next_id(logits, temperature, rng, banned_ids=(0,)):
    scaled = np.asarray(logits, dtype=np.float64).reshape(-1) * temperature
    scaled[list(banned_ids)] = -np.inf
    probs = np.exp(scaled - scaled.max())
    return int(rng.choice(len(probs), p=probs / probs.sum()))
