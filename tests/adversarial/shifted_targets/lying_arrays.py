# expect: shifted_targets.encoding shifted_targets.alignment
# checks: shifted_targets.encoding shifted_targets.alignment
# Returns array subclasses that claim to equal anything and hold only zeros.
class _LyingArray(np.ndarray):
    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool)

    def __array_finalize__(self, obj):
        pass


_reference_vectorize = vectorize


def vectorize(*args, **kwargs):
    return tuple(np.zeros_like(a).view(_LyingArray) for a in _reference_vectorize(*args, **kwargs))
