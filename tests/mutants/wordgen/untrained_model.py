# expect: wordgen.heldout_loss wordgen.trained_model
# checks: wordgen.heldout_loss wordgen.consistency wordgen.trained_model
# feedback: no better than an untrained one
# Saves (and loads) the model before training it: Foster's architecture, random weights.
# ruff: noqa: F821  (appended to the reference solution, which defines these names)
_reference_get_model = _get_model


def _get_model():
    global _model
    if _model is None:
        import keras

        path = Path(__file__).with_name("wordgen.keras")
        keras.utils.set_random_seed(0)
        inputs = keras.Input(shape=(None,), dtype="int32")
        x = keras.layers.Embedding(VOCAB_SIZE, 100)(inputs)
        x = keras.layers.LSTM(128, return_sequences=True)(x)
        outputs = keras.layers.Dense(VOCAB_SIZE, activation="softmax")(x)
        keras.Model(inputs, outputs).save(path)
    return _reference_get_model()
