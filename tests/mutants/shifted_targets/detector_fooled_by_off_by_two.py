# expect: shifted_targets.detector
# A plausible heuristic: "not a copy of the inputs, and no start character among the
# targets". It catches the unshifted and the wrong-direction targets, but a shift by two
# steps passes it.
def targets_are_shifted(decoder_input_data, decoder_target_data):
    decoder_input_data = np.asarray(decoder_input_data)
    decoder_target_data = np.asarray(decoder_target_data)
    if np.array_equal(decoder_input_data, decoder_target_data):
        return False
    start = decoder_input_data[:, 0].argmax(axis=-1)  # every input starts with "\t"
    in_targets = decoder_target_data[np.arange(len(start)), :, start]
    return not bool(in_targets.any())
# ruff: noqa: F821 (appended to solutions/shifted_targets.py, which defines these names)
