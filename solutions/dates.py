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


def _v2_parts() -> tuple[Any, Any, Any]:
    """Inference pieces of v2, compiled: encoder, one decoder step, and a whole beam search."""
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

        def beam(x: Any, width: Any) -> tuple[Any, Any]:
            # One graph for the whole search: 10 steps unrolled, the beam grows to `width`.
            h, c = encode(x)
            seqs = tf.zeros((1, 0), dtype=tf.int32)
            scores = tf.zeros((1,), dtype=tf.float64)
            last = tf.fill((1, 1), SOS_ID)
            for _ in range(OUTPUT_LENGTH):
                probs, h, c = step(last, h, c)
                logp = tf.math.log(tf.maximum(tf.cast(probs, tf.float64), 1e-300))
                n_classes = tf.shape(logp)[1]
                total = tf.reshape(scores[:, None] + logp, [-1])
                k = tf.minimum(width, tf.size(total))
                # top_k keeps the lower index first among equal scores, as argmax does
                scores, best = tf.math.top_k(total, k=k)
                parent, token = best // n_classes, best % n_classes
                seqs = tf.concat([tf.gather(seqs, parent), token[:, None]], axis=1)
                h, c = tf.gather(h, parent), tf.gather(c, parent)
                last = token[:, None]
            return seqs, scores

        _MODELS["v2_parts"] = tuple(
            tf.function(f, reduce_retracing=True) for f in (encode, step, beam)
        )
    return _MODELS["v2_parts"]


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
    encode, step, _ = _v2_parts()
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
    import tensorflow as tf

    if int(beam_width) < 1:
        raise ValueError(f"beam_width must be at least 1, not {beam_width}")
    _, _, beam = _v2_parts()
    x = tf.constant(prepare_date_strs([date_str]))
    seqs, scores = beam(x, tf.constant(int(beam_width), dtype=tf.int32))
    texts = ids_to_date_strs(np.asarray(seqs))
    return [(t, float(p)) for t, p in zip(texts, np.asarray(scores), strict=True)]
