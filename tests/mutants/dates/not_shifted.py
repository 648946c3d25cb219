# expect: dates.shifted_outputs
# checks: dates.random_dates dates.encoding dates.shifted_outputs
# feedback: the decoder's input at step t is the target of step t - 1
def shifted_output_sequences(Y):
    Y = np.asarray(Y)
    sos = np.full((Y.shape[0], 1), SOS_ID, dtype=Y.dtype)
    return np.concatenate([sos, Y], axis=1)
# ruff: noqa: F821 (appended to solutions/dates.py, which defines these names)
