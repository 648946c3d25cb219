"""Independent oracle for the ``shifted_targets`` exercise.

Written from the definition of the Keras ``lstm_seq2seq`` data layout, not from the
reference solution: one-hot float32 arrays; ``" "`` pads every step after the text;
the decoder input is the target text (``"\\t"`` ... ``"\\n"``) and the decoder target
is the same text one step ahead (``target[t] = text[t + 1]``), so the target never
holds ``"\\t"`` and is padding from step ``len(text) - 1`` on.

Also here: turning one-hot rows back into characters for feedback, and the four kinds
of decoder arrays the detector is judged on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

START = "\t"
END = "\n"
PAD = " "

ZERO_ROW = "∅"  # how an all-zero row is shown in feedback
NOT_ONE_HOT = "?"  # how any other row that is not exactly one-hot is shown

# Ways of building decoder targets from decoder inputs, for the detector check.
KINDS = ("shifted", "unshifted", "wrong_direction", "off_by_two")


def one_hot_text(text: str, index: Mapping[str, int], length: int, *, shift: int = 0) -> np.ndarray:
    """``(length, len(index))`` float32 one-hot of ``text[t + shift]``, space after the text.

    Steps whose position ``t + shift`` falls outside the text are padding (``" "``).
    """
    rows = np.zeros((length, len(index)), dtype=np.float32)
    for t in range(length):
        position = t + shift
        char = text[position] if 0 <= position < len(text) else PAD
        rows[t, index[char]] = 1.0
    return rows


def expected_arrays(
    input_texts: Sequence[str],
    target_texts: Sequence[str],
    input_token_index: Mapping[str, int],
    target_token_index: Mapping[str, int],
    max_encoder_seq_length: int,
    max_decoder_seq_length: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The correct ``(encoder_input, decoder_input, decoder_target)`` arrays."""
    encoder = np.stack(
        [one_hot_text(s, input_token_index, max_encoder_seq_length) for s in input_texts]
    )
    decoder_in = np.stack(
        [one_hot_text(s, target_token_index, max_decoder_seq_length) for s in target_texts]
    )
    decoder_out = np.stack(
        [one_hot_text(s, target_token_index, max_decoder_seq_length, shift=1) for s in target_texts]
    )
    return encoder, decoder_in, decoder_out


def decode_rows(rows: np.ndarray, index: Mapping[str, int]) -> list[str]:
    """One character per row: the one-hot char, ``ZERO_ROW`` or ``NOT_ONE_HOT``."""
    chars = {i: c for c, i in index.items()}
    out = []
    values = np.asarray(rows, dtype=np.float64)
    for row in values:
        ones = np.flatnonzero(row == 1.0)
        if len(ones) == 1 and np.count_nonzero(row) == 1:
            out.append(chars.get(int(ones[0]), NOT_ONE_HOT))
        elif not np.any(row):
            out.append(ZERO_ROW)
        else:
            out.append(NOT_ONE_HOT)
    return out


def show(chars: Sequence[str]) -> str:
    """A readable rendering of decoded rows, e.g. ``['\\t', 'a', '\\n', ' ']``."""
    return "[" + ", ".join(c if c in (ZERO_ROW, NOT_ONE_HOT) else repr(c) for c in chars) + "]"


def is_one_hot(array: np.ndarray) -> np.ndarray:
    """Boolean mask over the last axis: rows with exactly one 1.0 and zeros elsewhere."""
    values = np.asarray(array, dtype=np.float64)
    return (np.count_nonzero(values == 1.0, axis=-1) == 1) & (
        np.count_nonzero(values, axis=-1) == 1
    )


def targets_from_inputs(decoder_input: np.ndarray, kind: str, pad_row: np.ndarray) -> np.ndarray:
    """Decoder targets built from ``decoder_input`` in one of the ``KINDS`` of alignment.

    ``shifted``: ``target[t] = input[t + 1]`` (correct); ``unshifted``: a copy;
    ``wrong_direction``: ``target[t] = input[t - 1]``; ``off_by_two``:
    ``target[t] = input[t + 2]``. Steps with no source are filled with ``pad_row``.
    """
    offsets = {"shifted": 1, "unshifted": 0, "wrong_direction": -1, "off_by_two": 2}
    offset = offsets[kind]
    steps = decoder_input.shape[1]
    target = np.broadcast_to(pad_row, decoder_input.shape).copy()
    if offset >= 0:
        target[:, : steps - offset] = decoder_input[:, offset:]
    else:
        target[:, -offset:] = decoder_input[:, : steps + offset]
    return target


def is_shifted(decoder_input: np.ndarray, decoder_target: np.ndarray) -> bool:
    """The detector's definition: every target step but the last equals the next input step."""
    return bool(np.array_equal(decoder_target[:, :-1], decoder_input[:, 1:]))
