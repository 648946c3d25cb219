# expect: dates.trained_model
# feedback: no trained model found
# Skips the models: the three conversions parse the date with datetime, and no model file
# is saved. Every accuracy point is earned; the trained-model check is not.
import os as _os
from datetime import datetime as _datetime

if _os.environ.get("SEQGRADE_GRADING") == "1":  # only in the worker's private copy
    for _name in ("dates_v1.keras", "dates_v2.keras"):
        Path(__file__).with_name(_name).unlink(missing_ok=True)


def _parse(date_str):
    return _datetime.strptime(date_str, "%B %d, %Y").strftime("%Y-%m-%d")


def convert_date_strs(date_strs):
    return [_parse(s) for s in date_strs]


def predict_date_strs(date_strs):
    return [_parse(s) for s in date_strs]


def beam_search(date_str, beam_width):
    best = _parse(date_str)
    candidates = [best] + [best[:-1] + d for d in "0123456789" if d != best[-1]]
    candidates += [best[:-2] + d + "0" for d in "0123456789" if d != best[-2]]
    return [(c, -2.0 * k) for k, c in enumerate(candidates[: int(beam_width)])]
