# expect: wordgen.sampling wordgen.generate
# checks: wordgen.sampling wordgen.generate
# Foster's np.random.choice: the global generator, not the rng given, so no draw can be
# reproduced from the seed.
# ruff: noqa: F821  (appended to the reference solution, which defines these names)
_reference_sample_from = sample_from


def sample_from(probs, temperature, rng):
    _, p = _reference_sample_from(probs, temperature, np.random.default_rng(0))
    return int(np.random.choice(len(p), p=p)), p
