"""Exercise `reber`: the embedded Reber grammar (Géron, *Hands-On ML*, ch. 16, exercise 8).

A Reber grammar is a small automaton that produces strings such as ``"BTSSXXTVVE"``.
The *embedded* Reber grammar wraps a Reber string: ``B`` then ``T`` or ``P``, a Reber
string, the same letter again (``T`` or ``P``), then ``E``. Telling valid embedded strings
from corrupted ones needs a memory of the second letter all the way to the second-to-last
one: a good test of an RNN's long-range memory.

Your tasks:
1. generate valid strings (``generate_string``) and corrupted ones
   (``generate_corrupted_string``);
2. turn strings into ids (``string_to_ids``) and build a labelled data set
   (``generate_dataset``);
3. train a Keras RNN classifier, save it beside this file as ``reber.keras``, and write
   ``predict`` so that it loads that file and returns P(valid) for each string.

Check your work with ``seqgrade check reber this_file.py``.

Randomness: every random choice must come from the ``rng`` argument (a
``numpy.random.Generator``: ``rng.integers``, ``rng.choice``, ``rng.random``...). Do not
use the ``random`` module or ``np.random.seed``: the grader passes its own generators and
expects to be able to reproduce your strings.
"""

from __future__ import annotations

import numpy as np

POSSIBLE_CHARS = "BEPSTVX"

# A grammar is a list of states. Each state is a list of (production, next_state) pairs;
# a production is a letter or a whole grammar (to be expanded recursively); next_state None
# means the string is complete. From each state, every pair is equally likely.
default_reber_grammar = [
    [("B", 1)],  # (state 0) =B=> (state 1)
    [("T", 2), ("P", 3)],  # (state 1) =T=> (state 2) or =P=> (state 3)
    [("S", 2), ("X", 4)],  # (state 2) =S=> (state 2) or =X=> (state 4)
    [("T", 3), ("V", 5)],  # and so on...
    [("X", 3), ("S", 6)],
    [("P", 4), ("V", 6)],
    [("E", None)],  # (state 6) =E=> (end of the string)
]

embedded_reber_grammar = [
    [("B", 1)],
    [("T", 2), ("P", 3)],
    [(default_reber_grammar, 4)],
    [(default_reber_grammar, 5)],
    [("T", 6)],
    [("P", 6)],
    [("E", None)],
]


def generate_string(grammar, rng: np.random.Generator) -> str:
    """Walk ``grammar`` from state 0 and return the string it produces.

    At each state pick one of its ``(production, next_state)`` pairs uniformly at random
    with ``rng``. If the production is itself a grammar (a list), expand it recursively
    with the same ``rng``. Stop when ``next_state`` is None.

    Example: ``generate_string(default_reber_grammar, np.random.default_rng(0))`` returns
    a string such as ``"BTXSE"`` (every branch possible: loops such as ``S`` in state 2
    may repeat any number of times, so do not cap them).
    """
    raise NotImplementedError


def generate_corrupted_string(grammar, rng: np.random.Generator,
                              chars: str = POSSIBLE_CHARS) -> str:
    """A string that is *almost* valid: one letter of a valid string replaced by another.

    Generate a valid string, pick one position, and replace its letter with a *different*
    letter of ``chars``. Pitfall: a replacement can occasionally produce another valid
    string (or keep the same letter, if you are not careful): the result must be invalid.
    """
    raise NotImplementedError


def string_to_ids(s: str, chars: str = POSSIBLE_CHARS) -> list[int]:
    """The id of each letter of ``s``: its index in ``chars`` (``"BTE"`` → ``[0, 4, 1]``).

    A letter that is not in ``chars`` is an error: raise ValueError.
    """
    raise NotImplementedError


def generate_dataset(size: int, rng: np.random.Generator) -> tuple[list[list[int]], np.ndarray]:
    """A labelled data set of ``size`` embedded Reber strings, as ids.

    Returns ``(sequences, labels)``: ``sequences`` is a list of ``size`` lists of ids
    (``string_to_ids``); exactly ``size // 2`` of them are valid embedded strings (label
    1.0) and the rest are corrupted ones (label 0.0). ``labels`` is a float numpy array of
    shape ``(size,)`` or ``(size, 1)``. Sequences have different lengths: keep them as
    lists here; pad them when you feed a model.
    """
    raise NotImplementedError


def predict(strings: list[str]) -> np.ndarray:
    """P(valid) for each string, from your trained model saved beside this file.

    Load the model with ``keras.models.load_model(HERE / "reber.keras")`` (once, then keep
    it in a global), where ``HERE`` is the folder of this file, or of your notebook::

        try:
            HERE = Path(__file__).resolve().parent  # a script
        except NameError:  # Jupyter defines no __file__: it runs in the notebook's folder
            HERE = Path.cwd()

    (``checkers.model_path("reber.keras")`` gives the same path.) Return a float array of
    shape ``(n,)`` or ``(n, 1)`` with values in [0, 1].

    Pitfalls the grader checks: strings have different lengths, so pad them with a padding
    id that is not a letter (e.g. ids + 1, padding 0) and make the model ignore the padding
    (``Embedding(..., mask_zero=True)``); otherwise the answer for a string depends on
    which other strings share its batch. The answer must not depend on the order of the
    strings either. Keras 3 RNN layers do not take ragged tensors.
    """
    raise NotImplementedError
