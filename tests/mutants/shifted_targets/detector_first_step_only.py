# expect: shifted_targets.detector
# Looks at the first step only: "the first target is the second input, and the targets
# are not a copy of the inputs". Targets shifted by two steps pass it exactly when every
# text starts with a repeated character ("\taab\n": the step-0 target 'a' is also input 1).
def targets_are_shifted(decoder_input_data, decoder_target_data):
    decoder_input_data = np.asarray(decoder_input_data)
    decoder_target_data = np.asarray(decoder_target_data)
    if decoder_input_data.shape != decoder_target_data.shape or decoder_input_data.ndim != 3:
        return False
    if np.array_equal(decoder_input_data, decoder_target_data):
        return False
    return bool(np.array_equal(decoder_target_data[:, 0], decoder_input_data[:, 1]))
# ruff: noqa: F821 (appended to solutions/shifted_targets.py, which defines these names)
