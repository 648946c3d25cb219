"""The Reber grammars, written from their definition as transition tables, and a recognizer.

Independent of ``solutions/``: the grammar is the automaton of Reber (1967) as drawn in
Géron's *Hands-On ML* (ch. 16, exercise 8). The embedded grammar is
``B (T <reber> T | P <reber> P) E``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

CHARS = "BEPSTVX"

# state -> {letter: next state}; the state after "E" is final (None).
REBER_TRANSITIONS: dict[int, dict[str, int | None]] = {
    0: {"B": 1},
    1: {"T": 2, "P": 3},
    2: {"S": 2, "X": 4},
    3: {"T": 3, "V": 5},
    4: {"X": 3, "S": 6},
    5: {"P": 4, "V": 6},
    6: {"E": None},
}
# The states where the generator chooses between two branches (each taken with p = 1/2).
CHOICE_STATES = (1, 2, 3, 4, 5)


def reber_path(s: str) -> list[tuple[int, str]] | None:
    """The (state, letter) steps of ``s`` through the Reber automaton, or None if invalid."""
    state: int | None = 0
    steps = []
    for letter in s:
        if state is None:
            return None
        following = REBER_TRANSITIONS[state]
        if letter not in following:
            return None
        steps.append((state, letter))
        state = following[letter]
    return steps if state is None else None


def is_reber(s: str) -> bool:
    """Whether ``s`` is a string of the (plain) Reber grammar."""
    return reber_path(s) is not None


def is_embedded_reber(s: str) -> bool:
    """Whether ``s`` is a string of the embedded Reber grammar."""
    return (
        len(s) >= 7
        and s[0] == "B"
        and s[1] in "TP"
        and s[-2] == s[1]
        and s[-1] == "E"
        and is_reber(s[2:-2])
    )


def one_substitution_from(s: str, accept, chars: str = CHARS) -> bool:
    """Whether replacing exactly one letter of ``s`` by another of ``chars`` gives a string
    that ``accept`` accepts."""
    for index, letter in enumerate(s):
        for other in chars:
            if other != letter and accept(s[:index] + other + s[index + 1:]):
                return True
    return False


def sample_reber(rng: np.random.Generator) -> str:
    """A random Reber string (each branch with probability 1/2)."""
    state: int | None = 0
    letters = []
    while state is not None:
        options = sorted(REBER_TRANSITIONS[state].items())
        letter, state = options[int(rng.integers(len(options)))]
        letters.append(letter)
    return "".join(letters)


def sample_embedded(rng: np.random.Generator, middle: str | None = None) -> str:
    """A random embedded Reber string (optionally around a given Reber string)."""
    branch = "TP"[int(rng.integers(2))]
    inner = middle if middle is not None else sample_reber(rng)
    return f"B{branch}{inner}{branch}E"


def corrupt(s: str, rng: np.random.Generator, accept) -> str:
    """``s`` with one letter replaced by a different one, such that ``accept`` rejects it."""
    while True:
        index = int(rng.integers(len(s)))
        other = rng.choice([c for c in CHARS if c != s[index]])
        candidate = s[:index] + str(other) + s[index + 1:]
        if not accept(candidate):
            return candidate


def hidden_set(rng: np.random.Generator, size: int) -> tuple[list[str], np.ndarray]:
    """A labelled set of embedded strings, half valid, half corrupted by one substitution."""
    good = [sample_embedded(rng) for _ in range(size // 2)]
    bad = [corrupt(sample_embedded(rng), rng, is_embedded_reber) for _ in range(size - size // 2)]
    strings = good + bad
    labels = np.array([1.0] * len(good) + [0.0] * len(bad))
    order = rng.permutation(len(strings))
    return [strings[i] for i in order], labels[order]


def long_range_set(rng: np.random.Generator, pairs: int, min_middle: int) -> tuple[
    list[str], np.ndarray
]:
    """Strings that differ only in their 2nd and 2nd-to-last letters, with long middles.

    For each long Reber middle m: BTmTE, BPmPE (valid) and BTmPE, BPmTE (invalid).
    """
    strings: list[str] = []
    labels: list[float] = []
    while len(strings) < 4 * pairs:
        middle = sample_reber(rng)
        if len(middle) < min_middle:
            continue
        for first, last in (("T", "T"), ("P", "P"), ("T", "P"), ("P", "T")):
            strings.append(f"B{first}{middle}{last}E")
            labels.append(1.0 if first == last else 0.0)
    return strings, np.array(labels)


def grammar_as_data(grammar: Sequence) -> list:
    """A grammar in the stub's format (lists of ``(production, next_state)`` tuples)."""
    return [[(p if isinstance(p, str) else grammar_as_data(p), n) for p, n in state]
            for state in grammar]


def default_grammar() -> list:
    """The Reber grammar in the stub's format, built from the transition table."""
    return [[(letter, nxt) for letter, nxt in REBER_TRANSITIONS[s].items()] for s in range(7)]


def embedded_grammar() -> list:
    """The embedded Reber grammar in the stub's format."""
    inner = default_grammar()
    return [[("B", 1)], [("T", 2), ("P", 3)], [(inner, 4)], [(inner, 5)],
            [("T", 6)], [("P", 6)], [("E", None)]]
