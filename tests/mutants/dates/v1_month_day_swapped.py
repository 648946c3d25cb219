# expect: dates.v1_accuracy
# may-lose: dates.trained_model
# feedback: Some wrong conversions (input → expected → got)
_v1_reference = convert_date_strs


def convert_date_strs(date_strs):
    # a decoding slip: reads the model's output as YYYY-DD-MM
    return [s[:5] + s[8:10] + "-" + s[5:7] for s in _v1_reference(date_strs)]
# ruff: noqa: F821 (appended to solutions/dates.py, which defines these names)
