"""Exercise ``wordgen``: a word-level LSTM that writes Shakespeare (Foster's recipe generator).

Material: Foster, *Generative Deep Learning* (2nd ed.), ch. 5 "Autoregressive models":
the LSTM trained on Epicurious recipes, here on the speeches of tiny Shakespeare.

Data: tiny Shakespeare. Train on the speeches of the **first 90%**
(``load_training_speeches()`` below: blocks of text separated by blank lines, e.g.
``"First Citizen:\\nBefore we proceed any further, hear me speak."``); the checker
measures your model on speeches of the last 10%, which you must not train on.

The pipeline (Foster's, step by step)
-------------------------------------
1. **Tokens.** Words *and punctuation marks* are tokens: lower-case the text, put a space
   on each side of every punctuation mark (:func:`pad_punctuation`), split on whitespace
   (:func:`tokenize`). Newlines are whitespace, so they disappear.
2. **Vocabulary**, as Keras ``TextVectorization`` builds it (:func:`build_vocab`): id 0 is
   the padding token ``""``, id 1 is ``"[UNK]"`` (any token outside the vocabulary),
   then the tokens by **descending count**; ties are broken as ``TextVectorization``
   breaks them: among tokens with the same count, the one that sorts *later* (comparing
   their UTF-8 bytes, i.e. Python's ``str`` order for ASCII) comes first. The list is cut
   at ``max_tokens`` entries (``""`` and ``"[UNK]"`` included).
   ``TextVectorization(max_tokens=VOCAB_SIZE, standardize=None, split="whitespace")``
   adapted on ``[" ".join(tokenize(s)) for s in speeches]`` gives the same list.
3. **Model** (what the checker's figures assume, you may do better):
   ``Input(shape=(None,), dtype="int32")`` -> ``Embedding(VOCAB_SIZE, 100)`` ->
   ``LSTM(128, return_sequences=True)`` -> ``Dense(VOCAB_SIZE, activation="softmax")``.
   Each training speech is its ids (at most ``MAX_LEN`` tokens) followed by the end id 0;
   inputs ``ids[:-1]``, targets ``ids[1:]`` (Foster's ``prepare_inputs``). Id 0 plays
   Foster's end token: the model learns to predict it after the last token of a speech,
   and generation stops when it is drawn. Pad batches with 0 and keep the padding after
   the first 0 out of the loss (``sample_weight``), or the model learns mostly padding.
4. **Sampling with a temperature** (:func:`sample_from`) and **generation**
   (:func:`generate`) as in Foster's ``TextGenerator`` callback.

Conventions the checker relies on
---------------------------------
- The model's vocabulary is ``build_vocab(load_training_speeches(), VOCAB_SIZE)``: the
  checker computes it itself and passes you **ids** in that vocabulary
  (``next_token_probs``, ``token_log_probs``). Save your vocabulary beside your model
  (e.g. a JSON list in ``wordgen_vocab.json``) or rebuild it when the model loads.
- Save the trained model beside this file as ``wordgen.keras``
  (``Path(__file__).with_name("wordgen.keras")``), load it lazily inside the functions
  and cache it in a module global; the checker never trains your model. It must load
  with ``keras.models.load_model(path)`` in safe mode: no ``Lambda`` layers, no custom
  objects. The checker verifies that the file holds a recurrent layer and that your
  probabilities come from it (it re-initialises the weights and expects the held-out loss
  to collapse).
- Speed: the checker calls ``token_log_probs`` on a few hundred speeches and
  ``next_token_probs`` on many prefixes. Calling a Keras model eagerly is slow; wrap the
  call in one ``tf.function`` with ``input_signature=[tf.TensorSpec((None, None),
  tf.int32)]`` (traced once for every length), or use ``model.predict_on_batch``.
- Temperatures are > 0. All randomness comes from the ``rng`` / ``seed`` arguments.

Grading (100 points): pad_punctuation 5, tokenize 10, vocab 10, sampling 15, held-out loss
25 (mean nats per token, the end id included; your model must beat every word n-gram
model of the training speeches on the same hidden speeches, 1- to 5-grams with
Kneser-Ney (plain or modified), absolute discounting or Witten-Bell smoothing, the best
scoring about 4.63: no credit at or above the best, full marks 0.03 below it; counted
only when ``token_log_probs`` agrees with
``next_token_probs``), consistency 10, generate 15, trained_model 10. The model above,
trained for about 12 epochs (Adam, batches of 64), reaches about 4.54.
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
VOCAB_SIZE = 5000  # entries of the model's vocabulary, "" and "[UNK]" included
MAX_LEN = 200  # tokens kept per training speech (Foster: output_sequence_length=201)
END_ID = 0  # the padding id "" also marks the end of a speech
UNK_ID = 1


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


def split_speeches(text: str) -> list[str]:
    """Given: the speeches of ``text``: blocks separated by blank lines, stripped, non-empty."""
    return [block.strip() for block in text.split("\n\n") if block.strip()]


def load_training_speeches() -> list[str]:
    """Given: the speeches of the training split (6,283 of them)."""
    return split_speeches(load_training_text())


def pad_punctuation(s: str) -> str:
    """Foster's preprocessing: put a space on each side of every punctuation mark.

    Punctuation means the ASCII marks of ``string.punctuation``; after padding, collapse
    runs of spaces into one space (spaces at the very start/end are fine). Other characters
    (letters, digits, newlines, non-ASCII) are left as they are. Example:
    ``"Hello, world!"`` -> ``"Hello , world ! "``. Applying it twice changes nothing.
    """
    raise NotImplementedError


def tokenize(text: str) -> list[str]:
    """The tokens of ``text``: lower-case it (``str.lower``), pad its punctuation, split it.

    Split on any whitespace (``str.split()``), so newlines and tabs separate tokens too
    and no token is empty. ``tokenize("Speak, speak.")`` ->
    ``['speak', ',', 'speak', '.']``. Every punctuation mark is a token of its own, so
    ``"don't"`` gives three tokens.
    """
    raise NotImplementedError


def build_vocab(texts: list[str], max_tokens: int = VOCAB_SIZE) -> list[str]:
    """The vocabulary of ``texts`` (a list of strings), as ``TextVectorization`` builds it.

    ``["", "[UNK]"]`` followed by the tokens of all the texts (:func:`tokenize`) by
    descending count; equal counts: the token that sorts later comes first (see the module
    docstring). At most ``max_tokens`` entries in all (fewer when the texts hold fewer
    distinct tokens). The tokens ``""`` and ``"[UNK]"`` are never counted as words.
    ``build_vocab(["b a b", "c"], 10)`` -> ``['', '[UNK]', 'b', 'c', 'a']``.
    """
    raise NotImplementedError


def text_to_ids(text: str, vocab: list[str]) -> list[int]:
    """The ids of the tokens of ``text``: ``vocab.index(token)``, or ``UNK_ID`` (1) if absent.

    Returns a list of Python ints, one per token. Use a dict: ``vocab.index`` on a
    5,000-word list is slow, and raises for unknown tokens. Never returns 0 (``""`` is not
    a token).
    """
    raise NotImplementedError


def ids_to_text(ids, vocab: list[str]) -> str:
    """The tokens of ``ids`` (ints or an int array) joined by single spaces.

    Id 0 (padding / end) is left out; id 1 gives ``"[UNK]"``. So
    ``ids_to_text(text_to_ids(t, vocab), vocab) == " ".join(tokenize(t))`` when every token
    of ``t`` is in ``vocab``.
    """
    raise NotImplementedError


def sample_from(probs, temperature: float, rng: np.random.Generator) -> tuple[int, np.ndarray]:
    """Foster's ``sample_from``: reshape ``probs`` with a temperature, then draw one id.

    ``probs`` is a 1-d array of probabilities (one per id, summing to 1). The reshaped
    distribution is ``probs ** (1 / temperature)``, divided by its sum: at T = 1 it is
    ``probs``; below 1 it sharpens (near 0 it is the argmax), above 1 it flattens. Draw
    the id with ``rng.choice(len(p), p=p)`` (exactly one call, and no other randomness),
    so that the checker can replay your draws. Return ``(id as a Python int, p)``.
    Pitfall: for a small T, ``probs ** (1 / T)`` underflows to 0 everywhere (0 / 0);
    dividing ``probs`` by its max first avoids that, and so does working in log space.
    """
    raise NotImplementedError


def next_token_probs(ids) -> np.ndarray:
    """P(next id | ids) from your trained model.

    ``ids`` is a non-empty list of ids (the checker's vocabulary, never 0). Run the whole
    prefix through the model from a zero state and return its output at the last step: a
    float array of shape ``(VOCAB_SIZE,)``, indexed by id, >= 0, summing to 1. Entry 0 is
    the probability that the speech ends here.
    """
    raise NotImplementedError


def token_log_probs(ids) -> np.ndarray:
    """Log-probabilities (natural log) your model gives to each next id of ``ids``.

    Returns a float array of ``len(ids) - 1`` values: value ``i`` is
    ``log P(ids[i + 1] | ids[: i + 1])``, all from one pass over the ids (zero initial
    state). The last id may be 0 (the end): the checker scores a speech as its ids
    followed by 0. Fewer than 2 ids give an empty array. ``-mean(...)`` is the loss in
    nats per token; the checker verifies these values against :func:`next_token_probs`.
    """
    raise NotImplementedError


def generate(start_prompt: str, max_tokens: int, temperature: float, seed: int) -> list[int]:
    """Foster's ``generate``: extend the prompt one sampled token at a time.

    Start from ``text_to_ids(start_prompt, vocab)`` (the prompt holds at least one token)
    and an ``rng = np.random.default_rng(seed)``. While there are fewer than
    ``max_tokens`` ids (the prompt counts, as in Foster's ``while len(start_tokens) <
    max_tokens``): ``next_id, _ = sample_from(next_token_probs(ids), temperature, rng)``;
    if ``next_id`` is the end id 0, stop (0 is not appended); else append it. Return the
    list of ids (prompt first). A prompt of ``max_tokens`` ids or more comes back as it is.
    ``ids_to_text(generate(...), vocab)`` is the text.
    """
    raise NotImplementedError
