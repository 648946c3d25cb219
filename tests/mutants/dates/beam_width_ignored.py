# expect: dates.beam_search
# may-lose: dates.trained_model
# feedback: expected beam_width = 1
_beam_reference = beam_search


def beam_search(date_str, beam_width):
    return _beam_reference(date_str, 3)
# ruff: noqa: F821 (appended to solutions/dates.py, which defines these names)
