# expect: shifted_targets.detector
def targets_are_shifted(decoder_input_data, decoder_target_data):
    return True
