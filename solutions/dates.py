"""Reference solution of the ``dates`` exercise (HOML ch. 16, exercise 9).

Convert dates such as ``"April 22, 2019"`` to ISO dates (``"2019-04-22"``) with two
character-level encoder-decoder models (Keras 3):

* v1: encoder (Embedding, LSTM) -> RepeatVector -> decoder (LSTM, Dense). The encoder has
  no mask, so its inputs are always padded to the training length (18 characters);
* v2: the decoder is fed the targets shifted one step to the right (teacher forcing) and
  starts from the encoder's final state. Inference decodes greedily, one character at a
  time, or with a beam search.

The trained models (``dates_v1.keras``, ``dates_v2.keras``) sit beside this file; they are
made by ``solutions/train_dates.py``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
INPUT_CHARS = "".join(sorted(set("".join(MONTHS) + "0123456789, ")))
OUTPUT_CHARS = "0123456789-"
SOS_ID = len(OUTPUT_CHARS) + 1

MIN_DATE = date(1000, 1, 1)
MAX_DATE = date(9999, 12, 31)
MAX_INPUT_LENGTH = len("September 30, 9999")  # 18: the length v1 was trained on
OUTPUT_LENGTH = len("9999-12-31")  # 10

V1_FILE = "dates_v1.keras"
V2_FILE = "dates_v2.keras"

_MODELS: dict[str, Any] = {}


# ----------------------------------------------------------------------------- data


def random_dates(n: int, rng: np.random.Generator) -> tuple[list[str], list[str]]:
    """``n`` random days, uniform over 1000-01-01 ... 9999-12-31: (inputs, ISO targets)."""
    ordinals = rng.integers(MIN_DATE.toordinal(), MAX_DATE.toordinal(), size=n, endpoint=True)
    days = [date.fromordinal(int(o)) for o in ordinals]
    inputs = [f"{MONTHS[d.month - 1]} {d.day:02d}, {d.year:04d}" for d in days]
    targets = [f"{d.year:04d}-{d.month:02d}-{d.day:02d}" for d in days]
    return inputs, targets


def date_str_to_ids(date_str: str, chars: str = INPUT_CHARS) -> list[int]:
    """The index of each character of ``date_str`` in ``chars`` (no +1)."""
    return [chars.index(c) for c in date_str]


def prepare_date_strs(date_strs: list[str], chars: str = INPUT_CHARS) -> np.ndarray:
    """Ids + 1 of each string, right-padded with 0 to the longest string of the batch."""
    rows = [date_str_to_ids(s, chars) for s in date_strs]
    width = max((len(r) for r in rows), default=0)
    out = np.zeros((len(rows), width), dtype=np.int32)
    for i, row in enumerate(rows):
        out[i, : len(row)] = np.asarray(row, dtype=np.int32) + 1
    return out


def ids_to_date_strs(ids: Any, chars: str = OUTPUT_CHARS) -> list[str]:
    """Decode rows of output ids: id ``i`` is ``("?" + chars)[i]`` (0 shows as ``"?"``)."""
    table = "?" + chars
    return ["".join(table[int(i)] for i in row) for row in ids]


def shifted_output_sequences(Y: Any) -> np.ndarray:  # noqa: N803 (the book's name)
    """Decoder inputs for teacher forcing: ``SOS_ID`` followed by ``Y[:, :-1]``."""
    Y = np.asarray(Y)
    sos = np.full((Y.shape[0], 1), SOS_ID, dtype=Y.dtype)
    return np.concatenate([sos, Y[:, :-1]], axis=1)


def prepare_date_strs_padded(date_strs: list[str], chars: str = INPUT_CHARS) -> np.ndarray:
    """Like ``prepare_date_strs`` but at least ``MAX_INPUT_LENGTH`` columns wide.

    v1's encoder has no mask: it must see its inputs padded as during training.
    """
    X = prepare_date_strs(date_strs, chars)
    if X.shape[1] < MAX_INPUT_LENGTH:
        X = np.pad(X, [(0, 0), (0, MAX_INPUT_LENGTH - X.shape[1])])
    return X


def encode_targets(target_strs: list[str]) -> np.ndarray:
    """Output ids (index in ``OUTPUT_CHARS`` + 1) of ISO date strings, shape (n, 10)."""
    return prepare_date_strs(target_strs, OUTPUT_CHARS)


# ----------------------------------------------------------------------------- models


def build_v1(embedding_size: int = 32, units: int = 128) -> Any:
    """v1: Embedding -> LSTM -> RepeatVector(10) -> LSTM -> Dense softmax (12 classes)."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=(None,), dtype="int32", name="chars")
    x = layers.Embedding(len(INPUT_CHARS) + 1, embedding_size, name="enc_embedding")(inputs)
    x = layers.LSTM(units, name="enc_lstm")(x)
    x = layers.RepeatVector(OUTPUT_LENGTH, name="repeat")(x)
    x = layers.LSTM(units, return_sequences=True, name="dec_lstm")(x)
    outputs = layers.Dense(len(OUTPUT_CHARS) + 1, activation="softmax", name="dec_dense")(x)
    return keras.Model(inputs, outputs, name="dates_v1")


def build_v2(embedding_size: int = 32, units: int = 128) -> Any:
    """v2: encoder state -> decoder LSTM fed the shifted targets -> Dense softmax."""
    import keras
    from keras import layers

    enc_in = keras.Input(shape=(None,), dtype="int32", name="chars")
    x = layers.Embedding(
        len(INPUT_CHARS) + 1, embedding_size, mask_zero=True, name="enc_embedding"
    )(enc_in)
    _, state_h, state_c = layers.LSTM(units, return_state=True, name="enc_lstm")(x)
    dec_in = keras.Input(shape=(None,), dtype="int32", name="shifted_targets")
    y = layers.Embedding(len(OUTPUT_CHARS) + 2, embedding_size, name="dec_embedding")(dec_in)
    y, _, _ = layers.LSTM(units, return_sequences=True, return_state=True, name="dec_lstm")(
        y, initial_state=[state_h, state_c]
    )
    outputs = layers.Dense(len(OUTPUT_CHARS) + 1, activation="softmax", name="dec_dense")(y)
    return keras.Model([enc_in, dec_in], outputs, name="dates_v2")


def _load(file_name: str) -> Any:
    """Load (once) a model saved beside this file."""
    if file_name not in _MODELS:
        import keras

        _MODELS[file_name] = keras.models.load_model(Path(__file__).with_name(file_name))
    return _MODELS[file_name]


def _v2_parts() -> tuple[Any, Any]:
    """Inference pieces of v2, compiled: the encoder (chars -> h, c) and one decoder step."""
    if "v2_parts" not in _MODELS:
        import keras
        import tensorflow as tf

        model = _load(V2_FILE)
        encoder = keras.Model(
            model.get_layer("chars").output, model.get_layer("enc_lstm").output[1:]
        )
        units = model.get_layer("dec_lstm").units
        token = keras.Input(shape=(1,), dtype="int32")
        h_in, c_in = keras.Input(shape=(units,)), keras.Input(shape=(units,))
        y = model.get_layer("dec_embedding")(token)
        y, h, c = model.get_layer("dec_lstm")(y, initial_state=[h_in, c_in])
        probs = model.get_layer("dec_dense")(y)
        step_model = keras.Model([token, h_in, c_in], [probs[:, 0, :], h, c])

        def encode(x: Any) -> Any:
            return encoder(x, training=False)

        def step(t: Any, h: Any, c: Any) -> Any:
            return step_model([t, h, c], training=False)

        _MODELS["v2_parts"] = tuple(
            tf.function(f, reduce_retracing=True, autograph=False) for f in (encode, step)
        )
    return _MODELS["v2_parts"]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _lstm_step(
    z_in: np.ndarray, h: np.ndarray, c: np.ndarray, recurrent: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One Keras LSTM step (gates i, f, c, o) given the input part ``x @ W + b``."""
    z = z_in + h @ recurrent
    i, f, g, o = np.split(z, 4, axis=-1)
    c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
    return _sigmoid(o) * np.tanh(c), c


def _v2_weights() -> dict[str, np.ndarray]:
    """v2's trained weights in float64, with ``embedding @ W + b`` precomputed per id.

    Beam search makes one tiny step per character for one date at a time: done in NumPy
    with the model's own weights, it costs far less than a framework call per step.
    """
    if "v2_weights" not in _MODELS:
        model = _load(V2_FILE)
        out: dict[str, np.ndarray] = {}
        for side in ("enc", "dec"):
            (table,) = model.get_layer(f"{side}_embedding").get_weights()
            kernel, recurrent, bias = model.get_layer(f"{side}_lstm").get_weights()
            out[f"{side}_in"] = table.astype(np.float64) @ kernel + bias
            out[f"{side}_recurrent"] = recurrent.astype(np.float64)
        kernel, bias = model.get_layer("dec_dense").get_weights()
        out["dense"], out["dense_bias"] = kernel.astype(np.float64), bias.astype(np.float64)
        _MODELS["v2_weights"] = out
    return _MODELS["v2_weights"]


# ----------------------------------------------------------------------------- inference


def convert_date_strs(date_strs: list[str]) -> list[str]:
    """Convert with v1, whatever the lengths of the strings in the batch."""
    if not date_strs:
        return []
    X = prepare_date_strs_padded(date_strs)
    probs = _load(V1_FILE).predict(X, verbose=0, batch_size=512)
    return ids_to_date_strs(np.argmax(probs, axis=-1))


def predict_date_strs(date_strs: list[str]) -> list[str]:
    """Convert with v2, decoding greedily one character at a time."""
    if not date_strs:
        return []
    encode, step = _v2_parts()
    ids: list[np.ndarray] = []
    for start in range(0, len(date_strs), 1024):
        X = prepare_date_strs(date_strs[start : start + 1024])
        h, c = encode(X)
        token = np.full((len(X), 1), SOS_ID, dtype=np.int32)
        chunk = []
        for _ in range(OUTPUT_LENGTH):
            probs, h, c = step(token, h, c)
            token = np.argmax(np.asarray(probs), axis=-1).astype(np.int32)[:, None]
            chunk.append(token)
        ids.append(np.concatenate(chunk, axis=1))
    return ids_to_date_strs(np.concatenate(ids, axis=0))


def beam_search(date_str: str, beam_width: int) -> list[tuple[str, float]]:
    """The ``beam_width`` most likely outputs of v2 for ``date_str``, best first.

    Each candidate is ``(string, log-probability)``; a log-probability is the sum of the
    logs of the decoder's softmax outputs along the candidate. At every step each kept
    candidate is extended by every output id and the ``beam_width`` best are kept.
    """
    if int(beam_width) < 1:
        raise ValueError(f"beam_width must be at least 1, not {beam_width}")
    w = _v2_weights()
    units = w["enc_recurrent"].shape[0]
    h, c = np.zeros((1, units)), np.zeros((1, units))
    for char_id in prepare_date_strs([date_str])[0]:
        h, c = _lstm_step(w["enc_in"][char_id][None], h, c, w["enc_recurrent"])
    seqs = np.zeros((1, 0), dtype=np.int64)
    scores = np.zeros(1)
    last = np.array([SOS_ID])
    for _ in range(OUTPUT_LENGTH):
        h, c = _lstm_step(w["dec_in"][last], h, c, w["dec_recurrent"])
        logits = h @ w["dense"] + w["dense_bias"]
        logits -= logits.max(axis=1, keepdims=True)
        log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        total = (scores[:, None] + log_probs).ravel()
        # stable sort: among equal scores the lower (candidate, id) comes first, as argmax
        best = np.argsort(-total, kind="stable")[: int(beam_width)]
        parent, last = np.divmod(best, log_probs.shape[1])
        seqs = np.concatenate([seqs[parent], last[:, None]], axis=1)
        scores, h, c = total[best], h[parent], c[parent]
    return [(t, float(p)) for t, p in zip(ids_to_date_strs(seqs), scores, strict=True)]
