"""Exercise ``dates``: convert dates between formats with an encoder-decoder (HOML 16, ex. 9).

Train an encoder-decoder model that converts a date written out in English, such as
``"April 22, 2019"``, into its ISO form ``"2019-04-22"``, one character at a time. You will
build it three ways and compare:

1. **v1, the simplest encoder-decoder.** An encoder (``Embedding`` then ``LSTM``) reads the
   input and returns one vector; ``RepeatVector(10)`` copies that vector once per output
   character; a decoder (``LSTM(..., return_sequences=True)`` then ``Dense`` with a softmax)
   turns each copy into a character. Input: ids of shape ``(batch, input_length)``; output:
   probabilities of shape ``(batch, 10, len(OUTPUT_CHARS) + 1)``.
2. **v2, teacher forcing.** The decoder also reads the target sequence *shifted one step
   to the right* (a start-of-sequence id first), and starts from the encoder's final state
   (``LSTM(return_state=True)`` gives it; pass it as ``initial_state``). The model has two
   inputs: ``[encoder ids, shifted target ids]``. At inference time there are no targets:
   decode autoregressively, feeding the decoder what it predicted so far.
3. **Beam search** over v2: keep the ``beam_width`` best partial outputs at each step, scored
   by the sum of the log-probabilities of their characters.

Conventions (the grader relies on them):

* Inputs: ``"<Month> DD, YYYY"``: month spelled out (see ``MONTHS``), day on two digits
  (``"May 02, 2020"``), year on four digits, dates from 1000-01-01 to 9999-12-31.
  Inputs are 12 (``"May 01, 1000"``) to 18 (``"September 30, 9999"``) characters long.
* Targets: ISO dates ``"YYYY-MM-DD"`` (always 10 characters).
* Ids fed to a model are character indices **+ 1**: id 0 is reserved for padding.
  ``SOS_ID`` (start of sequence) is one more than the last output character id.

The padding pitfall: if an encoder has no mask (``mask_zero=False``), the padding zeros are
real inputs to its LSTM. A model trained on batches padded to 18 characters then sees
something new when a batch holds only short dates and is padded to, say, 12. Decide how your
inference functions pad, and check your model on a batch of short dates *alone*.

Save your trained models beside this file or notebook (e.g. ``HERE / "dates_v1.keras"``, with
``HERE = Path(__file__).resolve().parent`` in a script and ``Path.cwd()`` in Jupyter, which
defines no ``__file__``; ``checkers.model_path("dates_v1.keras")`` does both) and load them
lazily inside the functions: the grader only calls the functions below. Use
Keras 3 (``import keras``), no Lambda layers (``keras.models.load_model`` refuses them).
"""

from __future__ import annotations

from typing import Any

import numpy as np

MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
INPUT_CHARS = "".join(sorted(set("".join(MONTHS) + "0123456789, ")))
OUTPUT_CHARS = "0123456789-"
SOS_ID = len(OUTPUT_CHARS) + 1


def random_dates(n: int, rng: np.random.Generator) -> tuple[list[str], list[str]]:
    """Draw ``n`` random days and return ``(inputs, targets)``, two lists of ``n`` strings.

    Draw the days uniformly over 1000-01-01 ... 9999-12-31 (hint: ``datetime.date``
    has ``toordinal``/``fromordinal``), using only ``rng`` for randomness (e.g.
    ``rng.integers``) so that the same generator state gives the same dates.

    ``inputs[i]`` is like ``"May 02, 2020"`` (month name from ``MONTHS``, day zero-padded to
    two digits, a comma, a four-digit year) and ``targets[i]`` is the ISO date of the same
    day, ``"2020-05-02"``. Mind that ``MONTHS`` is indexed from 0 and months from 1.
    """
    raise NotImplementedError


def date_str_to_ids(date_str: str, chars: str = INPUT_CHARS) -> list[int]:
    """The position of each character of ``date_str`` in ``chars``, as a list of ints.

    Plain positions (``chars.index(c)``), *without* the +1: ``prepare_date_strs`` adds it.
    Example: with ``chars="0123456789-"``, ``"20-1"`` gives ``[2, 0, 10, 1]``.
    """
    raise NotImplementedError


def prepare_date_strs(date_strs: list[str], chars: str = INPUT_CHARS) -> np.ndarray:
    """Turn a batch of strings into a 2-D integer array of model ids.

    Row ``i`` holds ``date_str_to_ids(date_strs[i], chars)`` with 1 added to every id, then
    zeros (padding) on the **right** up to the length of the longest string of the batch:
    shape ``(len(date_strs), longest)``. With ``chars=OUTPUT_CHARS`` this also encodes the
    targets (10 columns, no padding).
    """
    raise NotImplementedError


def ids_to_date_strs(ids: Any, chars: str = OUTPUT_CHARS) -> list[str]:
    """Decode a batch of id rows (2-D array or nested lists) into strings.

    Id ``i`` stands for ``("?" + chars)[i]``: ids are positions + 1, and a 0 (padding, or a
    model that predicted padding) shows as ``"?"``. Decode every id of every row (do not stop
    at the first 0), e.g. ``[[3, 1, 11, 0]]`` gives ``["20-?"]``.
    """
    raise NotImplementedError


def shifted_output_sequences(Y: Any) -> np.ndarray:  # noqa: N803 (the book's name)
    """The decoder inputs for teacher forcing, from target ids ``Y`` of shape ``(n, length)``.

    The decoder must predict ``Y[:, t]`` after reading the targets *before* step ``t``: so its
    input at step 0 is ``SOS_ID`` and at step ``t`` it is ``Y[:, t - 1]``. Return an integer
    array of the same shape as ``Y``. Think about which end of each row gets dropped, and why
    a start id of 0 would be a bad idea.
    """
    raise NotImplementedError


def convert_date_strs(date_strs: list[str]) -> list[str]:
    """Convert a batch of input dates with your v1 model (encoder → RepeatVector → decoder).

    Returns one ISO date string per input, in order. Must work for any batch, including a
    batch of a single short date such as ``["May 01, 1000"]`` (see the padding pitfall in the
    module docstring). Take the most likely character at each of the 10 output positions.
    """
    raise NotImplementedError


def predict_date_strs(date_strs: list[str]) -> list[str]:
    """Convert a batch of input dates with your v2 model and greedy autoregressive decoding.

    Start every decoder input with ``SOS_ID``; at each step run the model, take the most
    likely next character, append it to the decoder input, and go on for 10 steps. Return the
    decoded strings (without the start id). Decode the whole batch at once: one model call
    per output step, not per date.
    """
    raise NotImplementedError


def beam_search(date_str: str, beam_width: int) -> list[tuple[str, float]]:
    """Beam search over your v2 model for one input date.

    Returns exactly ``beam_width`` distinct candidates ``(output_string, log_probability)``,
    best (highest log-probability) first. A candidate's log-probability is the sum of the
    natural logs of the probabilities the decoder gave to each of its characters, so it is
    ≤ 0. With ``beam_width=1`` the result is greedy decoding. At each step, extend every
    kept candidate by every possible character and keep the ``beam_width`` best.
    """
    raise NotImplementedError
