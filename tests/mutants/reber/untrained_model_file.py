# expect: reber.accuracy reber.long_range reber.trained_model
# feedback: no better than an untrained one
# Saves the model before training it: predict reads reber.keras as it should, but the file
# holds the initial weights.
import os as _os

if _os.environ.get("SEQGRADE_GRADING") == "1":  # only in the worker's private copy
    import keras as _keras

    _keras.utils.set_random_seed(3)
    build_model().save(MODEL_PATH)
