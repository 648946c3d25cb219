"""Checks of the ``wordgen`` exercise (Foster's word-level LSTM on Shakespeare's speeches).

The model checks never trust the submission's ``build_vocab``: the vocabulary is the
``TextVectorization`` vocabulary of the training speeches (first 90% of tiny Shakespeare),
``vocab_size`` entries, computed here by the oracle. Held-out speeches come from the last
10%, drawn with the grading seed; ``wordgen.heldout_loss``, ``wordgen.consistency`` and
``wordgen.trained_model`` draw the same ones. A speech is scored as its ids followed by
the end id 0.
"""

from __future__ import annotations

import math
import string
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
    TrainedLanguageModel,
    Violation,
    chi_square_p,
    derive_seed,
    expect_array,
    expect_int,
    expect_int_list,
    expect_str,
    expect_str_list,
    expect_tuple,
    pad_punctuation_outcome,
    run_property,
)
from checkers.authoring.thresholds import load_thresholds
from checkers.exercises.wordgen import oracle
from checkers.exercises.wordgen.data import train_and_heldout_speeches

MODEL_TIMEOUT = 240.0
T = load_thresholds(Path(__file__).with_name("thresholds.toml"), {
    "vocab_size": int, "max_len": int, "baseline_min_order": int, "baseline_max_order": int,
    "baseline_margin": float,
    "n_speeches": int, "log_prob_tolerance": float, "abs_prob_tolerance": float,
    "prob_tolerance": float, "significance": float, "trained_speeches": int,
    "trained_chance_up_to": float, "trained_min_gap": float})
VOCAB_SIZE = T["vocab_size"]
# heldout_loss: full marks `baseline_margin` nats/token below the best word n-gram model of
# the family (Kneser-Ney, modified Kneser-Ney or Witten-Bell, orders min-max) trained on the
# training speeches, on the same hidden speeches; nothing at or above that best
# (bench/bench_baselines.py).
BASELINE_FAMILY = BaselineFamily(
    tuple(range(T["baseline_min_order"], T["baseline_max_order"] + 1)), T["baseline_margin"],
    "token")
END_ID = 0

# The lecture's table: these probabilities at T = 0.2 read 67.5 / 30.1 / 1.2 / 1.1 / 0.0 %.
LECTURE_PROBS = [0.349, 0.297, 0.156, 0.154, 0.044]
LECTURE_TABLE = [67.5, 30.1, 1.2, 1.1, 0.0]

_TEXT_ALPHABET = ("abcdeABCDE" + string.punctuation + "  \n\t09éÆ’")
_WORDS = ["the", "The", "THE", "a", "b", "ab", "ba", "to", ",", ".", "!", "don't", "é", "z",
          "Zed", "[UNK]", "x.y"]


# -- data -----------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _speeches(data_dir: str | None) -> tuple[list[str], list[str]]:
    return train_and_heldout_speeches(data_dir)


@lru_cache(maxsize=4)
def _model_vocab(data_dir: str | None) -> tuple[str, ...]:
    return tuple(oracle.vocab(_speeches(data_dir)[0], VOCAB_SIZE))


def model_vocab(ctx: Context) -> list[str]:
    """The model vocabulary (index = id) the submission's model must use."""
    return list(_model_vocab(ctx.options.data_dir))


@lru_cache(maxsize=4)
def _training_ids(data_dir: str | None) -> tuple[tuple[int, ...], ...]:
    words = list(_model_vocab(data_dir))
    seqs = [oracle.text_to_ids(s, words)[: T["max_len"]] for s in _speeches(data_dir)[0]]
    return tuple(tuple(s + [END_ID]) for s in seqs if s)


def training_sequences(ctx: Context) -> tuple[tuple[int, ...], ...]:
    """What the n-gram baselines are trained on: each training speech's ids (at most
    ``max_len``) followed by the end id, as held-out speeches are scored."""
    return _training_ids(ctx.options.data_dir)


def heldout_ids(ctx: Context) -> list[list[int]]:
    """Hidden held-out speeches as ids followed by the end id 0 (same for one seed)."""
    _, heldout = _speeches(ctx.options.data_dir)
    words = model_vocab(ctx)
    seqs = [oracle.text_to_ids(s, words) for s in heldout]
    seqs = [s + [END_ID] for s in seqs if 2 <= len(s) <= T["max_len"]]
    rng = np.random.default_rng(derive_seed(ctx.seed, "wordgen.heldout"))
    picked = rng.choice(len(seqs), size=min(T["n_speeches"], len(seqs)), replace=False)
    return [seqs[i] for i in picked]


def _short(items, limit: int = 8) -> str:
    items = list(items)
    return repr(items) if len(items) <= limit else repr(items[:limit])[:-1] + ", ...]"


# -- pad_punctuation, tokens, vocabulary ------------------------------------------------


def check_pad_punctuation(ctx: Context) -> Outcome:
    """Foster's padding: every mark alone, single spaces, idempotent, nothing else moved."""
    return pad_punctuation_outcome(ctx, _TEXT_ALPHABET, 50,
                                   ["Hello, world!", "a  b", "don't (x)"])


def check_tokenize(ctx: Context) -> Outcome:
    """tokenize, text_to_ids ([UNK] = 1) and ids_to_text against the definitions."""
    text = st.text(alphabet=_TEXT_ALPHABET, max_size=40)

    def prop(example: tuple[str, str]) -> None:
        source, probe = example
        call = f"tokenize({probe!r})"
        got = expect_str_list(ctx.call("tokenize", probe), call)
        want = oracle.tokenize(probe)
        if got != want:
            raise Violation(f"{call} returned {got!r}; expected {want!r} (lower-case, a space "
                            "around each punctuation mark, split on any whitespace)")
        words = oracle.vocab([source], 8)
        call = f"text_to_ids({probe!r}, vocab={words!r})"
        ids = expect_int_list(ctx.call("text_to_ids", probe, words), call)
        want_ids = oracle.text_to_ids(probe, words)
        if ids != want_ids:
            raise Violation(f"{call} returned {ids!r}; expected {want_ids!r} (the index of each "
                            "token in vocab; 1, [UNK], for a token not in it)")
        back_call = f"ids_to_text({want_ids!r}, vocab={words!r})"
        back = expect_str(ctx.call("ids_to_text", want_ids + [0], words),
                          back_call[:-1] + " + [0])")
        want_back = oracle.ids_to_text(want_ids, words)
        if back != want_back:
            raise Violation(f"{back_call[:-1]} + [0]) returned {back!r}; expected "
                            f"{want_back!r} (tokens joined by single spaces, id 0 left out)")

    return run_property(ctx, st.tuples(text, text), prop, max_examples=50,
                        explicit=[("to be, or not to be", "To be, or NOT?\nWhy: don't")],
                        describe=lambda e: f"vocabulary text={e[0]!r}, text={e[1]!r}")


def check_vocab(ctx: Context) -> Outcome:
    """build_vocab equals TextVectorization's vocabulary, ties and max_tokens included."""
    texts = st.lists(st.lists(st.sampled_from(_WORDS), max_size=12).map(" ".join), max_size=6)

    def prop(example: tuple[list[str], int]) -> None:
        docs, max_tokens = example
        call = f"build_vocab({docs!r}, max_tokens={max_tokens})"
        got = expect_str_list(ctx.call("build_vocab", docs, max_tokens), call)
        want = oracle.vocab(docs, max_tokens)
        if got != want:
            raise Violation(f"{call} returned {got!r}; expected {want!r} (\"\" and \"[UNK]\" "
                            "first, then by descending count; equal counts: the token that "
                            "sorts later first; at most max_tokens entries)")

    return run_property(ctx, st.tuples(texts, st.integers(2, 14)), prop, max_examples=50,
                        explicit=[(["b a b", "c"], 10), (["x y z y x w"], 4)])


# -- sampling -------------------------------------------------------------------------


def _sample(ctx: Context, probs: list[float], temperature: float, seed: int
            ) -> tuple[int, np.ndarray, object]:
    """sample_from's (id, p) and the rng it returned, validated."""
    rng = np.random.default_rng(seed)
    call = f"sample_from({_short(np.round(probs, 4).tolist())}, temperature={temperature}, rng)"
    result, rngs = ctx.call_with_rngs("sample_from", probs, temperature, rng)
    got = expect_tuple(result, call, 2)
    token = expect_int(got[0], call + "[0]")
    p = expect_array(got[1], call + "[1]", kind="f").reshape(-1)
    if p.shape != (len(probs),):
        raise Violation(f"{call} returned p of shape {p.shape}; expected ({len(probs)},)")
    return token, p, (rngs[0] if rngs else None)


def _sampling_case(ctx: Context, probs: list[float], temperature: float, seed: int) -> None:
    call = f"sample_from({_short(np.round(probs, 4).tolist())}, temperature={temperature}, rng)"
    token, p, after = _sample(ctx, probs, temperature, seed)
    want = oracle.temperature_probs(probs, temperature)
    if not np.all(np.isfinite(p)) or np.max(np.abs(p - want)) > T["prob_tolerance"]:
        raise Violation(f"{call} returned p = {_short(np.round(p, 4).tolist())}; expected "
                        f"probs ** (1 / T) renormalised: {_short(np.round(want, 4).tolist())}")
    replay = np.random.default_rng(seed)
    window = oracle.draw_window(want, float(replay.random()))
    if token not in window:
        raise Violation(f"{call} drew id {token}; with that rng, rng.choice(len(p), p=p) draws "
                        f"{min(window)} (draw exactly once with rng.choice, on the reshaped p)")
    if after is not None and after.bit_generator.state != replay.bit_generator.state:
        raise Violation(f"{call} used its rng other than by one rng.choice(len(p), p=p) call "
                        "(the checker replays your draws: no other random calls)")


def check_sampling(ctx: Context) -> Outcome:
    """Foster's sample_from: the lecture's table, p ** (1/T) renormalised, replayable draws."""
    _, p, _ = _sample(ctx, LECTURE_PROBS, 0.2, ctx.seed_for("lecture"))
    read = np.round(p * 100, 1).tolist()
    if read != LECTURE_TABLE:
        return Outcome.failed(
            f"sample_from({LECTURE_PROBS}, temperature=0.2, rng) returned p reading "
            f"{read} %; the lecture's table at T = 0.2 reads {LECTURE_TABLE} % "
            "(p ** (1 / T), divided by its sum)")

    @st.composite
    def cases(draw) -> tuple[list[float], float, int]:
        n = draw(st.integers(2, 12))
        weights = [draw(st.floats(0.0, 1.0)) for _ in range(n)]
        weights[draw(st.integers(0, n - 1))] += 0.05
        probs = (np.round(np.array(weights) / sum(weights), 6))
        probs = (probs / probs.sum()).tolist()
        temperature = draw(st.sampled_from([0.05, 0.2, 0.5, 1.0, 1.5, 3.0]))
        return probs, temperature, draw(st.integers(0, 2**32 - 1))

    flat = np.full(VOCAB_SIZE, 0.9 / (VOCAB_SIZE - 1))
    flat[7] = 0.1  # a model-sized distribution whose p ** (1 / 0.001) underflows to 0
    explicit = [(LECTURE_PROBS, 1.0, 1), ((flat / flat.sum()).tolist(), 0.001, 2)]

    def prop(case: tuple[list[float], float, int]) -> None:
        _sampling_case(ctx, *case)

    outcome = run_property(ctx, cases(), prop, max_examples=40, explicit=explicit,
                           describe=lambda c: f"probs={_short(c[0])}, T={c[1]}, seed={c[2]}")
    if outcome.fraction < 1:
        return outcome
    counts = np.zeros(len(LECTURE_PROBS), dtype=int)
    for k in range(300):
        counts[_sample(ctx, LECTURE_PROBS, 1.0, ctx.seed_for("freq", k))[0]] += 1
    p_value = chi_square_p(counts, LECTURE_PROBS)
    if p_value < T["significance"]:
        return Outcome.failed(f"300 draws at T = 1 from {LECTURE_PROBS} gave counts "
                              f"{counts.tolist()} (chi-square p = {p_value:.2g})")
    return Outcome.passed("the lecture's table at T = 0.2, p ** (1 / T) renormalised (no "
                          "underflow at T = 0.001), draws replayed exactly from rng")


# -- the word model -------------------------------------------------------------------


def _probs(ctx: Context, prefix: list[int]) -> np.ndarray:
    what = f"next_token_probs({_short(prefix)})"
    probs = expect_array(ctx.call("next_token_probs", prefix), what, kind="f")
    if probs.shape not in ((VOCAB_SIZE,), (1, VOCAB_SIZE)):
        raise Violation(f"{what} returned shape {probs.shape}; expected ({VOCAB_SIZE},): one "
                        "probability per id of the vocabulary")
    probs = probs.reshape(-1).astype(np.float64)
    if not np.all(np.isfinite(probs)) or probs.min() < -1e-6 or abs(probs.sum() - 1) > 1e-3:
        raise Violation(f"{what} is not a probability distribution (min {probs.min():.3g}, "
                        f"sum {probs.sum():.6f}); return softmax probabilities")
    return probs


def _log_probs(ctx: Context, ids: list[int], call=None) -> np.ndarray:
    call = call or ctx.call
    what = f"token_log_probs({_short(ids)})"
    got = expect_array(call("token_log_probs", ids), what, kind="f")
    want = max(len(ids) - 1, 0)
    if got.size != want or (got.ndim > 1 and got.shape[-1] != want):
        raise Violation(f"{what} returned shape {got.shape}; expected ({want},) (one value per "
                        "predicted id, len(ids) - 1)")
    return got.reshape(-1).astype(np.float64)


FUNCTIONS = LogProbFunctions("token_log_probs", "next_token_probs", "ids",
                             T["log_prob_tolerance"], T["abs_prob_tolerance"],
                             nan_checked=True)


def _consistency_problem(ctx: Context, ids: list[int], log_probs: np.ndarray,
                         positions: list[int]) -> str | None:
    """Why ``log_probs`` disagrees with next_token_probs somewhere (None when it agrees)."""
    return FUNCTIONS.consistency_problem(log_probs, positions,
                                         lambda i: _probs(ctx, ids[: i + 1]), ids,
                                         lambda i: f"id {ids[i + 1]}", _short(ids))


def check_heldout_loss(ctx: Context) -> Outcome:
    """Mean nats/token on hidden held-out speeches, the end included (when consistent)."""
    seqs = heldout_ids(ctx)
    rng = ctx.rng("positions")

    def problem_of(ids: list[int], log_probs: np.ndarray) -> str | None:
        positions = sorted({len(ids) - 2, int(rng.integers(0, len(ids) - 1))})
        return _consistency_problem(ctx, ids, log_probs, positions)

    total, count, _ = FUNCTIONS.heldout_total(seqs, lambda ids: _log_probs(ctx, ids),
                                              problem_of)
    loss = total / count if math.isfinite(total) else math.inf
    best = BASELINE_FAMILY.best(training_sequences(ctx), seqs, VOCAB_SIZE)
    return BASELINE_FAMILY.outcome(
        loss, count, f"tokens (the end of each speech included) of {len(seqs)} hidden speeches",
        best, {"heldout_loss": loss}, "heldout_loss.threshold")


def check_consistency(ctx: Context) -> Outcome:
    """token_log_probs agrees with next_token_probs; distributions are proper."""
    seqs = heldout_ids(ctx)
    rng = ctx.rng("consistency")
    checked = 0
    seen: list[np.ndarray] = []
    for ids in ([], [seqs[0][0]]):
        _log_probs(ctx, ids)
    for index, ids in enumerate(seqs[:12]):
        positions = {len(ids) - 2}
        positions |= set(rng.choice(len(ids) - 1, size=min(4, len(ids) - 1),
                                    replace=False).tolist())
        if index == 0:
            positions |= set(range(min(len(ids) - 1, 15)))
        log_probs = _log_probs(ctx, ids)
        seen.append(log_probs)
        problem = _consistency_problem(ctx, ids, log_probs, sorted(positions))
        if problem:
            return Outcome.failed(problem)
        checked += len(positions)
    blocked = FUNCTIONS.constant_blocked(seen, "wordgen.heldout_loss", "token of every speech")
    if blocked is not None:
        return blocked
    return Outcome.passed(f"token_log_probs agrees with next_token_probs at {checked} "
                          "positions (the end of each speech included); every distribution "
                          "is >= 0 and sums to 1; short inputs give empty arrays")


# -- generation -----------------------------------------------------------------------


def _generate(ctx: Context, prompt: str, max_tokens: int, temperature: float, seed: int
              ) -> tuple[list[int], str]:
    call = f"generate({prompt!r}, max_tokens={max_tokens}, temperature={temperature}, seed={seed})"
    return expect_int_list(ctx.call("generate", prompt, max_tokens, temperature, seed), call), call


def _replay_problem(ctx: Context, prompt: str, max_tokens: int, temperature: float,
                    seed: int) -> str | None:
    """Replay one generate() call step by step with the checker's draws (None if it agrees)."""
    ids, call = _generate(ctx, prompt, max_tokens, temperature, seed)
    start = oracle.text_to_ids(prompt, model_vocab(ctx))
    if ids[: len(start)] != start:
        return f"{call} returned {_short(ids)}; it must start with the prompt's ids {start}"
    if len(ids) > max(max_tokens, len(start)):
        return (f"{call} returned {len(ids)} ids; at most max_tokens = {max_tokens}, the "
                "prompt included (Foster: while len(ids) < max_tokens)")
    if END_ID in ids[len(start):]:
        return (f"{call} returned {_short(ids)}, which holds the end id 0: stop when 0 is "
                "drawn, without appending it")
    rng = np.random.default_rng(seed)
    for step in range(len(start), max_tokens):
        window = oracle.draw_window(
            oracle.temperature_probs(_probs(ctx, ids[:step]), temperature), float(rng.random()))
        if step == len(ids):
            if END_ID in window:
                return None
            return (f"{call} stopped after {len(ids)} ids, but the end id 0 was not drawn and "
                    f"max_tokens = {max_tokens} was not reached: the next draw is id "
                    f"{min(window)}")
        if ids[step] not in window:
            if window == {END_ID}:
                return (f"{call}: after {step} ids the draw is the end id 0, and generation "
                        f"must stop there; it went on with {_short(ids[step:])}")
            return (f"{call}: after {step} ids it chose id {ids[step]}, but sample_from("
                    f"next_token_probs(ids), {temperature}, rng) with rng = "
                    f"np.random.default_rng({seed}) draws id {min(window)} (one draw per new "
                    "token, with that rng only)")
    return None


def check_generate(ctx: Context) -> Outcome:
    """generate: prompt first, stops at the end id or max_tokens, replayable from the seed."""
    _, heldout = _speeches(ctx.options.data_dir)
    rng = ctx.rng("prompts")
    short = [s for s in heldout if 3 <= len(oracle.tokenize(s)) <= 25]
    prompts = [short[int(i)] for i in rng.choice(len(short), size=5, replace=False)]
    plans = [(1.0, 30), (1.0, 30), (0.7, 30), (1.5, 15), (1.0, 1)]
    ends = 0
    for k, (prompt, (temperature, extra)) in enumerate(zip(prompts, plans, strict=True)):
        n = len(oracle.tokenize(prompt))
        seed = int(ctx.seed_for("generate", k) % 2**32)
        problem = _replay_problem(ctx, prompt, n + extra, temperature, seed)
        if problem:
            return Outcome.failed(problem)
        ids, call = _generate(ctx, prompt, n + extra, temperature, seed)
        ends += len(ids) < n + extra
        again, _ = _generate(ctx, prompt, n + extra, temperature, seed)
        if again != ids:
            return Outcome.failed(f"{call} gave {_short(ids)} and then {_short(again)}: the "
                                  "same seed must give the same ids")
    prompt = prompts[0]
    n = len(oracle.tokenize(prompt))
    ids, call = _generate(ctx, prompt, n - 1, 1.0, 0)
    if ids != oracle.text_to_ids(prompt, model_vocab(ctx)):
        return Outcome.failed(f"{call} returned {_short(ids)}: a prompt of max_tokens ids "
                              "or more comes back as it is")
    return Outcome.passed(f"5 generations replayed draw by draw ({ends} stopped at the end id "
                          "0, the others at max_tokens); same seed, same ids")


# -- the trained model ----------------------------------------------------------------


TRAINED = TrainedLanguageModel("wordgen.keras",
                               "token_log_probs, next_token_probs and generate",
                               T["trained_chance_up_to"], T["trained_min_gap"], " nats/token")


def check_trained_model(ctx: Context) -> Outcome:
    """wordgen.keras loads safely, holds an RNN, and the held-out loss comes from it."""
    seqs = heldout_ids(ctx)[: T["trained_speeches"]]
    return TRAINED.outcome(ctx, f"token_log_probs on {len(seqs)} held-out speeches", seqs,
                           lambda call, ids: _log_probs(ctx, ids, call), math.log(VOCAB_SIZE))


CHECKS = (
    Check("wordgen.pad_punctuation", "Foster's pad_punctuation", 5, check_pad_punctuation),
    Check("wordgen.tokenize", "word and punctuation tokens, ids", 10, check_tokenize),
    Check("wordgen.vocab", "TextVectorization vocabulary", 10, check_vocab),
    Check("wordgen.sampling", "temperature sampling (Foster's sample_from)", 15,
          check_sampling),
    Check("wordgen.heldout_loss", "held-out loss of the word model", 25, check_heldout_loss,
          call_timeout=MODEL_TIMEOUT, hidden_data=True),
    Check("wordgen.consistency", "token_log_probs agrees with next_token_probs", 10,
          check_consistency, call_timeout=MODEL_TIMEOUT),
    Check("wordgen.generate", "generation to the end token or max_tokens", 15,
          check_generate, call_timeout=MODEL_TIMEOUT),
    Check("wordgen.trained_model", "the word model's answers come from a trained RNN", 10,
          check_trained_model, call_timeout=MODEL_TIMEOUT, hidden_figures=True),
)

EXERCISE = Exercise(
    name="wordgen",
    title="Word-level text generation: Foster's LSTM, temperature, end token",
    checks=CHECKS,
    call_timeout=60.0,
    worker_imports=("tensorflow", "keras"),
    artifacts=("wordgen.keras", "wordgen_vocab.json"),
    data_files=("tinyshakespeare.txt",),
    helper_checks=(("pad_punctuation", "wordgen.pad_punctuation"),
                   ("tokenize", "wordgen.tokenize"), ("text_to_ids", "wordgen.tokenize"),
                   ("ids_to_text", "wordgen.tokenize"), ("build_vocab", "wordgen.vocab"),
                   ("sample_from", "wordgen.sampling")),
    extras=("rnn-cpu",),
    fetch_data=(("tinyshakespeare.txt", "checkers.authoring.shakespeare:find_text_file"),),
    leaderboard=(LeaderboardColumn("Held-out nats/token", "wordgen.heldout_loss",
                                   "heldout_loss", "asc"),),
)
