"""The toy task of the ``shifted_targets.functional`` check: reverse short strings.

The grader knows every answer, so it can score what a model trained on a student's
arrays decodes. Everything here is plain Python + numpy (no TensorFlow), so the grader
process can build the task and call the student's ``vectorize`` without importing Keras.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from checkers.exercises.shifted_targets.oracle import END, PAD, START

ALPHABET = "abcd"


@dataclass(frozen=True)
class ToyTask:
    """Text pairs in the Keras ``lstm_seq2seq`` layout, with the answers the grader expects."""

    input_texts: tuple[str, ...]
    target_texts: tuple[str, ...]  # "\t" + answer + "\n"
    answers: tuple[str, ...]
    input_token_index: dict[str, int]
    target_token_index: dict[str, int]
    max_encoder_seq_length: int
    max_decoder_seq_length: int

    def vectorize_args(self) -> tuple:
        """The positional arguments of ``vectorize(...)`` for this task (plain data)."""
        return (
            list(self.input_texts),
            list(self.target_texts),
            dict(self.input_token_index),
            dict(self.target_token_index),
            self.max_encoder_seq_length,
            self.max_decoder_seq_length,
        )


def make_toy_task(seed: int, size: int = 400, max_length: int = 4) -> ToyTask:
    """``size`` random strings over ``ALPHABET`` (1 to ``max_length`` chars) and their reverses.

    The token indexes are built as in the Keras example (sorted characters, the space
    included for padding); the maximum lengths are those of the longest possible texts.
    """
    rng = np.random.default_rng(seed)
    letters = np.array(list(ALPHABET))
    inputs = tuple(
        "".join(rng.choice(letters, size=int(rng.integers(1, max_length + 1)))) for _ in range(size)
    )
    answers = tuple(s[::-1] for s in inputs)
    input_chars = sorted(set(ALPHABET) | {PAD})
    target_chars = sorted(set(ALPHABET) | {PAD, START, END})
    return ToyTask(
        input_texts=inputs,
        target_texts=tuple(START + a + END for a in answers),
        answers=answers,
        input_token_index={c: i for i, c in enumerate(input_chars)},
        target_token_index={c: i for i, c in enumerate(target_chars)},
        max_encoder_seq_length=max_length,
        max_decoder_seq_length=max_length + 2,
    )
