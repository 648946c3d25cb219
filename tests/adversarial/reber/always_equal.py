# expect: reber.dataset
# Labels in an array subclass that claims to equal anything; the labels are all wrong.
class _AlwaysEqual(np.ndarray):
    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool)

    def __ne__(self, other):
        return np.zeros(self.shape, dtype=bool)


_reference_generate_dataset = generate_dataset


def generate_dataset(size, rng):
    sequences, labels = _reference_generate_dataset(size, rng)
    return sequences, np.zeros(len(labels)).view(_AlwaysEqual)
