# expect: dates.beam_search
# checks: dates.v2_accuracy dates.beam_search
# feedback: log-probabilities above 0
_beam_reference = beam_search


def beam_search(date_str, beam_width):
    # returns -log p (a cost) instead of log p
    return [(s, -p) for s, p in _beam_reference(date_str, beam_width)]
# ruff: noqa: F821 (appended to solutions/dates.py, which defines these names)
