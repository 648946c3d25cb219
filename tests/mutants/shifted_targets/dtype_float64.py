# expect: shifted_targets.encoding
# Right values, wrong dtype: np.zeros defaults to float64.
_reference_vectorize = vectorize


def vectorize(*args, **kwargs):
    return tuple(a.astype("float64") for a in _reference_vectorize(*args, **kwargs))
# ruff: noqa: F821 (appended to solutions/shifted_targets.py, which defines these names)
