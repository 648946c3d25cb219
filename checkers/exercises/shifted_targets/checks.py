"""Checks of the ``shifted_targets`` exercise (the unshifted-target bug of ``lstm_seq2seq``).

Expected arrays come from :mod:`checkers.exercises.shifted_targets.oracle` (written from the data
layout of the Keras example), never from the reference solution. ``encoding`` judges
shapes, dtype, one-hot rows and padding; ``alignment`` judges only the real steps of each
text (so a padding or dtype slip costs points in one place); ``detector`` feeds
generated arrays to ``targets_are_shifted``; ``functional`` trains the grader's own
seq2seq on the student's arrays (:mod:`checkers.exercises.shifted_targets.trainer`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from hypothesis import strategies as st

from checkers.authoring import (
    Check,
    Context,
    Exercise,
    Outcome,
    Violation,
    expect_array,
    expect_bool,
    expect_tuple,
    linear_credit,
    run_property,
)
from checkers.authoring.thresholds import load_thresholds
from checkers.exercises.shifted_targets import oracle as oracle
from checkers.exercises.shifted_targets.oracle import END, PAD, START
from checkers.exercises.shifted_targets.trainer import TaskSpec, TrainConfig, evaluate_isolated

INPUT_POOL = "abcxyz .!"
TARGET_POOL = "abcdéü .-"
ARRAY_NAMES = ("encoder_input_data", "decoder_input_data", "decoder_target_data")
T = load_thresholds(Path(__file__).with_name("thresholds.toml"),
                    {"full_at": float, "zero_at": float})
FULL_AT = T["full_at"]
ZERO_AT = T["zero_at"]
# The grader trains its own seq2seq on the student's arrays (not a call of the submission).
TRAINER_TIMEOUT = 600.0


@dataclass(frozen=True)
class Case:
    """Arguments of one ``vectorize`` call."""

    input_texts: tuple[str, ...]
    target_texts: tuple[str, ...]
    input_token_index: dict[str, int]
    target_token_index: dict[str, int]
    max_encoder_seq_length: int
    max_decoder_seq_length: int

    def args(self) -> tuple:
        """Positional arguments, as plain data."""
        return (
            list(self.input_texts),
            list(self.target_texts),
            dict(self.input_token_index),
            dict(self.target_token_index),
            self.max_encoder_seq_length,
            self.max_decoder_seq_length,
        )

    def call_text(self) -> str:
        """The call as the student would write it."""
        return (
            f"vectorize({list(self.input_texts)!r}, {list(self.target_texts)!r}, "
            f"input_token_index={self.input_token_index!r}, "
            f"target_token_index={self.target_token_index!r}, "
            f"max_encoder_seq_length={self.max_encoder_seq_length}, "
            f"max_decoder_seq_length={self.max_decoder_seq_length})"
        )


@st.composite
def cases(draw: st.DrawFn) -> Case:
    """Text pairs in the Keras layout: 1-4 pairs, targets "\\t" + text + "\\n", token
    indexes in a shuffled order (with spare characters), lengths up to the maxima."""
    input_texts = draw(
        st.lists(st.text(INPUT_POOL, min_size=1, max_size=6), min_size=1, max_size=4)
    )
    inner = draw(
        st.lists(
            st.text(TARGET_POOL, max_size=6), min_size=len(input_texts), max_size=len(input_texts)
        )
    )
    target_texts = [START + s + END for s in inner]
    spare_in = draw(st.text(INPUT_POOL, max_size=2))
    spare_out = draw(st.text(TARGET_POOL, max_size=2))
    input_chars = sorted(set("".join(input_texts)) | set(spare_in) | {PAD})
    target_chars = sorted(set("".join(target_texts)) | set(spare_out) | {PAD, START, END})
    input_order = draw(st.permutations(input_chars))
    target_order = draw(st.permutations(target_chars))
    return Case(
        input_texts=tuple(input_texts),
        target_texts=tuple(target_texts),
        input_token_index={c: i for i, c in enumerate(input_order)},
        target_token_index={c: i for i, c in enumerate(target_order)},
        max_encoder_seq_length=max(map(len, input_texts)) + draw(st.integers(0, 2)),
        max_decoder_seq_length=max(map(len, target_texts)) + draw(st.integers(0, 2)),
    )


EXPLICIT_CASES = [
    # a text as long as the maximum (no padding at all) beside a short one
    Case(
        ("ab", "x"),
        ("\tc\n", "\tabc\n"),
        {" ": 0, "a": 1, "b": 2, "x": 3},
        {"\t": 0, "\n": 1, " ": 2, "a": 3, "b": 4, "c": 5},
        2,
        5,
    ),
    # an empty target text, and maxima beyond every text
    Case(("a",), ("\t\n",), {" ": 0, "a": 1}, {"\t": 0, "\n": 1, " ": 2, "a": 3}, 3, 4),
]


def _vectorize(ctx: Context, case: Case) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Call ``vectorize`` and validate: a 3-tuple of numeric arrays of the right shapes."""
    what = "vectorize(...)"
    got = expect_tuple(ctx.call("vectorize", *case.args()), what, 3)
    n = len(case.input_texts)
    shapes = (
        (n, case.max_encoder_seq_length, len(case.input_token_index)),
        (n, case.max_decoder_seq_length, len(case.target_token_index)),
        (n, case.max_decoder_seq_length, len(case.target_token_index)),
    )
    return tuple(  # type: ignore[return-value]
        expect_array(a, f"{what} ({name})", shape=shape, finite=False)
        for a, name, shape in zip(got, ARRAY_NAMES, shapes, strict=True)
    )


def _rows(array: np.ndarray, i: int, index: dict[str, int]) -> list[str]:
    return oracle.decode_rows(array[i], index)


# ----------------------------------------------------------------------------- encoding


def _padding_start(chars: Sequence[str], fallback: int) -> int:
    """Where padding starts in a decoder row: after its first "\\n" (else ``fallback``)."""
    return chars.index(END) + 1 if END in chars else fallback


def _check_encoding_case(ctx: Context, case: Case) -> None:
    arrays = _vectorize(ctx, case)
    call = case.call_text()
    for name, array in zip(ARRAY_NAMES, arrays, strict=True):
        if array.dtype != np.float32:
            raise Violation(
                f"{call}: {name} has dtype {array.dtype}; the Keras example builds float32 "
                f"arrays (np.zeros(..., dtype='float32'))"
            )
    indexes = (case.input_token_index, case.target_token_index, case.target_token_index)
    for name, array, index in zip(ARRAY_NAMES, arrays, indexes, strict=True):
        good = oracle.is_one_hot(array)
        if not good.all():
            i, t = (int(v) for v in np.argwhere(~good)[0])
            kind = "all zeros" if not np.any(array[i, t]) else f"{array[i, t].tolist()}"
            hint = (
                " (padding must be the one-hot space character, not a zero row)"
                if kind == "all zeros"
                else ""
            )
            raise Violation(
                f"{call}: {name}[{i}, {t}] is {kind}; every step must be one-hot "
                f"(a single 1.0){hint}. Sample {i} reads {oracle.show(_rows(array, i, index))}"
            )
    encoder, decoder_in, decoder_out = arrays
    for i, text in enumerate(case.input_texts):
        got = _rows(encoder, i, case.input_token_index)
        want = list(text) + [PAD] * (case.max_encoder_seq_length - len(text))
        if got != want:
            raise Violation(
                f"{call}: encoder_input_data[{i}] reads {oracle.show(got)}; expected "
                f"{oracle.show(want)} (the input text, then the space character on every "
                f"step after it)"
            )
    for name, array in (("decoder_input_data", decoder_in), ("decoder_target_data", decoder_out)):
        for i, text in enumerate(case.target_texts):
            got = _rows(array, i, case.target_token_index)
            start = _padding_start(got, len(text))
            if any(c != PAD for c in got[start:]):
                raise Violation(
                    f"{call}: {name}[{i}] reads {oracle.show(got)}; every step after the "
                    f"end character '\\n' must be the space character (padding)"
                )


def check_encoding(ctx: Context) -> Outcome:
    outcome = run_property(ctx, cases(), lambda case: _check_encoding_case(ctx, case),
                           max_examples=60, describe=Case.call_text, edges=EXPLICIT_CASES)
    if outcome.fraction >= 1.0:
        return Outcome.passed("shapes, float32, one-hot rows and space padding are right")
    return outcome


# ----------------------------------------------------------------------------- alignment


def _diagnose(got: list[str], text: str) -> str:
    """Name the misalignment of a target row against its text, in words."""
    real = len(text) - 1
    for offset, words in (
        (
            0,
            "the targets are NOT shifted: decoder_target_data is a copy of decoder_input_data, "
            "so at every step the decoder is taught to output the character it just read (it "
            "learns to copy; high training accuracy, garbage when decoding)",
        ),
        (
            -1,
            "the targets are shifted the wrong way (one step behind the decoder input "
            "instead of one step ahead)",
        ),
        (2, "the targets are shifted by two steps instead of one"),
    ):
        want = [text[t + offset] if 0 <= t + offset < len(text) else None for t in range(real)]
        if all(w is None or g == w for g, w in zip(got[:real], want, strict=True)):
            return words
    return "the targets are not the decoder input shifted one step ahead"


def _check_alignment_case(ctx: Context, case: Case) -> None:
    _, decoder_in, decoder_out = _vectorize(ctx, case)
    call = case.call_text()
    index = case.target_token_index
    for i, text in enumerate(case.target_texts):
        inputs = _rows(decoder_in, i, index)
        targets = _rows(decoder_out, i, index)
        length = len(text)
        if inputs[0] != START:
            raise Violation(
                f"{call}: decoder_input_data[{i}] reads {oracle.show(inputs)}; the decoder "
                f"input must start with the start character '\\t' (the target text "
                f"{text!r} already begins with it: keep it)"
            )
        if inputs[:length] != list(text):
            raise Violation(
                f"{call}: decoder_input_data[{i}] reads {oracle.show(inputs)}; its first "
                f"{length} steps should spell the target text {oracle.show(list(text))}"
            )
        want = list(text[1:])
        if targets[: length - 1] != want or START in targets:
            raise Violation(
                f"{call}: {_diagnose(targets, text)}. For the target text {text!r}, "
                f"decoder_input_data[{i}] reads {oracle.show(inputs)} and "
                f"decoder_target_data[{i}] reads {oracle.show(targets)}; the target at step "
                f"t must be the input at step t+1, so it should begin {oracle.show(want)} (no "
                f"'\\t'; the '\\n' included; padding after it)"
            )


def check_alignment(ctx: Context) -> Outcome:
    outcome = run_property(ctx, cases(), lambda case: _check_alignment_case(ctx, case),
                           max_examples=60, describe=Case.call_text, edges=EXPLICIT_CASES)
    if outcome.fraction >= 1.0:
        return Outcome.passed(
            "decoder inputs start with '\\t' and the targets are one step ahead on every text"
        )
    return outcome


# ----------------------------------------------------------------------------- detector

KIND_WORDS = {
    "shifted": "correctly shifted targets (target[t] == input[t+1])",
    "unshifted": "unshifted targets (a copy of the decoder input)",
    "wrong_direction": "targets shifted the wrong way (target[t] == input[t-1])",
    "off_by_two": "targets shifted by two steps (target[t] == input[t+2])",
}


@dataclass(frozen=True)
class DetectorCase:
    """Decoder arrays built from texts, with targets aligned in one of ``oracle.KINDS``."""

    target_texts: tuple[str, ...]
    steps: int
    kind: str
    zero_padding: bool

    def arrays(self) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
        """``(decoder_input_data, decoder_target_data, target_token_index)``."""
        chars = sorted(set("".join(self.target_texts)) | {PAD, START, END})
        index = {c: i for i, c in enumerate(chars)}
        decoder_in = np.stack(
            [oracle.one_hot_text(s, index, self.steps) for s in self.target_texts]
        )
        pad_row = np.zeros(len(index), dtype=np.float32)
        if self.zero_padding:
            for i, text in enumerate(self.target_texts):
                decoder_in[i, len(text) :] = 0.0
        else:
            pad_row[index[PAD]] = 1.0
        decoder_out = oracle.targets_from_inputs(decoder_in, self.kind, pad_row)
        return decoder_in, decoder_out, index

    def describe(self) -> str:
        """The case in words, with the first sample decoded."""
        decoder_in, decoder_out, index = self.arrays()
        padding = "zero rows" if self.zero_padding else "the space character"
        return (
            f"{KIND_WORDS[self.kind]} for the target texts {list(self.target_texts)!r}, "
            f"{self.steps} steps, padded with {padding}; sample 0: decoder input "
            f"{oracle.show(oracle.decode_rows(decoder_in[0], index))}, decoder target "
            f"{oracle.show(oracle.decode_rows(decoder_out[0], index))}"
        )


def texts_with_runs(max_runs: int = 4) -> st.SearchStrategy[str]:
    """Texts made of runs of one character ("aab", "  x"): a detector that compares
    characters instead of steps is fooled only where a character repeats."""
    runs = st.lists(st.tuples(st.sampled_from(TARGET_POOL), st.integers(1, 3)),
                    max_size=max_runs)
    return runs.map(lambda parts: "".join(c * k for c, k in parts)[:6])


@st.composite
def detector_cases(draw: st.DrawFn) -> DetectorCase:
    """Decoder arrays of 1-4 texts (some with repeated characters), correct or misaligned
    one of three ways."""
    text = st.text(TARGET_POOL, max_size=6) | texts_with_runs()
    inner = draw(st.lists(text, min_size=1, max_size=4))
    texts = tuple(START + s + END for s in inner)
    steps = max(map(len, texts)) + draw(st.integers(0, 2))
    return DetectorCase(texts, steps, draw(st.sampled_from(oracle.KINDS)), draw(st.booleans()))


def _check_detector_case(ctx: Context, case: DetectorCase) -> None:
    decoder_in, decoder_out, _ = case.arrays()
    want = case.kind == "shifted"
    what = "targets_are_shifted(decoder_input_data, decoder_target_data)"
    got = expect_bool(ctx.call("targets_are_shifted", decoder_in, decoder_out), what)
    if got != want:
        raise Violation(f"{what} returned {got} for {case.describe()}; expected {want}")


def check_detector(ctx: Context) -> Outcome:
    explicit = [DetectorCase(("\tab\n",), 4, kind, False) for kind in oracle.KINDS]
    # every text starts with a repeated character, or is one character repeated
    explicit += [DetectorCase(texts, steps, kind, zero)
                 for texts, steps in ((("\taab\n",), 6), (("\tbbb\n", "\taa\n"), 7))
                 for kind in oracle.KINDS for zero in (False, True)]
    outcome = run_property(ctx, detector_cases(), lambda case: _check_detector_case(ctx, case),
                           max_examples=60, describe=DetectorCase.describe, edges=explicit)
    if outcome.fraction >= 1.0:
        return Outcome.passed("right on correct, unshifted, wrong-direction and off-by-two targets")
    return outcome


# ----------------------------------------------------------------------------- functional


def check_functional(ctx: Context) -> Outcome:
    spec = TaskSpec(seed=ctx.seed_for("task") % 2**32)
    task = spec.build()
    case = Case(
        task.input_texts,
        task.target_texts,
        task.input_token_index,
        task.target_token_index,
        task.max_encoder_seq_length,
        task.max_decoder_seq_length,
    )
    arrays = tuple(a.astype(np.float32) for a in _vectorize(ctx, case))
    cfg = TrainConfig(seed=ctx.seed_for("model") % 2**32)
    result = evaluate_isolated(arrays, spec, cfg, timeout=TRAINER_TIMEOUT)
    teacher, exact = result["teacher_forced_accuracy"], result["exact_match"]
    lines = [
        f"The grader trained its own small LSTM encoder-decoder on your arrays for a toy task "
        f"(reverse {len(task.answers)} strings of 1-{spec.max_length} letters) and decoded "
        f"greedily from your encoder arrays, starting from '\\t':",
        f"  teacher-forced accuracy (what Keras shows while training): {teacher:.3f}",
        f"  free-running exact-match (greedy decoding, whole string):   {exact:.3f} "
        f"(full marks at ≥ {FULL_AT}, none at ≤ {ZERO_AT})",
    ]
    if exact < FULL_AT and teacher >= FULL_AT:
        lines.append(
            "High accuracy while training but wrong decoding is the symptom of targets that "
            "are not one step ahead of the decoder inputs: the decoder was never taught to "
            "predict the next character."
        )
    if exact < 1.0:
        lines.append("Some decodings (input → expected → decoded):")
        lines += [f"  {i!r} → {e!r} → {d!r}" for i, e, d in result["examples"] if e != d][:5]
    return Outcome(
        linear_credit(exact, ZERO_AT, FULL_AT),
        "\n".join(lines),
        None,
        {"teacher_forced_accuracy": teacher, "exact_match": exact},
    )


CHECKS = (
    Check("shifted_targets.encoding", "one-hot float32 arrays, space padding", 15, check_encoding),
    Check("shifted_targets.alignment", "decoder targets one step ahead", 35, check_alignment),
    Check("shifted_targets.detector", "targets_are_shifted detector", 20, check_detector),
    Check(
        "shifted_targets.functional",
        "a seq2seq trained on your arrays decodes correctly",
        30,
        check_functional,
    ),
)

EXERCISE = Exercise(
    name="shifted_targets",
    title="The unshifted-target bug (Keras lstm_seq2seq)",
    checks=CHECKS,
    call_timeout=60.0,
    worker_imports=("tensorflow", "keras"),
    extras=("rnn-cpu",),
)
