# expect: textgen.split_input_target
# Input and target swapped: the model would learn to predict the past.
# ruff: noqa: F821  (appended to the reference solution, which defines these names)
def split_input_target(sequence):
    return sequence[1:], sequence[:-1]
