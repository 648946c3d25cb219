"""Reference solution of the ``wordgen`` exercise (Foster, *Generative Deep Learning* ch. 5).

A word-level LSTM language model over the speeches of tiny Shakespeare. The trained model
``wordgen.keras`` beside this file maps ids ``(batch, time)`` to next-token probabilities
``(batch, time, VOCAB_SIZE)``; its vocabulary is in ``wordgen_vocab.json`` (see
``solutions/train_wordgen.py``).
"""

from __future__ import annotations

import json
import os
import re
import string
import urllib.request
from collections import Counter
from pathlib import Path

import numpy as np

SHAKESPEARE_URL = (
    "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"
)
TRAIN_FRACTION = 0.9
VOCAB_SIZE = 5000
MAX_LEN = 200
END_ID = 0
UNK_ID = 1

MODEL_PATH = Path(__file__).with_name("wordgen.keras")
VOCAB_PATH = Path(__file__).with_name("wordgen_vocab.json")

_model = None
_vocab: list[str] | None = None
_forward = None


def load_training_text() -> str:
    """Given: the first 90% of tiny Shakespeare (the training split)."""
    data_dir = os.environ.get("SEQGRADE_DATA_DIR")
    if data_dir:
        text = (Path(data_dir) / "tinyshakespeare.txt").read_text(encoding="utf-8")
    else:
        with urllib.request.urlopen(SHAKESPEARE_URL, timeout=60) as response:
            text = response.read().decode("utf-8")
    return text[: int(len(text) * TRAIN_FRACTION)]


def split_speeches(text: str) -> list[str]:
    """Given: the speeches of ``text``: blocks separated by blank lines, stripped, non-empty."""
    return [block.strip() for block in text.split("\n\n") if block.strip()]


def load_training_speeches() -> list[str]:
    """Given: the speeches of the training split."""
    return split_speeches(load_training_text())


def pad_punctuation(s: str) -> str:
    """Foster: a space on each side of every ASCII punctuation mark, runs of spaces collapsed."""
    s = re.sub(f"([{re.escape(string.punctuation)}])", r" \1 ", s)
    return re.sub(" +", " ", s)


def tokenize(text: str) -> list[str]:
    """Lower-case, pad punctuation, split on whitespace."""
    return pad_punctuation(text.lower()).split()


def build_vocab(texts: list[str], max_tokens: int = VOCAB_SIZE) -> list[str]:
    """``["", "[UNK]"]`` + tokens by descending count, ties: later token (UTF-8 bytes) first."""
    counts = Counter(token for text in texts for token in tokenize(text))
    counts.pop("", None)
    counts.pop("[UNK]", None)
    ranked = sorted(counts, key=lambda t: (counts[t], t.encode("utf-8")), reverse=True)
    return ["", "[UNK]"] + ranked[: max(0, max_tokens - 2)]


def text_to_ids(text: str, vocab: list[str]) -> list[int]:
    """Token ids of ``text``; tokens outside ``vocab`` get ``UNK_ID``."""
    table = {token: i for i, token in enumerate(vocab) if i >= 2}
    return [table.get(token, UNK_ID) for token in tokenize(text)]


def ids_to_text(ids, vocab: list[str]) -> str:
    """Tokens of ``ids`` joined by single spaces; the end/padding id 0 is left out."""
    return " ".join(vocab[int(i)] for i in ids if int(i) != END_ID)


def sample_from(probs, temperature: float, rng: np.random.Generator) -> tuple[int, np.ndarray]:
    """Foster's ``sample_from``: ``p ** (1 / T)`` renormalised, one draw with ``rng.choice``."""
    p = np.asarray(probs, dtype=np.float64).reshape(-1)
    # p ** (1 / T) underflows for small T: scale in log space first (same result).
    with np.errstate(divide="ignore"):
        logp = np.log(p) / temperature
    logp -= logp.max()
    p = np.exp(logp)
    p /= p.sum()
    return int(rng.choice(len(p), p=p)), p


def _get_model():
    """The trained model and a compiled forward function (traced once for any length)."""
    global _model, _vocab, _forward
    if _model is None:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import keras
        import tensorflow as tf

        model = keras.models.load_model(MODEL_PATH, compile=False)
        _vocab = json.loads(VOCAB_PATH.read_text(encoding="utf-8"))
        _forward = tf.function(
            lambda ids: model(ids, training=False), autograph=False,
            input_signature=[tf.TensorSpec((None, None), tf.int32)],
        )
        _model = model
    return _model


def model_vocab() -> list[str]:
    """The vocabulary the model was trained with (index = id)."""
    _get_model()
    return _vocab


def _probs(ids: list[int]) -> np.ndarray:
    """Next-token probabilities (time, VOCAB_SIZE) after each prefix of ``ids``."""
    _get_model()
    x = np.asarray(ids, dtype=np.int32).reshape(1, -1)
    probs = np.asarray(_forward(x), dtype=np.float64)[0]
    probs = np.clip(probs, 0.0, None)
    return probs / probs.sum(axis=-1, keepdims=True)


def next_token_probs(ids) -> np.ndarray:
    """P(next id | ids), shape ``(VOCAB_SIZE,)``."""
    ids = [int(i) for i in ids]
    if not ids:
        raise ValueError("the prefix must hold at least one id")
    return _probs(ids)[-1]


def token_log_probs(ids) -> np.ndarray:
    """``log P(ids[i + 1] | ids[: i + 1])`` for each i: ``len(ids) - 1`` values, one pass."""
    ids = [int(i) for i in ids]
    if len(ids) < 2:
        return np.zeros(0, dtype=np.float64)
    probs = _probs(ids[:-1])
    with np.errstate(divide="ignore"):
        return np.log(probs[np.arange(len(ids) - 1), ids[1:]])


def generate(start_prompt: str, max_tokens: int, temperature: float, seed: int) -> list[int]:
    """Foster's ``generate``: sample until the end id or until ``max_tokens`` ids in all."""
    rng = np.random.default_rng(seed)
    ids = text_to_ids(start_prompt, model_vocab())
    while len(ids) < max_tokens:
        token, _ = sample_from(next_token_probs(ids), temperature, rng)
        if token == END_ID:
            break
        ids.append(token)
    return ids
