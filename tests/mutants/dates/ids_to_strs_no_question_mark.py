# expect: dates.encoding
# feedback: padding shows as '?'
def ids_to_date_strs(ids, chars=OUTPUT_CHARS):
    # forgets that ids are positions + 1
    return ["".join(chars[int(i) - 1] if i > 0 else "" for i in row) for row in ids]
# ruff: noqa: F821 (appended to solutions/dates.py, which defines these names)
