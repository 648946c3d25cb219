# expect: shifted_targets.detector
# checks: shifted_targets.detector
# Returns an object that is truthy, falsy and equal to anything, instead of a bool.
class _Schrodinger:
    def __bool__(self):
        return True

    def __eq__(self, other):
        return True

    def __hash__(self):
        return 0


def targets_are_shifted(decoder_input_data, decoder_target_data):
    return _Schrodinger()
