"""Reference solution of the ``shifted_targets`` exercise (Keras ``lstm_seq2seq`` data).

The decoder input is the target text (``"\\t"`` ... ``"\\n"``); the decoder target is the
same text one step ahead, so at step ``t`` the decoder reads ``text[t]`` and learns to
predict ``text[t + 1]``. Every step after a text is the space character.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

START_CHAR = "\t"
END_CHAR = "\n"
PAD_CHAR = " "


def vectorize(
    input_texts: Sequence[str],
    target_texts: Sequence[str],
    input_token_index: Mapping[str, int],
    target_token_index: Mapping[str, int],
    max_encoder_seq_length: int,
    max_decoder_seq_length: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One-hot ``(encoder_input_data, decoder_input_data, decoder_target_data)``, float32.

    Shapes: ``(n, max_encoder_seq_length, len(input_token_index))`` for the encoder and
    ``(n, max_decoder_seq_length, len(target_token_index))`` for both decoder arrays.
    ``decoder_target_data[i, t]`` is ``decoder_input_data[i, t + 1]``: the target is one
    step ahead and never holds the start character.
    """
    n = len(input_texts)
    encoder_input_data = np.zeros(
        (n, max_encoder_seq_length, len(input_token_index)), dtype=np.float32
    )
    decoder_input_data = np.zeros(
        (n, max_decoder_seq_length, len(target_token_index)), dtype=np.float32
    )
    decoder_target_data = np.zeros_like(decoder_input_data)
    for i, (input_text, target_text) in enumerate(zip(input_texts, target_texts, strict=True)):
        for t, char in enumerate(input_text):
            encoder_input_data[i, t, input_token_index[char]] = 1.0
        encoder_input_data[i, len(input_text) :, input_token_index[PAD_CHAR]] = 1.0
        for t, char in enumerate(target_text):
            decoder_input_data[i, t, target_token_index[char]] = 1.0
            if t > 0:
                # One step ahead: what the decoder must predict after reading text[t - 1].
                decoder_target_data[i, t - 1, target_token_index[char]] = 1.0
        decoder_input_data[i, len(target_text) :, target_token_index[PAD_CHAR]] = 1.0
        decoder_target_data[i, max(len(target_text) - 1, 0) :, target_token_index[PAD_CHAR]] = 1.0
    return encoder_input_data, decoder_input_data, decoder_target_data


def targets_are_shifted(decoder_input_data: np.ndarray, decoder_target_data: np.ndarray) -> bool:
    """True when every target step but the last equals the next decoder input step.

    That is ``decoder_target_data[:, t] == decoder_input_data[:, t + 1]`` for every
    ``t < T - 1`` (the padding steps included, since the padding is shifted too).
    """
    decoder_input_data = np.asarray(decoder_input_data)
    decoder_target_data = np.asarray(decoder_target_data)
    if decoder_input_data.shape != decoder_target_data.shape or decoder_input_data.ndim != 3:
        return False
    return bool(np.array_equal(decoder_target_data[:, :-1], decoder_input_data[:, 1:]))
