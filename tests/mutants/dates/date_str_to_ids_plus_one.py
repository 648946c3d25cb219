# expect: dates.encoding
# feedback: without +1
def date_str_to_ids(date_str, chars=INPUT_CHARS):
    return [chars.index(c) + 1 for c in date_str]


def prepare_date_strs(date_strs, chars=INPUT_CHARS):
    rows = [date_str_to_ids(s, chars) for s in date_strs]
    width = max((len(r) for r in rows), default=0)
    out = np.zeros((len(rows), width), dtype=np.int32)
    for i, row in enumerate(rows):
        out[i, : len(row)] = row
    return out
# ruff: noqa: F821 (appended to solutions/dates.py, which defines these names)
