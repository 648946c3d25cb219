# expect: wordgen.sampling
# checks: wordgen.pad_punctuation wordgen.tokenize wordgen.vocab wordgen.sampling
# Foster's formula taken literally: probs ** (1 / T) underflows to 0 everywhere at a tiny
# temperature, and 0 / 0 gives NaN probabilities.
# ruff: noqa: F821  (appended to the reference solution, which defines these names)
def sample_from(probs, temperature, rng):
    p = np.asarray(probs, dtype=np.float64) ** (1 / temperature)
    p = p / np.sum(p)
    return int(rng.choice(len(p), p=p)), p
