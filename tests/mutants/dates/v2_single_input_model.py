# expect: dates.trained_model
# checks: dates.trained_model
# feedback: no encoder-decoder model
# Saves v2 as a single-input classifier (the decoder's input folded away): no v2 with an
# encoder input and a decoder input is found among the model files.
import os as _os

if _os.environ.get("SEQGRADE_GRADING") == "1":  # only in the worker's private copy
    import keras as _keras

    _flat = _keras.Sequential([_keras.Input(shape=(None,), dtype="int32"),
                               _keras.layers.Embedding(40, 8), _keras.layers.GRU(8),
                               _keras.layers.Dense(12)])
    _flat.save(Path(__file__).with_name("dates_v2.keras"))
