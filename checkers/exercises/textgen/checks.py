"""Checks of the ``textgen`` exercise (character-level text generation, pretrained LMs).

The model checks never trust the submission's ``build_vocab``: the vocabulary is
``[UNK]`` + the sorted characters of the training split (first 90% of tiny Shakespeare),
computed here. Held-out passages come from the last 10% (or from a private text given as
``ctx.options.heldout_path``), drawn with the grading seed; ``textgen.heldout_loss`` and
``textgen.consistency`` draw the same passages.
"""

from __future__ import annotations

import math
import string
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np
from hypothesis import strategies as st

from checkers.authoring import (
    BaselineFamily,
    Check,
    Context,
    Exercise,
    LeaderboardColumn,
    LogProbFunctions,
    Outcome,
    SeriesPlot,
    SubmissionError,
    TrainedLanguageModel,
    Violation,
    chi_square_p,
    derive_seed,
    entropy,
    expect_array,
    expect_int,
    expect_int_list,
    expect_list,
    expect_str,
    expect_str_list,
    expect_tuple,
    pad_punctuation_outcome,
    raised_through,
    run_property,
)
from checkers.authoring.shakespeare import load_text, split_text
from checkers.authoring.thresholds import load_thresholds
from checkers.exercises.textgen import oracle as oracle
from checkers.exercises.textgen.lm import FOLDER_NAME as LM_FOLDER
from checkers.exercises.textgen.lm_eos import FOLDER_NAME as LM_EOS_FOLDER

MODEL_TIMEOUT = 240.0
T = load_thresholds(Path(__file__).with_name("thresholds.toml"), {
    "n_passages": int, "passage_chars": int,
    "log_prob_tolerance": float, "abs_prob_tolerance": float, "near_zero_t": float,
    "significance": float, "loss_passages": int, "baseline_min_order": int,
    "baseline_max_order": int, "baseline_margin": float,
    "trained_passages": int, "trained_chance_up_to": float, "trained_min_gap": float})
# heldout_loss: full marks `baseline_margin` nats/char below the best character n-gram model
# of the family (Kneser-Ney, modified Kneser-Ney or Witten-Bell, orders min-max) trained on
# the training split, on the same passages; nothing at or above that best.
BASELINE_FAMILY = BaselineFamily(
    tuple(range(T["baseline_min_order"], T["baseline_max_order"] + 1)), T["baseline_margin"],
    "char")
N_PASSAGES = T["n_passages"]
PASSAGE_CHARS = T["passage_chars"]
# sequence_log_probs and next_char_distribution must agree within this many nats
# (or within ABS_PROB_TOLERANCE in probability, for tiny probabilities).
LOG_PROB_TOLERANCE = T["log_prob_tolerance"]
ABS_PROB_TOLERANCE = T["abs_prob_tolerance"]
NEAR_ZERO_T = T["near_zero_t"]
SIGNIFICANCE = T["significance"]

# Characters for generated strings: Shakespeare's alphabet, more punctuation, other
# whitespace and a few non-ASCII characters (which are neither in the vocabulary nor
# ASCII punctuation).
_TEXT_ALPHABET = (
    "\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    + string.punctuation + "\t0129éÆ—’«»"
)


# -- data -----------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _texts(data_dir: str | None, heldout_path: str | None) -> tuple[str, str]:
    train, heldout = split_text(load_text(data_dir))
    if heldout_path:
        with open(heldout_path, encoding="utf-8") as handle:
            heldout = handle.read()
    return train, heldout


def _train_and_heldout(ctx: Context) -> tuple[str, str]:
    return _texts(ctx.options.data_dir, ctx.options.heldout_path)


def training_sequences(ctx: Context) -> list[str]:
    """What the n-gram baselines are trained on: the training split, one sequence."""
    return [_train_and_heldout(ctx)[0]]


def model_vocab(ctx: Context) -> list[str]:
    """The model vocabulary without ``[UNK]`` (ids are index + 1)."""
    return oracle.vocab(_train_and_heldout(ctx)[0])


def heldout_passages(ctx: Context, count: int = N_PASSAGES,
                     key: str = "textgen.heldout") -> list[str]:
    """The hidden passages, the same for every check of one grading seed (``count`` of
    them drawn with the stream ``key``)."""
    _, heldout = _train_and_heldout(ctx)
    known = set(model_vocab(ctx))
    heldout = "".join(c for c in heldout if c in known)
    rng = np.random.default_rng(derive_seed(ctx.seed, key))
    length = min(PASSAGE_CHARS, len(heldout))
    starts = np.sort(rng.choice(len(heldout) - length + 1, size=count, replace=False))
    return [heldout[s : s + length] for s in starts]


def loss_passages(ctx: Context) -> list[str]:
    """textgen.heldout_loss's sample: the shared passages, then more drawn apart, as many
    as telling the GRU from the best n-gram needs (``loss_passages`` in thresholds.toml)."""
    extra = T["loss_passages"] - N_PASSAGES
    return heldout_passages(ctx) + heldout_passages(ctx, extra, "textgen.heldout.loss")


# -- vocab, split ---------------------------------------------------------------------


def check_vocab(ctx: Context) -> Outcome:
    """build_vocab / text_to_ids / ids_to_text against StringLookup semantics."""
    text = st.text(alphabet=_TEXT_ALPHABET, min_size=1, max_size=40)

    def prop(example: tuple[str, str]) -> None:
        source, other = example
        got_vocab = expect_str_list(ctx.call("build_vocab", source), "build_vocab(text)")
        want_vocab = oracle.vocab(source)
        if got_vocab != want_vocab:
            raise Violation(f"build_vocab({source!r}) returned {got_vocab!r}; expected the "
                            f"sorted distinct characters {want_vocab!r}")
        probe = source + other
        want_ids = oracle.text_to_ids(probe, want_vocab)
        # the codec both ways, each against the oracle, text_to_ids first
        for function, arg, expect, want, why in (
                ("text_to_ids", probe, expect_int_list, want_ids, "StringLookup: id 0 is "
                 "[UNK] for unknown characters, vocab[i] has id i + 1"),
                ("ids_to_text", want_ids, expect_str, oracle.ids_to_text(want_ids, want_vocab),
                 "id 0 decodes to nothing")):
            call = f"{function}({arg!r}, vocab={want_vocab!r})"
            got = expect(ctx.call(function, arg, want_vocab), call)
            if got != want:
                raise Violation(f"{call} returned {got!r}; expected {want!r} ({why})")

    return run_property(ctx, st.tuples(text, st.text(alphabet=_TEXT_ALPHABET, max_size=10)),
                        prop, max_examples=60,
                        # an empty text (empty vocabulary: every id is [UNK]), a long one
                        explicit=[("ab", "c"), ("", "xé"), ("ab" * 400 + "\n", "Z")],
                        describe=lambda e: f"text={e[0]!r}, other characters={e[1]!r}")


def check_split(ctx: Context) -> Outcome:
    """split_input_target on lists of ints and on strings."""
    sequences = st.one_of(st.lists(st.integers(0, 100), min_size=2, max_size=30),
                          st.text(alphabet=_TEXT_ALPHABET, min_size=2, max_size=30))

    def prop(seq: list[int] | str) -> None:
        call = f"split_input_target({seq!r})"
        got = expect_tuple(ctx.call("split_input_target", seq), call, 2)
        if isinstance(seq, str):
            parts = (expect_str(got[0], call), expect_str(got[1], call))
        else:
            parts = (expect_list(got[0], call), expect_list(got[1], call))
        want = (seq[:-1], seq[1:])
        if parts != want:
            raise Violation(f"{call} returned {parts!r}; expected {want!r} (the input drops "
                            "the last element, the target drops the first)")

    return run_property(ctx, sequences, prop, max_examples=40,
                        explicit=["abc", [1, 2, 3], "a", [7], "x" * 500])


# -- sampling -------------------------------------------------------------------------


def _sample(ctx: Context, logits: list[float], temperature: float, seed: int,
            banned: tuple[int, ...] | None) -> int:
    rng = np.random.default_rng(seed)
    args = (logits, temperature, rng) if banned is None else (logits, temperature, rng, banned)
    what = f"sample_next_id(logits, {temperature}, rng{'' if banned is None else ', ...'})"
    return expect_int(ctx.call("sample_next_id", *args), what)


def _fmt_logits(logits: list[float]) -> str:
    return "[" + ", ".join(f"{x:.3g}" for x in logits) + "]"


def _sampling_near_zero(ctx: Context) -> Outcome:
    @st.composite
    def gapped(draw) -> tuple[list[float], int, int]:
        n = draw(st.integers(2, 12))
        best = draw(st.integers(1, n - 1))
        values = [round(draw(st.floats(-4, 3)), 2) for _ in range(n)]
        values[best] = round(max(values) + draw(st.floats(1, 4)), 2)
        values[0] = round(max(values) + 2, 2)  # the banned id 0 would be the top choice
        return values, best, draw(st.integers(0, 2**32 - 1))

    def prop(example: tuple[list[float], int, int]) -> None:
        logits, best, seed = example
        for temperature in (NEAR_ZERO_T, 0.01):
            got = _sample(ctx, logits, temperature, seed, None)
            if got != best:
                raise Violation(
                    f"sample_next_id({_fmt_logits(logits)}, temperature={temperature}, rng) "
                    f"returned {got}; at a near-zero temperature it should return the argmax "
                    f"of the allowed ids, {best} (id 0 is banned by default; divide the "
                    "logits by the temperature)")

    return run_property(ctx, gapped(), prop, max_examples=25)


def _sampling_rng(ctx: Context) -> Outcome | None:
    logits = [0.0] + [0.1 * i for i in range(12)]
    for attempt in range(3):
        seed = ctx.seed_for("same-rng", attempt)
        first = [_sample(ctx, logits, 1.0, seed + k, None) for k in range(6)]
        again = [_sample(ctx, logits, 1.0, seed + k, None) for k in range(6)]
        if first != again:
            return Outcome.failed(
                f"the same rng state gave different draws: {first} then {again} (draw with "
                "the rng argument only, e.g. rng.choice(..., p=probs); no np.random.*, "
                "tf.random or torch randomness)")
        rng = np.random.default_rng(seed)
        before = rng.bit_generator.state
        _, after = ctx.call_with_rngs("sample_next_id", logits, 1.0, rng)
        if after and after[0].bit_generator.state == before:
            return Outcome.failed("sample_next_id did not draw from its rng argument (its "
                                  "state did not move): it must sample, using rng")
    return None


def _sampling_frequencies(ctx: Context) -> Outcome | None:
    rng = ctx.rng("logits")
    logits = [round(float(x), 2) for x in rng.normal(0.0, 1.0, size=7)]
    # down to near-uniform draws at an extreme temperature
    plans = [(0.5, None, 400), (1.0, None, 600), (2.0, None, 400), (25.0, None, 400),
             (1.0, (), 300)]
    entropies = {}
    for temperature, banned, draws in plans:
        counts = np.zeros(len(logits), dtype=int)
        calls = [(logits, temperature,
                  np.random.default_rng(ctx.seed_for("freq", temperature, k)),
                  *(() if banned is None else (banned,))) for k in range(draws)]
        what = f"sample_next_id(logits, {temperature}, rng{'' if banned is None else ', ...'})"
        for value in ctx.call_many("sample_next_id", calls):
            got = expect_int(value, what)
            if not 0 <= got < len(logits):
                return Outcome.failed(f"sample_next_id returned {got}, not an id of the "
                                      f"{len(logits)} logits")
            counts[got] += 1
        banned_ids = (0,) if banned is None else banned
        drawn_banned = [i for i in banned_ids if counts[i]]
        if drawn_banned:
            return Outcome.failed(
                f"sample_next_id drew the banned id(s) {drawn_banned} (banned_ids="
                f"{banned_ids}); id 0 is [UNK]/padding: drawing it is the `KeyError: 0` bug. "
                "Give banned ids probability 0 (logit -inf) before sampling")
        probs = oracle.sampling_probs(logits, temperature, banned_ids)
        p_value = chi_square_p(counts, probs)
        if p_value < SIGNIFICANCE:
            return Outcome.failed(
                f"with logits {_fmt_logits(logits)}, temperature={temperature} and banned_ids="
                f"{banned_ids}, {draws} draws gave counts {counts.tolist()}; softmax(logits / "
                f"temperature) expects {np.round(probs * draws, 1).tolist()} (chi-square "
                f"p = {p_value:.2g})")
        if banned is None:
            entropies[temperature] = entropy(counts / counts.sum())
    ordered = [entropies[t] for t in sorted(entropies)]
    if not all(a < b for a, b in zip(ordered, ordered[1:], strict=False)):
        return Outcome.failed(
            "the entropy of the draws should grow with the temperature; measured "
            + ", ".join(f"T={t}: {entropies[t]:.3f} nats" for t in sorted(entropies)))
    return None


def _sampling_banned(ctx: Context) -> Outcome | None:
    for k, banned in enumerate([None, (0,), (0, 2), (1, 4, 5)]):
        logits = [8.0, 7.5, 6.0, 0.0, 0.0, 9.0]
        banned_ids = (0,) if banned is None else banned
        for draw in range(15):
            got = _sample(ctx, logits, 1.0, ctx.seed_for("banned", k, draw), banned)
            if got in banned_ids:
                return Outcome.failed(
                    f"sample_next_id({logits}, 1.0, rng"
                    f"{'' if banned is None else f', banned_ids={banned}'}) returned the banned "
                    f"id {got}; banned ids (by default id 0, [UNK]/padding) must never be drawn "
                    "(the `KeyError: 0` bug)", counterexample=repr(logits))
    return None


def check_sampling(ctx: Context) -> Outcome:
    """Temperature sampling: argmax near T=0, rng only, softmax frequencies, banned ids."""
    banned = _sampling_banned(ctx)
    if banned is not None:
        return banned
    near_zero = _sampling_near_zero(ctx)
    if near_zero.fraction < 1:
        return near_zero
    for part in (_sampling_rng, _sampling_frequencies):
        outcome = part(ctx)
        if outcome is not None:
            return outcome
    return Outcome.passed("argmax at near-zero temperature, reproducible from rng alone, "
                          "softmax(logits / T) frequencies at T = 0.5, 1, 2, banned ids never "
                          "drawn")


# -- pad_punctuation ------------------------------------------------------------------


def check_pad_punctuation(ctx: Context) -> Outcome:
    """Foster's padding: every mark alone, single spaces, idempotent, nothing else moved."""
    return pad_punctuation_outcome(ctx, _TEXT_ALPHABET + "    ", 60,
                                   ["Hello, world!", "a  b", "...", "don't (x)"])


# -- the char model -------------------------------------------------------------------


def _distribution(ctx: Context, prefix: str, size: int) -> np.ndarray:
    what = f"next_char_distribution({_short(prefix)})"
    probs = expect_array(ctx.call("next_char_distribution", prefix), what, kind="f")
    if probs.shape not in ((size,), (1, size)):
        raise Violation(f"{what} returned shape {probs.shape}; expected ({size},): one "
                        f"probability per id of [UNK] + the {size - 1} training characters")
    probs = probs.reshape(-1)
    if probs.min() < -1e-6 or abs(probs.sum() - 1) > 1e-3:
        raise Violation(f"{what} is not a probability distribution (min {probs.min():.3g}, "
                        f"sum {probs.sum():.6f}); return softmax probabilities, not logits")
    return probs


def _log_probs(ctx: Context, text: str) -> np.ndarray:
    what = f"sequence_log_probs({_short(text)})"
    got = expect_array(ctx.call("sequence_log_probs", text), what, kind="f")
    want = max(len(text) - 1, 0)
    if got.reshape(-1).shape != (want,) or (got.ndim > 1 and got.size != want):
        raise Violation(f"{what} returned shape {got.shape}; expected ({want},) (one value per "
                        "predicted character, len(text) - 1)")
    return got.reshape(-1)


def _short(text: str, limit: int = 40) -> str:
    return repr(text) if len(text) <= limit else repr(text[: limit - 3]) + "[...]"


def _tail(text: str, limit: int = 40) -> str:
    return repr(text) if len(text) <= limit else "[...]" + repr(text[-(limit - 3):])


FUNCTIONS = LogProbFunctions("sequence_log_probs", "next_char_distribution", "text",
                             LOG_PROB_TOLERANCE, ABS_PROB_TOLERANCE)


def _consistency_problem(ctx: Context, passage: str, log_probs: np.ndarray,
                         positions: list[int], size: int) -> str | None:
    """Why ``log_probs`` disagrees with next_char_distribution at some position (or None)."""
    return FUNCTIONS.consistency_problem(
        log_probs, positions, lambda i: _distribution(ctx, passage[: i + 1], size),
        oracle.text_to_ids(passage, model_vocab(ctx)), lambda i: repr(passage[i + 1]),
        _short(passage))


def check_heldout_loss(ctx: Context) -> Outcome:
    """Mean nats/char on hidden held-out passages (counted only when consistent)."""
    passages = loss_passages(ctx)
    size = len(model_vocab(ctx)) + 1
    rng = ctx.rng("positions")
    seen: list[str] = []

    def problem_of(passage: str, log_probs: np.ndarray) -> str | None:
        # two random positions of each shared passage, one of each further passage
        seen.append(passage)
        checked = 2 if len(seen) <= N_PASSAGES else 1
        positions = sorted(rng.choice(len(passage) - 1, size=checked, replace=False).tolist())
        return _consistency_problem(ctx, passage, log_probs, positions, size)

    total, count, per_passage = FUNCTIONS.heldout_total(
        passages, lambda passage: _log_probs(ctx, passage), problem_of)
    loss = total / count
    best = BASELINE_FAMILY.best(training_sequences(ctx), passages, size)
    series = {f"loss_by_passage[{i}]": v for i, v in enumerate(per_passage, start=1)}
    return BASELINE_FAMILY.outcome(
        loss, count, f"characters of {len(passages)} hidden passages", best,
        {"heldout_loss": loss, **series}, "loss_by_passage.threshold")


def check_consistency(ctx: Context) -> Outcome:
    """sequence_log_probs agrees with next_char_distribution; distributions are proper."""
    passages = heldout_passages(ctx)
    size = len(model_vocab(ctx)) + 1
    rng = ctx.rng("positions")
    checked = 0
    seen: list[np.ndarray] = []
    for text in ("", "a", "\n"):
        _log_probs(ctx, text)
    # every passage at a few positions, then a short passage at every position
    cases = []
    for index, passage in enumerate(passages):
        positions = [0, len(passage) - 2] if index == 0 else []
        positions += rng.choice(len(passage) - 1, size=5, replace=False).tolist()
        cases.append((passage, sorted(positions)))
    short = passages[-1][:40]
    cases.append((short, list(range(len(short) - 1))))
    for index, (passage, positions) in enumerate(cases):
        log_probs = _log_probs(ctx, passage)
        if index < len(passages):
            seen.append(log_probs)
        problem = _consistency_problem(ctx, passage, log_probs, positions, size)
        if problem:
            return Outcome.failed(problem)
        checked += len(positions)
    blocked = FUNCTIONS.constant_blocked(seen, "textgen.heldout_loss",
                                         "character of every passage")
    if blocked is not None:
        return blocked
    return Outcome.passed(f"sequence_log_probs agrees with next_char_distribution at {checked} "
                          "positions; every distribution is >= 0 and sums to 1")


def _distribution_leniently(ctx: Context, prefix: str, size: int) -> np.ndarray | None:
    """next_char_distribution read for judging another function (generate_text): a
    distribution that is not one (logits, not normalised; that costs textgen.consistency)
    is turned into one; None when even its shape is wrong."""
    try:
        return _distribution(ctx, prefix, size)
    except Violation:
        raw = expect_array(ctx.call("next_char_distribution", prefix), "next_char_distribution",
                           kind="f")
    if raw.size != size or not np.all(np.isfinite(raw)):
        return None
    raw = raw.reshape(-1)
    if raw.min() >= 0 and raw.sum() > 0:
        return raw / raw.sum()
    shifted = np.exp(raw - raw.max())
    return shifted / shifted.sum()


def _greedy_problem(ctx: Context, prompt: str, generated: str, size: int) -> str | None:
    vocab = model_vocab(ctx)
    for t, char in enumerate(generated):
        probs = _distribution_leniently(ctx, prompt + generated[:t], size)
        if probs is None:
            return None
        chosen = probs[vocab.index(char) + 1]
        best = int(np.argmax(probs))
        if math.log(max(chosen, 1e-300)) < math.log(probs[best]) - LOG_PROB_TOLERANCE:
            return (f"generate_text({_short(prompt)}, {len(generated)}, temperature="
                    f"{NEAR_ZERO_T}, seed) gave {_short(generated)}; after "
                    f"{_tail(prompt + generated[:t])} it chose {char!r} (P = {chosen:.3g}) but "
                    f"next_char_distribution of that whole prefix puts its maximum on "
                    f"{(['[UNK]'] + vocab)[best]!r} (P = {probs[best]:.3g}). Carry the GRU state "
                    "from step to step (do not reset it)")
    return None


def _sampling_wrong(ctx: Context) -> bool:
    """Whether the submission's sample_next_id is seen wrong on direct calls (that costs
    textgen.sampling): it misses the argmax at a near-zero temperature, draws the banned
    id 0, or does not draw from its rng."""
    logits = [9.0, 1.0, 3.0, 2.5, 0.5]
    try:
        for seed in range(8):
            if _sample(ctx, logits, NEAR_ZERO_T, seed, None) != 2:
                return True
            if _sample(ctx, [9.0, 8.5, 0.0], 1.0, seed, None) == 0:
                return True
        fresh = np.random.default_rng(0)
        _, rngs = ctx.call_with_rngs("sample_next_id", [0.0, 1.0, 1.0, 1.0], 1.0,
                                     np.random.default_rng(0))
        return not rngs or rngs[0].bit_generator.state == fresh.bit_generator.state
    except (Violation, SubmissionError):
        return True


def _codec_wrong(ctx: Context) -> bool:
    """Whether text_to_ids / ids_to_text get a small case wrong (that costs textgen.vocab).
    generate_text then is judged only on what does not go through them: the prompt kept,
    the same seed giving the same text (and an exception is not counted)."""
    vocab = ["a", "b", "c"]
    try:
        ids = ctx.call("text_to_ids", "abzc", vocab)
        text = ctx.call("ids_to_text", [1, 2, 0, 3], vocab)
        return [int(i) for i in ids] != [1, 2, 0, 3] or text != "abc"
    except (SubmissionError, TypeError, ValueError):
        return True


def _broken_helpers(ctx: Context) -> dict[str, str]:
    """``{helper: its check}`` for the helpers of generation that their own checks find
    wrong on direct calls (sample_next_id; text_to_ids / ids_to_text)."""
    broken = {}
    if _sampling_wrong(ctx):
        broken["sample_next_id"] = "textgen.sampling"
    if _codec_wrong(ctx):
        broken.update(text_to_ids="textgen.vocab", ids_to_text="textgen.vocab")
    return broken


def _replay(ctx: Context, prompts: list[str], num: int, temperature: float,
            seed: int) -> list[str] | None:
    """What generation gives when every step draws with the submission's own
    sample_next_id, as the contract says (one ``np.random.default_rng(seed)``; at each
    step, each row in turn, ``sample_next_id(its logits, temperature, rng)``), the logits
    read from its next_char_distribution. None where that cannot be followed (an id that
    is no character, a distribution of the wrong shape)."""
    vocab = ["[UNK]"] + model_vocab(ctx)
    rng = np.random.default_rng(seed)
    texts = list(prompts)
    for _ in range(num):
        for row, text in enumerate(texts):
            probs = _distribution_leniently(ctx, text, len(vocab))
            if probs is None:
                return None
            logits = np.log(np.maximum(probs, 1e-300))
            value, rngs = ctx.call_with_rngs("sample_next_id", logits, temperature, rng)
            if type(value) is not int or not 1 <= value < len(vocab) or not rngs:
                return None
            rng = rngs[0]
            texts[row] = text + vocab[value]
    return texts


def _judged(outcome_of: Callable[[], Outcome]) -> Outcome:
    """``outcome_of()``, a :class:`Violation` raised inside it taken as its failed outcome:
    the rule of :func:`_generation_outcome` looks at a failed contract before it fails."""
    try:
        return outcome_of()
    except Violation as violation:
        return Outcome.failed(str(violation))


def _generation_outcome(ctx: Context, function: str, judge: Callable[[], Outcome],
                        without_codec: Callable[[], Outcome],
                        replays: Callable[[], bool], sampled: str) -> Outcome:
    """One rule for every generating function (generate_text, generate_batch).

    Judged by the contract first (``judge``). An exception raised inside a helper that its
    own check finds wrong blocks the check (that check is the one to fix first). Where the
    contract fails and a helper is wrong, the function is excused only as far as that
    helper explains it: with a wrong sample_next_id, when ``replays()`` shows the function
    gives exactly what the submission's own sample_next_id makes it give; with wrong
    text_to_ids / ids_to_text, on what does not go through them (``without_codec``).
    ``sampled`` names the parts of the contract that the sampler decides.
    """
    broken: dict[str, str] | None = None
    try:
        outcome = _judged(judge)
        if outcome.fraction >= 1.0:
            return outcome
        broken = _broken_helpers(ctx)
        if not broken:
            return outcome
        if "text_to_ids" in broken:
            return _judged(without_codec).excusing(
                [("lengths, characters and greedy decoding", "textgen.vocab")])
        if replays():
            return Outcome.passed(
                f"{function} gives exactly what your sample_next_id makes it give").excusing(
                [(f"{sampled} as the contract defines them", "textgen.sampling")])
        return outcome
    except SubmissionError as error:
        broken = _broken_helpers(ctx) if broken is None else broken
        for helper, check in broken.items():
            if raised_through(error, helper, function):
                return Outcome.blocked(check, f"{function} raised inside {helper}, which "
                                       f"{check} finds wrong, so nothing of {function} "
                                       f"itself could be seen: {error.message[:300]}")
        raise


def _text_cases(ctx: Context) -> list[tuple[str, int]]:
    """generate_text's (prompt, num_chars) cases: hidden passages' slices, 0 chars too."""
    passages = heldout_passages(ctx)
    rng = ctx.rng("prompts")
    cases = []
    for k in range(4):
        source = passages[(k * 3) % len(passages)]
        start = int(rng.integers(0, len(source) - 80))
        cases.append((source[start : start + int(rng.integers(3, 60))], [25, 0, 40, 10][k]))
    return cases


def _text_replays(ctx: Context) -> bool:
    """Whether generate_text gives what replaying the submission's sample_next_id gives,
    at temperature 1 and near zero."""
    cases = _text_cases(ctx)
    runs = [(prompt, num, 1.0, ctx.seed_for("seed", k)) for k, (prompt, num) in enumerate(cases)]
    runs += [(prompt, min(num, 20) or 12, NEAR_ZERO_T, 0) for prompt, num in cases[:3]]
    for prompt, num, temperature, seed in runs:
        text = ctx.call("generate_text", prompt, num, temperature, seed)
        if [text] != _replay(ctx, [prompt], num, temperature, seed):
            return False
    return True


def check_generate_text(ctx: Context) -> Outcome:
    """Stateful generation: prompt kept, right length, in vocab, reproducible, stateful."""
    return _generation_outcome(
        ctx, "generate_text",
        lambda: _generate_text_outcome(ctx, codec_wrong=False),
        lambda: _generate_text_outcome(ctx, codec_wrong=True),
        lambda: _text_replays(ctx), "lengths, characters and greedy decoding")


def _seeds_problem(ctx: Context, prompt: str, codec_wrong: bool) -> Outcome | None:
    """Two seeds at temperature 1 must give two texts (None: they do). With a codec that
    shows nothing of what was generated (only the prompt comes back), that cannot be
    seen: blocked by textgen.vocab."""
    num = 40
    seeds = [ctx.seed_for("other seed", k) for k in range(2)]
    texts = [expect_str(ctx.call("generate_text", prompt, num, 1.0, seed),
                        f"generate_text({_short(prompt)}, {num}, temperature=1.0, seed={seed})")
             for seed in seeds]
    if texts[0] != texts[1]:
        return None
    if codec_wrong and texts[0] == prompt:
        return Outcome.blocked("textgen.vocab", f"generate_text({_short(prompt)}, {num}, ...) "
                               "returned only the prompt, so nothing it generated can be seen")
    return Outcome.failed(f"generate_text({_short(prompt)}, {num}, temperature=1.0, seed) gave "
                          f"{_short(texts[0])} for both seeds {seeds[0]} and {seeds[1]}: at "
                          "temperature 1 it must sample, drawing from "
                          "np.random.default_rng(seed)")


def _generate_text_outcome(ctx: Context, codec_wrong: bool) -> Outcome:
    """generate_text against its contract; with ``codec_wrong`` only what does not go
    through text_to_ids / ids_to_text (prompt kept, same seed same text)."""
    vocab_set = set(model_vocab(ctx))
    size = len(vocab_set) + 1
    cases = _text_cases(ctx)
    for k, (prompt, num_chars) in enumerate(cases):
        seed = ctx.seed_for("seed", k)
        call = f"generate_text({_short(prompt)}, {num_chars}, temperature=1.0, seed={seed})"
        text = expect_str(ctx.call("generate_text", prompt, num_chars, 1.0, seed), call)
        if not text.startswith(prompt):
            return Outcome.failed(f"{call} returned {_short(text)}: it must start with the "
                                  "prompt")
        if len(text) != len(prompt) + num_chars and not codec_wrong:
            return Outcome.failed(f"{call} returned {len(text)} characters; expected the "
                                  f"prompt ({len(prompt)}) + {num_chars} new characters")
        unknown = sorted(set(text[len(prompt):]) - vocab_set)
        if unknown and not codec_wrong:
            return Outcome.failed(f"{call} generated {unknown}, outside the vocabulary")
        again = expect_str(ctx.call("generate_text", prompt, num_chars, 1.0, seed), call)
        if again != text:
            return Outcome.failed(f"{call} gave {_short(text)} and then {_short(again)}: "
                                  "the same seed must give the same text")
    differ = _seeds_problem(ctx, cases[0][0], codec_wrong)
    if differ is not None:
        return differ
    for prompt, num_chars in [] if codec_wrong else cases[:3]:
        num = min(num_chars, 20) or 12
        call = f"generate_text({_short(prompt)}, {num}, temperature={NEAR_ZERO_T}, seed=0)"
        text = expect_str(ctx.call("generate_text", prompt, num, NEAR_ZERO_T, 0), call)
        if not text.startswith(prompt) or len(text) != len(prompt) + num:
            return Outcome.failed(f"{call} returned {_short(text)}: expected the prompt "
                                  f"followed by {num} characters")
        problem = _greedy_problem(ctx, prompt, text[len(prompt):], size)
        if problem:
            return Outcome.failed(problem)
    if codec_wrong:
        return Outcome.passed("prompt kept, same seed same text")
    return Outcome.passed("prompt kept, right lengths, characters in the vocabulary, same seed "
                          "same text, and near-zero temperature equals greedy decoding")


# -- pretrained LM --------------------------------------------------------------------


def check_pretrained(ctx: Context) -> Outcome:
    """generate_with_pretrained: count, prompt + exactly max_new_tokens, seeds."""
    from checkers.exercises.textgen.lm import lm_path

    model = str(lm_path())  # declared in EXERCISE.data_files: the worker sees it
    cases = [  # prompt, num_return_sequences, max_new_tokens, temperature, top_p
        ("ROMEO:\n", 3, 12, 1.0, 0.95),
        ("First, hear me speak; and then, my lord, the rest.", 2, 8, 0.8, 0.9),
        ("Hi", 1, 20, 1.2, 1.0),
    ]
    for k, (prompt, n, new, temperature, top_p) in enumerate(cases):
        seed = int(ctx.seed_for("seed", k) % 2**31)
        args = (prompt, model, n, new, temperature, top_p, seed)
        call = (f"generate_with_pretrained({prompt!r}, <checker LM>, num_return_sequences={n}, "
                f"max_new_tokens={new}, temperature={temperature}, top_p={top_p}, seed={seed})")
        outputs = expect_str_list(ctx.call("generate_with_pretrained", *args), call)
        if len(outputs) != n:
            return Outcome.failed(f"{call} returned {len(outputs)} texts; expected {n}")
        for text in outputs:
            if not text.startswith(prompt):
                return Outcome.failed(f"{call} returned {text!r}, which does not start with "
                                      "the prompt (decode the whole output sequence)")
            if len(text) != len(prompt) + new:
                return Outcome.failed(
                    f"{call} returned {text!r}: {len(text) - len(prompt)} new tokens after the "
                    f"prompt; expected exactly {new} (this model has one token per character "
                    "and no end token; use max_new_tokens, not max_length)")
        again = expect_str_list(ctx.call("generate_with_pretrained", *args), call)
        if again != outputs:
            return Outcome.failed(f"{call} gave {outputs!r} and then {again!r}: the same seed "
                                  "must give the same texts (seed torch before generate())")
        other = expect_str_list(
            ctx.call("generate_with_pretrained", *args[:-1], seed + 1), call)
        if other == outputs:
            return Outcome.failed(f"seeds {seed} and {seed + 1} gave the same texts "
                                  f"{outputs!r}: sample (do_sample=True) from the seed given")
    return Outcome.passed("right number of texts, each the prompt + exactly max_new_tokens "
                          "tokens; same seed same texts, another seed other texts")


# -- generate() as the course material teaches it ---------------------------------------

END_TOKEN_PROMPTS = ("ROMEO:\n", "Thou", "First Citizen:\nBefore")
SAMPLING_PLANS = ((1.0, 1.0), (0.5, 1.0), (2.0, 1.0), (1.0, 0.6))  # temperature, top_p
SAMPLING_SEQUENCES = 20
SAMPLING_NEW = 20


def _eos_call(prompt: str, n: int, new: int, temperature: float, top_p: float,
              seed: int) -> str:
    return (f"generate_with_pretrained({prompt!r}, <checker LM with an end token>, "
            f"num_return_sequences={n}, max_new_tokens={new}, temperature={temperature}, "
            f"top_p={top_p}, seed={seed})")


def check_pretrained_end_token(ctx: Context) -> Outcome:
    """generate_with_pretrained stops where the model emits its end token."""
    from checkers.exercises.textgen import lm_eos

    model = str(lm_eos.lm_eos_path())
    for k, prompt in enumerate(END_TOKEN_PROMPTS):
        seed = int(ctx.seed_for("seed", k) % 2**31)
        new = 40
        call = _eos_call(prompt, 3, new, 1.0, 1.0, seed)
        outputs = expect_str_list(
            ctx.call("generate_with_pretrained", prompt, model, 3, new, 1.0, 1.0, seed), call)
        if len(outputs) != 3:
            return Outcome.failed(f"{call} returned {len(outputs)} texts; expected 3")
        want = lm_eos.END_AT + 1 - len(prompt)
        for text in outputs:
            if lm_eos.EOS in text:
                return Outcome.failed(
                    f"{call} returned {text!r}, which holds the end token {lm_eos.EOS!r}: "
                    "decode with skip_special_tokens=True")
            if not text.startswith(prompt):
                return Outcome.failed(f"{call} returned {text!r}, which does not start with "
                                      "the prompt")
            if len(text) - len(prompt) != want:
                return Outcome.failed(
                    f"{call} returned {text!r}: {len(text) - len(prompt)} new characters; "
                    f"this model emits its end token after exactly {want}, and generation "
                    "must stop there (generate() stops at the model's eos_token_id by "
                    "itself: do not force the length with min_new_tokens, do not drop the "
                    "end token)")
    return Outcome.passed(f"generation stops at the end token (after {lm_eos.END_AT + 1} "
                          "tokens in all) for every prompt, and the end token is not shown")


def check_pretrained_sampling(ctx: Context) -> Outcome:
    """temperature and top_p take effect: next-token frequencies match the model's."""
    from checkers.exercises.textgen import lm_eos

    model = str(lm_eos.lm_eos_path())
    summary = []
    for k, (temperature, top_p) in enumerate(SAMPLING_PLANS):
        seed = int(ctx.seed_for("sampling", k) % 2**31)
        call = _eos_call("a", SAMPLING_SEQUENCES, SAMPLING_NEW, temperature, top_p, seed)
        outputs = expect_str_list(
            ctx.call("generate_with_pretrained", "a", model, SAMPLING_SEQUENCES, SAMPLING_NEW,
                     temperature, top_p, seed), call)
        drawn = "".join(text[1:] for text in outputs if text.startswith("a"))
        if len(drawn) < SAMPLING_SEQUENCES * SAMPLING_NEW // 2:
            return Outcome.failed(f"{call} returned too few new characters "
                                  f"({len(drawn)}; expected {SAMPLING_SEQUENCES} texts of "
                                  f"'a' + {SAMPLING_NEW} characters)")
        probs = lm_eos.next_token_probs(temperature, top_p)
        chars = sorted(set(probs) | set(drawn))
        counts = [drawn.count(c) for c in chars]
        expected = [probs.get(c, 0.0) for c in chars]
        p_value = chi_square_p(counts, expected)
        if p_value < SIGNIFICANCE:
            seen = ", ".join(f"{c!r}: {n}" for c, n in zip(chars, counts, strict=True) if n)
            want = ", ".join(f"{c!r}: {probs[c] * len(drawn):.0f}" for c in sorted(probs)
                             if probs[c] * len(drawn) >= 0.5)
            return Outcome.failed(
                f"{call}: the {len(drawn)} new characters were {seen}; this model with "
                f"temperature={temperature} and top_p={top_p} expects about {want} "
                f"(chi-square p = {p_value:.2g}). Pass temperature and top_p to generate() "
                "with do_sample=True")
        summary.append(f"T={temperature}, top_p={top_p}")
    return Outcome.passed("next-character frequencies match the model's distribution at "
                          + "; ".join(summary))


BATCH_PROMPTS = ("ROMEO:", "JULIET", "First ", "KING R", "Thou a")


def _batch(ctx: Context, prompts: list[str], num: int, temperature: float,
           seed: int, codec_wrong: bool = False) -> tuple[str, list[str]]:
    call = f"generate_batch({prompts!r}, {num}, temperature={temperature}, seed={seed})"
    texts = expect_str_list(ctx.call("generate_batch", prompts, num, temperature, seed), call,
                            length=len(prompts))
    vocab_set = set(model_vocab(ctx))
    for prompt, text in zip(prompts, texts, strict=True):
        if not text.startswith(prompt):
            raise Violation(f"{call} returned {_short(text)} for the prompt {prompt!r}: "
                            "it must start with that prompt")
        if codec_wrong:
            continue
        if len(text) != len(prompt) + num:
            raise Violation(f"{call} returned {_short(text)} for the prompt {prompt!r}: "
                            f"expected that prompt followed by {num} characters")
        unknown = sorted(set(text[len(prompt):]) - vocab_set)
        if unknown:
            raise Violation(f"{call} generated {unknown}, outside the vocabulary")
    return call, texts


def _batch_greedy_problem(ctx: Context, call: str, prompt: str, generated: str) -> str | None:
    vocab = ["[UNK]"] + model_vocab(ctx)
    for t, char in enumerate(generated):
        prefix = prompt + generated[:t]
        raw = expect_array(ctx.call("next_char_distribution", prefix),
                           f"next_char_distribution({_short(prefix)})", kind="f").reshape(-1)
        if raw.size != len(vocab) or char not in vocab:
            return None  # not judged here: textgen.consistency / generate_text say why
        best, chosen = int(np.argmax(raw)), vocab.index(char)
        if chosen != best and raw[chosen] < raw[best] - 1e-3 * max(abs(raw[best]), 1.0):
            return (f"{call}: the row of {prompt!r} continued {_tail(prefix)} with {char!r}, "
                    f"but next_char_distribution of that row's own text puts its maximum on "
                    f"{vocab[best]!r}: at a near-zero temperature each row must be greedy "
                    "decoding of its own prompt (one state per row, never another row's)")
    return None


def _batch_runs(ctx: Context) -> list[tuple[list[str], int, float, int]]:
    """generate_batch's calls: five identical prompts at T = 1, a mixed batch near zero."""
    seed = int(ctx.seed_for("batch") % 2**31)
    return [(["ROMEO:"] * 5, 40, 1.0, seed), (list(BATCH_PROMPTS), 10, NEAR_ZERO_T, seed)]


def _batch_outcome(ctx: Context, codec_wrong: bool) -> Outcome:
    """generate_batch against its contract; with ``codec_wrong`` only what does not go
    through text_to_ids / ids_to_text (one text per prompt, prompt kept, same seed same
    texts)."""
    (same, num, temperature, seed), (mixed, num_mixed, near_zero, _) = _batch_runs(ctx)
    call, texts = _batch(ctx, same, num, temperature, seed, codec_wrong)
    if codec_wrong and set(texts) == set(same):
        return Outcome.blocked("textgen.vocab", f"{call} returned only the prompts, so "
                               "nothing it generated can be seen")
    if len(set(texts)) < len(texts):
        return Outcome.failed(
            f"{call} gave the same text in several rows: {texts!r}. Sample each row on "
            "its own (one sample_next_id per row and step), not one draw for the batch")
    _, again = _batch(ctx, same, num, temperature, seed, codec_wrong)
    if again != texts:
        return Outcome.failed(f"{call} gave {texts!r} and then {again!r}: the same seed "
                              "must give the same texts")
    if codec_wrong:
        return Outcome.passed("one text per prompt, prompt kept, same seed same texts")
    call, texts = _batch(ctx, mixed, num_mixed, near_zero, seed)
    for prompt, text in list(zip(mixed, texts, strict=True))[:3]:
        problem = _batch_greedy_problem(ctx, call, prompt, text[len(prompt):])
        if problem:
            return Outcome.failed(problem)
    return Outcome.passed("one text per prompt, rows sampled independently (five ROMEO: rows "
                          "differ), same seed same texts, and at a near-zero temperature each "
                          "row of a mixed batch is greedy decoding of its own prompt")


def _batch_replays(ctx: Context) -> bool:
    """Whether generate_batch gives what replaying the submission's sample_next_id gives."""
    for prompts, num, temperature, seed in _batch_runs(ctx):
        texts = ctx.call("generate_batch", prompts, num, temperature, seed)
        if not isinstance(texts, list) or texts != _replay(ctx, prompts, num, temperature,
                                                           seed):
            return False
    return True


def check_generate_batch(ctx: Context) -> Outcome:
    """Several prompts at once: one text per row, rows independent, each row its own state."""
    return _generation_outcome(ctx, "generate_batch",
                               lambda: _batch_outcome(ctx, codec_wrong=False),
                               lambda: _batch_outcome(ctx, codec_wrong=True),
                               lambda: _batch_replays(ctx),
                               "rows drawn independently, lengths, characters and greedy "
                               "decoding")


# -- the trained model ----------------------------------------------------------------


TRAINED = TrainedLanguageModel(
    "textgen.keras", "sequence_log_probs, next_char_distribution and generate_text",
    T["trained_chance_up_to"], T["trained_min_gap"], " nats/char")


def _read_trained(call: Callable, passage: str) -> np.ndarray:
    what = f"sequence_log_probs({_short(passage)})"
    got = expect_array(call("sequence_log_probs", passage), what, kind="f")
    if got.size != len(passage) - 1:
        raise Violation(f"{what} returned shape {got.shape}; expected ({len(passage) - 1},)")
    return got


def check_trained_model(ctx: Context) -> Outcome:
    """textgen.keras loads safely, holds an RNN, and the held-out loss comes from it."""
    passages = heldout_passages(ctx)[: T["trained_passages"]]
    return TRAINED.outcome(ctx, f"sequence_log_probs on {len(passages)} held-out passages",
                           passages, _read_trained, math.log(len(model_vocab(ctx)) + 1))


CHECKS = (
    Check("textgen.vocab", "vocabulary and StringLookup ids", 10, check_vocab),
    Check("textgen.split_input_target", "split_input_target", 5, check_split),
    Check("textgen.sampling", "temperature sampling", 15, check_sampling),
    Check("textgen.pad_punctuation", "Foster's pad_punctuation", 5, check_pad_punctuation),
    Check("textgen.heldout_loss", "held-out loss of the char model", 15, check_heldout_loss,
          call_timeout=MODEL_TIMEOUT, hidden_data=True),
    Check("textgen.trained_model", "the char model's answers come from a trained RNN", 10,
          check_trained_model, call_timeout=MODEL_TIMEOUT, hidden_figures=True),
    Check("textgen.consistency", "sequence_log_probs agrees with next_char_distribution", 10,
          check_consistency, call_timeout=MODEL_TIMEOUT),
    Check("textgen.generate_text", "stateful one-step generation", 10, check_generate_text,
          call_timeout=MODEL_TIMEOUT),
    Check("textgen.generate_batch", "several prompts generated at once, one state per row", 5,
          check_generate_batch, call_timeout=MODEL_TIMEOUT),
    Check("textgen.pretrained", "generate() with a pretrained causal LM", 5, check_pretrained,
          call_timeout=MODEL_TIMEOUT),
    Check("textgen.pretrained_end_token", "generate() stops at the model's end token", 5,
          check_pretrained_end_token, call_timeout=MODEL_TIMEOUT),
    Check("textgen.pretrained_sampling", "temperature and top_p change what generate() draws",
          5, check_pretrained_sampling, call_timeout=MODEL_TIMEOUT),
)

EXERCISE = Exercise(
    name="textgen",
    title="Text generation: char-level GRU, sampling, pretrained causal LMs",
    checks=CHECKS,
    call_timeout=60.0,
    worker_imports=("tensorflow", "keras", "torch", "transformers",
                    "transformers.models.gpt2.modeling_gpt2"),
    artifacts=("textgen.keras",),
    # What the submission reads in the worker: the corpus, and the checker LM that
    # textgen.pretrained hands to generate_with_pretrained (lm.FOLDER_NAME).
    data_files=("tinyshakespeare.txt", str(Path(__file__).with_name(LM_FOLDER)),
                str(Path(__file__).with_name(LM_EOS_FOLDER))),
    helper_checks=(("build_vocab", "textgen.vocab"), ("text_to_ids", "textgen.vocab"),
                   ("ids_to_text", "textgen.vocab"),
                   ("split_input_target", "textgen.split_input_target"),
                   ("sample_next_id", "textgen.sampling"),
                   ("pad_punctuation", "textgen.pad_punctuation")),
    extras=("rnn-cpu", "lm"),
    fetch_data=(("tinyshakespeare.txt", "checkers.authoring.shakespeare:find_text_file"),),
    leaderboard=(LeaderboardColumn("Held-out nats/char", "textgen.heldout_loss",
                                   "heldout_loss", "asc"),),
    series=(SeriesPlot("loss_by_passage", "Loss per held-out passage", "passage",
                       "nats/char"),),
)
