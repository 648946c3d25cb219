# expect: dates.trained_model
# checks: dates.trained_model
# feedback: no encoder-decoder model
# Never builds v2 as an encoder-decoder: dates_v2.keras is a single-input classifier, and
# the v2 functions parse the date with datetime. No model with an encoder input and a
# decoder input is found among the model files.
import os as _os
from datetime import datetime as _datetime

if _os.environ.get("SEQGRADE_GRADING") == "1":  # only in the worker's private copy
    import keras as _keras

    _flat = _keras.Sequential([_keras.Input(shape=(None,), dtype="int32"),
                               _keras.layers.Embedding(40, 8), _keras.layers.GRU(8),
                               _keras.layers.Dense(12)])
    _flat.save(Path(__file__).with_name("dates_v2.keras"))


def _parse(date_str):
    return _datetime.strptime(date_str, "%B %d, %Y").strftime("%Y-%m-%d")


def predict_date_strs(date_strs):
    return [_parse(s) for s in date_strs]


def beam_search(date_str, beam_width):
    best = _parse(date_str)
    candidates = [best] + [best[:-1] + d for d in "0123456789" if d != best[-1]]
    return [(c, -2.0 * k) for k, c in enumerate(candidates[: int(beam_width)])]
