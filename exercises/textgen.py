"""Exercise ``textgen``: generate Shakespeare one character at a time, then with a pretrained LM.

Material: the TensorFlow tutorial "Text generation with an RNN", Géron's *Hands-On ML*
ch. 16 (exercise 11), Foster's *Generative Deep Learning* ch. 5 (word-level LSTM) and
Hugging Face ``transformers`` ``generate()``.

Data: tiny Shakespeare (1,115,394 characters). Train on the **first 90%**
(``load_training_text()`` below); the checker measures your model on passages of the
last 10%, which you must not train on.

Conventions the checker relies on
---------------------------------
- Vocabulary of the model: ``[UNK]`` (id 0) followed by ``build_vocab(training text)``
  (sorted distinct characters: 65 of them, so 66 ids). This is what
  ``keras.layers.StringLookup(vocabulary=build_vocab(text))`` does: unknown characters
  map to 0. The checker computes this vocabulary itself.
- Your model: an ``Embedding`` + a ``GRU`` (or LSTM) + a ``Dense`` producing one logit per
  id at every step. For one-step generation, build a *functional* Keras 3 model with an
  explicit state input and output, e.g. inputs ``[ids (batch, time), state (batch,
  units)]`` and outputs ``[logits (batch, time, 66), new_state]`` using
  ``GRU(units, return_sequences=True, return_state=True)`` called with
  ``initial_state=state``. (The tutorial's subclassed model with
  ``gru.get_initial_state`` breaks on Keras 3.) No ``Lambda`` layers: ``load_model``
  refuses them in safe mode.
- Save the trained model beside this file or notebook (``HERE / "textgen.keras"``, with
  ``HERE = Path(__file__).resolve().parent`` in a script and ``Path.cwd()`` in Jupyter, which
  defines no ``__file__``; ``checkers.model_path("textgen.keras")`` does both) and load it
  lazily inside the functions (cache it in a module global); the checker never trains your
  model.
- Speed: calling a Keras RNN model eagerly (``model([ids, state])``) on a long text runs
  its time loop step by step in Python, seconds per call. Wrap the call in one
  ``tf.function`` with an ``input_signature`` whose time axis is ``None`` (traced once for
  every length), or use ``model.predict_on_batch``. The checker calls
  ``sequence_log_probs`` on passages of a few hundred characters and
  ``next_char_distribution`` on many prefixes.
- Temperatures are > 0 ("near zero" means a small positive number such as 0.001).
- All randomness comes from the ``rng`` / ``seed`` arguments, so results can be reproduced.

Grading: vocab/ids 10, split 5, sampling 15, pad_punctuation 5, held-out loss 15 (your
model must beat every character n-gram model of the training split on the same 40 hidden
passages, 2- to 10-grams with Kneser-Ney (plain or modified), absolute discounting or
Witten-Bell smoothing, the best scoring about 1.5 nats/char: no credit at or above the
best, full marks 0.005 nats/char below it;
counted only when ``sequence_log_probs`` is consistent with ``next_char_distribution``),
trained model 10, consistency 10, generate_text 10, generate_batch 5, pretrained 5 + 5 + 5.
"""

from __future__ import annotations

import os
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


def build_vocab(text: str) -> list[str]:
    """Return the distinct characters of ``text``, sorted (a list of 1-character strings).

    ``build_vocab("hello")`` -> ``['e', 'h', 'l', 'o']``. ``[UNK]`` is *not* part of it:
    it is id 0, implicitly, in the next functions.
    """
    raise NotImplementedError


def text_to_ids(text: str, vocab: list[str]) -> list[int]:
    """Map each character of ``text`` to its id, as ``StringLookup(vocabulary=vocab)`` does.

    Id 0 is reserved for ``[UNK]`` (any character not in ``vocab``), so ``vocab[0]`` has id
    1, ``vocab[1]`` id 2, and so on. Returns a list of Python ints, one per character.
    Pitfall: ``vocab.index(c)`` alone is off by one, and raises for unknown characters.
    """
    raise NotImplementedError


def ids_to_text(ids, vocab: list[str]) -> str:
    """Inverse of :func:`text_to_ids`: join the characters of ``ids`` (ints or an int array).

    Id 0 (``[UNK]``) becomes the empty string, so a text with unknown characters does not
    come back unchanged.
    """
    raise NotImplementedError


def split_input_target(sequence):
    """Split a sequence into (input, target) for next-step prediction.

    Works for lists and strings alike and returns a tuple of the same kind:
    the target is the input shifted by one step, so that ``target[t]`` is the element
    that follows ``input[t]``. Both parts have ``len(sequence) - 1`` elements.
    """
    raise NotImplementedError


def sample_next_id(logits, temperature: float, rng: np.random.Generator,
                   banned_ids=(0,)) -> int:
    """Draw the next id from ``logits`` (1-d, one per id) at a given ``temperature``.

    - The temperature scales the logits before the softmax: a small temperature makes the
      distribution peaky (near 0 it returns the argmax), a large one flattens it.
    - Ids in ``banned_ids`` must never be drawn (give them probability 0). By default
      that is id 0, ``[UNK]``/padding: drawing it is the classic ``KeyError: 0`` bug when
      the id is then looked up in an id-to-character table.
    - Use only ``rng`` for randomness (``rng.choice(n, p=...)`` works): the same rng
      state must give the same id. Mind overflow: subtract the max logit before ``exp``.
    Returns a Python int.
    """
    raise NotImplementedError


def pad_punctuation(s: str) -> str:
    """Foster's word-level preprocessing: put a space on each side of every punctuation mark.

    Punctuation means the ASCII marks of ``string.punctuation``; after padding, collapse
    runs of spaces into one space (spaces at the very start/end are fine). Other characters
    (letters, digits, newlines, non-ASCII) are left as they are. Example:
    ``"Hello, world!"`` -> ``"Hello , world ! "``. Applying it twice changes nothing.
    """
    raise NotImplementedError


def next_char_distribution(prefix: str) -> np.ndarray:
    """P(next character | prefix) from your trained model.

    ``prefix`` is a non-empty string; run the whole prefix through the model from a zero
    state and return the softmax of the logits at its last step: a float array of shape
    ``(len(vocab) + 1,)`` (66), indexed by id (``[UNK]`` first), >= 0, summing to 1.
    """
    raise NotImplementedError


def sequence_log_probs(text: str) -> np.ndarray:
    """Log-probabilities (natural log) the model gives to each next character of ``text``.

    Returns a float array of ``len(text) - 1`` values: value ``i`` is
    ``log P(text[i + 1] | text[:i + 1])``, all from one pass over the text (zero initial
    state). A text shorter than 2 characters gives an empty array. ``-mean(...)`` is the
    loss in nats/char. The checker verifies these values against
    :func:`next_char_distribution` at many positions.
    """
    raise NotImplementedError


def generate_text(prompt: str, num_chars: int, temperature: float, seed: int) -> str:
    """Generate ``num_chars`` characters after ``prompt``; return prompt + new characters.

    Stateful one-step generation: run the prompt through the model once, keep the GRU
    state, then feed one sampled id at a time together with the state returned by the
    previous step (never reset it between steps; recomputing the whole text every step is
    correct but slow). Sample with :func:`sample_next_id` and
    ``np.random.default_rng(seed)``: the same seed gives the same text. At a near-zero
    temperature the result is greedy decoding.
    """
    raise NotImplementedError


def generate_batch(prompts: list[str], num_chars: int, temperature: float,
                   seed: int) -> list[str]:
    """Generate after several prompts at once, in one batch (the tutorial's 5 ``ROMEO:``).

    The TF tutorial speeds generation up by batching: ``tf.constant(['ROMEO:'] * 5)``
    gives five texts for the price of one. Do the same: the prompts all have the same
    length; turn them into one ``(len(prompts), length)`` array of ids, run it through the
    model once, keep one GRU state per row, then at every step feed the batch of sampled
    ids (shape ``(len(prompts), 1)``) with the batch of states: one model call per step
    for all rows. Each row is sampled on its own (:func:`sample_next_id`, rows in order,
    all from one ``np.random.default_rng(seed)``): five identical prompts give five
    different texts, and row ``i`` never sees the state of another row. Returns
    ``prompts[i]`` + ``num_chars`` characters for each ``i``, in order.
    """
    raise NotImplementedError


def generate_with_pretrained(prompt: str, model_name_or_path: str, num_return_sequences: int,
                             max_new_tokens: int, temperature: float, top_p: float,
                             seed: int) -> list[str]:
    """Sample continuations of ``prompt`` from a pretrained causal LM with ``generate()``.

    ``model_name_or_path`` is a Hugging Face model name or a local folder (load both the
    tokenizer and the model with ``AutoTokenizer`` / ``AutoModelForCausalLM``
    ``.from_pretrained``; transformers 5 runs on PyTorch). Sample (``do_sample=True``) with
    the given ``temperature`` and ``top_p`` (nucleus sampling), ``num_return_sequences``
    texts, each **the prompt followed by exactly ``max_new_tokens`` new tokens** (decode
    the whole output; ``max_length`` would count the prompt too), **unless the model emits
    its end token first**: then that text stops there, as ``generate()`` does by itself
    (do not force the length with ``min_new_tokens``), and the end token is not part of
    the text (``batch_decode(..., skip_special_tokens=True)``). ``temperature`` and
    ``top_p`` must reach ``generate()``: the grader compares what you draw with the
    model's own distribution. Seed torch's random
    generator with ``seed`` right before generating (``transformers.set_seed``) so that
    the same seed gives the same texts. Some tokenizers have no pad token: pass
    ``pad_token_id`` explicitly. Returns a list of ``num_return_sequences`` str.
    """
    raise NotImplementedError
