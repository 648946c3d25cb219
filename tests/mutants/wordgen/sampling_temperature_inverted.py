# expect: wordgen.sampling wordgen.generate
# checks: wordgen.sampling wordgen.generate
# probs ** T instead of probs ** (1 / T): a low temperature flattens the distribution.
# ruff: noqa: F821  (appended to the reference solution, which defines these names)
def sample_from(probs, temperature, rng):
    p = np.asarray(probs, dtype=np.float64) ** temperature
    p = p / np.sum(p)
    return int(rng.choice(len(p), p=p)), p
