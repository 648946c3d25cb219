# expect: dates.beam_search
# checks: dates.v2_accuracy dates.beam_search
# feedback: is not sorted best first
_beam_reference = beam_search


def beam_search(date_str, beam_width):
    return list(reversed(_beam_reference(date_str, beam_width)))
# ruff: noqa: F821 (appended to solutions/dates.py, which defines these names)
