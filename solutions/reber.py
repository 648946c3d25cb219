"""Reference solution of the `reber` exercise (HOML ch. 16, exercise 8).

The classifier is an Embedding (with ``mask_zero``) + GRU + sigmoid Dense, trained by
``solutions/train_reber.py`` and saved beside this file as ``reber.keras``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

POSSIBLE_CHARS = "BEPSTVX"

default_reber_grammar = [
    [("B", 1)],  # (state 0) =B=> (state 1)
    [("T", 2), ("P", 3)],  # (state 1) =T=> (state 2) or =P=> (state 3)
    [("S", 2), ("X", 4)],
    [("T", 3), ("V", 5)],
    [("X", 3), ("S", 6)],
    [("P", 4), ("V", 6)],
    [("E", None)],  # (state 6) =E=> (end)
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

MODEL_PATH = Path(__file__).with_name("reber.keras")
_model = None


def generate_string(grammar, rng: np.random.Generator) -> str:
    """A random string of ``grammar``: at each state, pick one production uniformly."""
    state = 0
    output = []
    while state is not None:
        index = int(rng.integers(len(grammar[state])))
        production, state = grammar[state][index]
        if isinstance(production, list):
            production = generate_string(production, rng)
        output.append(production)
    return "".join(output)


def generate_corrupted_string(grammar, rng: np.random.Generator, chars: str = POSSIBLE_CHARS
                              ) -> str:
    """A valid string with one letter replaced by a different one, such that it is invalid.

    Some substitutions happen to give another valid string; those are drawn again.
    """
    while True:
        good_string = generate_string(grammar, rng)
        index = int(rng.integers(len(good_string)))
        good_char = good_string[index]
        bad_char = str(rng.choice(sorted(set(chars) - {good_char})))
        candidate = good_string[:index] + bad_char + good_string[index + 1:]
        if not _is_valid(candidate, grammar):
            return candidate


def _matches(grammar, state, s: str, position: int) -> set[int]:
    """Positions where a derivation of ``grammar`` from ``state`` can end, starting at position."""
    if state is None:
        return {position}
    ends: set[int] = set()
    for production, next_state in grammar[state]:
        if isinstance(production, list):
            for middle in _matches(production, 0, s, position):
                ends |= _matches(grammar, next_state, s, middle)
        elif s.startswith(production, position):
            ends |= _matches(grammar, next_state, s, position + len(production))
    return ends


def _is_valid(s: str, grammar) -> bool:
    return len(s) in _matches(grammar, 0, s, 0)


def string_to_ids(s: str, chars: str = POSSIBLE_CHARS) -> list[int]:
    """The index of each letter of ``s`` in ``chars`` (ValueError for an unknown letter)."""
    return [chars.index(c) for c in s]


def generate_dataset(size: int, rng: np.random.Generator) -> tuple[list[list[int]], np.ndarray]:
    """``size // 2`` valid embedded strings then the rest corrupted, as ids, with labels."""
    good = [string_to_ids(generate_string(embedded_reber_grammar, rng))
            for _ in range(size // 2)]
    bad = [string_to_ids(generate_corrupted_string(embedded_reber_grammar, rng))
           for _ in range(size - size // 2)]
    labels = np.array([1.0] * len(good) + [0.0] * len(bad), dtype=np.float32)
    return good + bad, labels


def pad_ids(sequences: list[list[int]]) -> np.ndarray:
    """Ids shifted by one (0 is padding) and right-padded to the longest sequence."""
    width = max((len(s) for s in sequences), default=1)
    padded = np.zeros((len(sequences), max(width, 1)), dtype=np.int32)
    for row, ids in enumerate(sequences):
        padded[row, : len(ids)] = np.asarray(ids, dtype=np.int32) + 1
    return padded


def build_model(embedding_size: int = 5, units: int = 30):
    """Embedding with masking, a GRU, and a sigmoid output: P(string is valid)."""
    import keras

    return keras.Sequential([
        keras.Input(shape=(None,), dtype="int32"),
        keras.layers.Embedding(len(POSSIBLE_CHARS) + 1, embedding_size, mask_zero=True),
        keras.layers.GRU(units),
        keras.layers.Dense(1, activation="sigmoid"),
    ])


def _load_model():
    global _model
    if _model is None:
        import keras

        _model = keras.models.load_model(MODEL_PATH)
    return _model


def predict(strings: list[str]) -> np.ndarray:
    """P(valid) for each string, from the trained model saved beside this file."""
    if not strings:
        return np.zeros((0,), dtype=np.float32)
    model = _load_model()
    x = pad_ids([string_to_ids(s) for s in strings])
    return model.predict(x, batch_size=256, verbose=0).reshape(-1)
