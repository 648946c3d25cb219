# expect: reber.trained_model
# feedback: safe_mode
# Wraps the trained classifier with a Lambda layer (a "scaling" step) and loads it with
# safe_mode=False: the grader loads model files in safe mode, which refuses Lambda layers.
import os as _os

import keras as _keras

if _os.environ.get("SEQGRADE_GRADING") == "1":  # only in the worker's private copy
    _inner = _keras.models.load_model(MODEL_PATH)
    _inputs = _keras.Input(shape=(None,), dtype="int32")
    _outputs = _keras.layers.Lambda(lambda p: p * 1.0)(_inner(_inputs))
    _keras.Model(_inputs, _outputs).save(MODEL_PATH)


def _load_model():
    global _model
    if _model is None:
        _model = _keras.models.load_model(MODEL_PATH, safe_mode=False)
    return _model
