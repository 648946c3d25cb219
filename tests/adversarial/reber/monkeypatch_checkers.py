# expect: reber.accuracy reber.long_range
# may-lose: reber.trained_model
# checks: reber.accuracy reber.long_range reber.string_to_ids
# Tries to rewrite the grader's modules inside the worker, then predicts a constant. The
# grader is not importable there (only the worker and its protocol are): the imports fail,
# and the rewrite of the protocol's encoder changes nothing the grader judges.
import checkers.sandbox.protocol

try:
    import checkers.engine.grading
    import checkers.engine.model
except ImportError:
    pass
else:
    checkers.engine.model.Outcome.fraction = 1.0
    checkers.engine.model.linear_credit = lambda *args, **kwargs: 1.0
    checkers.engine.grading.run_check = lambda *args, **kwargs: None
_original_encode = checkers.sandbox.protocol.encode


def predict(strings):
    return np.full(len(strings), 0.9)
