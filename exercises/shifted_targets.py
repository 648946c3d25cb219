"""Exercise: the unshifted-target bug of the Keras character-level seq2seq example.

Context
=======
The Keras example ``lstm_seq2seq`` ("Character-level recurrent sequence-to-sequence
model") translates short English sentences into French, one character at a time:

- every target text is wrapped as ``"\\t" + french + "\\n"``: ``"\\t"`` is the start
  character, ``"\\n"`` the end character;
- characters are one-hot vectors; ``input_token_index`` and ``target_token_index`` map
  each character to its position in those vectors (built once from the whole data set);
- texts are shorter than the longest one, so every step after a text is padded with the
  space character ``" "`` (one-hot too);
- the model (see :func:`build_training_model`) has an LSTM encoder whose final states
  start an LSTM decoder; the decoder reads ``decoder_input_data`` and is trained, with a
  softmax over the target characters, to output ``decoder_target_data``.

This is *teacher forcing*: while training, the decoder is fed the true text, step by
step, and is asked at each step for what it should produce there. At inference time there
is no true text: the decoder is fed ``"\\t"``, its own prediction comes back as its next
input, and decoding stops at ``"\\n"`` (greedy decoding, see ``decode_sequence`` in the
example).

The bug
=======
A learner wrote the data preparation in :func:`buggy_vectorize` (below, runnable). With
it, training looks great::

    Epoch 100/100 - accuracy: 0.98 - loss: 0.04 - val_accuracy: 0.97

but decoding gives near-random text (often a run of blank-looking characters) for every
sentence, including the training ones. Find out why, then:

1. write :func:`vectorize`, the correct data preparation;
2. write :func:`targets_are_shifted`, a detector a course could run on any learner's
   arrays before training.

The grader checks your arrays on many generated text pairs, runs your detector on
correct and misaligned arrays, and finally trains its own small encoder-decoder on the
arrays your ``vectorize`` returns for a toy task, decodes greedily, and tells you both
figures: the accuracy seen while training, and the exact-match of free-running decoding.

Work with numpy only in the two functions you write (no Keras needed to solve this).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

START_CHAR = "\t"
END_CHAR = "\n"
PAD_CHAR = " "


def build_training_model(num_encoder_tokens: int, num_decoder_tokens: int, latent_dim: int = 256):
    """The model of the Keras example (given, for context and for your own experiments).

    Inputs: ``encoder_input_data`` of shape ``(n, max_encoder_seq_length,
    num_encoder_tokens)`` and ``decoder_input_data`` of shape ``(n, max_decoder_seq_length,
    num_decoder_tokens)``; output: one softmax per decoder step, compared with
    ``decoder_target_data`` (same shape as the decoder input) by
    ``categorical_crossentropy``. Train it with
    ``model.fit([encoder_input_data, decoder_input_data], decoder_target_data, ...)``.
    """
    import keras  # imported here so that this module loads without TensorFlow

    encoder_inputs = keras.Input(shape=(None, num_encoder_tokens))
    _, state_h, state_c = keras.layers.LSTM(latent_dim, return_state=True)(encoder_inputs)
    decoder_inputs = keras.Input(shape=(None, num_decoder_tokens))
    decoder_lstm = keras.layers.LSTM(latent_dim, return_sequences=True, return_state=True)
    decoder_outputs, _, _ = decoder_lstm(decoder_inputs, initial_state=[state_h, state_c])
    decoder_outputs = keras.layers.Dense(num_decoder_tokens, activation="softmax")(
        decoder_outputs
    )
    model = keras.Model([encoder_inputs, decoder_inputs], decoder_outputs)
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def buggy_vectorize(
    input_texts: Sequence[str],
    target_texts: Sequence[str],
    input_token_index: Mapping[str, int],
    target_token_index: Mapping[str, int],
    max_encoder_seq_length: int,
    max_decoder_seq_length: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The learner's data preparation (given): it runs, it trains, and it is wrong.

    Same arguments and return value as :func:`vectorize`. Read it next to the model: at
    step ``t``, what does the decoder read, and what is it asked to output?
    """
    n = len(input_texts)
    encoder_input_data = np.zeros(
        (n, max_encoder_seq_length, len(input_token_index)), dtype="float32"
    )
    decoder_input_data = np.zeros(
        (n, max_decoder_seq_length, len(target_token_index)), dtype="float32"
    )
    decoder_target_data = np.zeros(
        (n, max_decoder_seq_length, len(target_token_index)), dtype="float32"
    )
    for i, (input_text, target_text) in enumerate(zip(input_texts, target_texts, strict=True)):
        for t, char in enumerate(input_text):
            encoder_input_data[i, t, input_token_index[char]] = 1.0
        encoder_input_data[i, len(input_text) :, input_token_index[" "]] = 1.0
        for t, char in enumerate(target_text):
            decoder_input_data[i, t, target_token_index[char]] = 1.0
            decoder_target_data[i, t, target_token_index[char]] = 1.0
        decoder_input_data[i, len(target_text) :, target_token_index[" "]] = 1.0
        decoder_target_data[i, len(target_text) :, target_token_index[" "]] = 1.0
    return encoder_input_data, decoder_input_data, decoder_target_data


def vectorize(
    input_texts: Sequence[str],
    target_texts: Sequence[str],
    input_token_index: Mapping[str, int],
    target_token_index: Mapping[str, int],
    max_encoder_seq_length: int,
    max_decoder_seq_length: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The three training arrays of the Keras example, correctly prepared.

    Args:
        input_texts: ``n`` source texts, e.g. ``["Go.", "Hi."]`` (no start/end characters).
        target_texts: ``n`` target texts that already start with ``"\\t"`` and end with
            ``"\\n"``, e.g. ``["\\tVa !\\n", "\\tSalut !\\n"]``. Don't add them again.
        input_token_index: character -> position in an encoder one-hot vector. Use it as
            given: its order is not necessarily alphabetical, and it may hold characters
            that none of these texts uses.
        target_token_index: character -> position in a decoder one-hot vector (holds
            ``"\\t"``, ``"\\n"`` and ``" "``).
        max_encoder_seq_length: number of encoder steps (≥ the longest input text).
        max_decoder_seq_length: number of decoder steps (≥ the longest target text,
            start and end characters included).

    Returns:
        ``(encoder_input_data, decoder_input_data, decoder_target_data)``, numpy float32
        arrays of shapes ``(n, max_encoder_seq_length, len(input_token_index))``,
        ``(n, max_decoder_seq_length, len(target_token_index))`` and the same again.
        Every step of every array is one-hot (exactly one 1.0). A step that holds no
        character of the text is the space character, not a row of zeros.

    Pitfalls: think about what the decoder reads at step ``t`` and what it must *predict*
    there (what would it be fed at step ``t + 1`` at inference time?); which array holds
    the start character and which one must not; where the end character ends up; where
    the padding starts in each of the three arrays. Texts may be exactly as long as the
    maximum (no padding step at all).
    """
    raise NotImplementedError


def targets_are_shifted(decoder_input_data: np.ndarray, decoder_target_data: np.ndarray) -> bool:
    """True when the decoder targets are correctly aligned with the decoder inputs.

    Args:
        decoder_input_data: array of shape ``(n, steps, vocab)``, one-hot (padding may be
            the space character or, in other people's code, rows of zeros).
        decoder_target_data: array of the same shape, built from the same texts.

    Returns:
        A Python ``bool`` (or ``numpy.bool_``): ``True`` only when the targets are what
        teacher forcing needs (see :func:`vectorize`), for every sample and every step
        where that can be judged; ``False`` for targets that are a copy of the inputs,
        or that are misaligned in any other way.

    You don't get the token index: decide from the arrays alone. Pitfall: "the targets
    differ from the inputs" or "the targets never hold the start character" are not
    enough: targets can be misaligned in more than one way.
    """
    raise NotImplementedError
