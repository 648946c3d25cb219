# expect: reber.accuracy reber.long_range
# checks: reber.accuracy reber.long_range reber.string_to_ids
# Makes numpy's comparisons and statistics lie inside the worker, then predicts a constant.
import builtins

np.mean = lambda *args, **kwargs: 1.0
np.array_equal = lambda *args, **kwargs: True
np.allclose = lambda *args, **kwargs: True
builtins.round = lambda *args, **kwargs: 100


def predict(strings):
    return np.full(len(strings), 0.9)
