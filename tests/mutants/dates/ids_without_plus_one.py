# expect: dates.encoding
# may-lose: dates.v1_accuracy dates.v1_padding dates.v2_accuracy dates.beam_search
# checks: dates.random_dates dates.encoding dates.shifted_outputs
# feedback: 0 as padding on the right
def prepare_date_strs(date_strs, chars=INPUT_CHARS):
    rows = [date_str_to_ids(s, chars) for s in date_strs]
    width = max((len(r) for r in rows), default=0)
    out = np.zeros((len(rows), width), dtype=np.int32)
    for i, row in enumerate(rows):
        out[i, : len(row)] = row
    return out
# ruff: noqa: F821 (appended to solutions/dates.py, which defines these names)
