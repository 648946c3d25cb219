"""Checks of the ``dates`` exercise (date-format seq2seq, HOML ch. 16 exercise 9).

Every expected value comes from :mod:`checkers.exercises.dates.oracle` (``datetime``), never from
the reference solution. Model checks send the hidden dates in few, large calls, but for
beam search (one call per date), which is measured on as many dates as its statistic
needs (a few hundred, with a confidence interval), so that a beam search written the
book's way (one ``model.predict`` per step and per beam) is graded well inside the budget.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
from hypothesis import strategies as st

from checkers.authoring import (
    Check,
    Context,
    Exercise,
    LeaderboardColumn,
    Option,
    Outcome,
    SeriesPlot,
    Violation,
    derive_seed,
    expect_array,
    expect_float,
    expect_int_list,
    expect_list,
    expect_str,
    expect_str_list,
    expect_tuple,
    linear_credit,
    run_property,
)
from checkers.authoring.thresholds import load_thresholds
from checkers.authoring.trained_model import ModelFile, Probe, trained_model_outcome
from checkers.exercises.dates import oracle as oracle

T = load_thresholds(Path(__file__).with_name("thresholds.toml"), {
    "hidden_size": int, "full_at": float, "zero_at": float, "beam_width_for_accuracy": int,
    "beam_size": int, "trained_size": int, "trained_beam_size": int, "trained_chance_up_to": float,
    "trained_min_gap": float})
HIDDEN_SIZE = T["hidden_size"]
FULL_AT = T["full_at"]
ZERO_AT = T["zero_at"]
BEAM_WIDTH_FOR_ACCURACY = T["beam_width_for_accuracy"]
# The widths the candidates' contract is probed with, on each of the probe dates.
CONTRACT_WIDTHS = (1, 2, 5)
MODEL_TIMEOUT = 300.0
SHOWN_ERRORS = 5


def _hidden_inputs(ctx: Context) -> tuple[list[str], list[str]]:
    """The hidden set (inputs, expected outputs), shared by the three accuracy checks."""
    rng = np.random.default_rng(derive_seed(ctx.seed, "dates.hidden"))
    size = ctx.option("dates_hidden_size")
    days = oracle.hidden_days(size, rng)
    return [oracle.input_str(d) for d in days], [oracle.output_str(d) for d in days]


def wilson_interval(hits: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a rate of ``hits`` in ``n`` (95 % for z = 1.96)."""
    if n <= 0:
        return 0.0, 1.0
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * float(np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)))
    return max(0.0, centre - half), min(1.0, centre + half)


def _wrong_conversions(inputs: list[str], expected: list[str], got: list[str]) -> str:
    """A few wrong conversions, one per line: input → expected → got."""
    wrong = [(i, e, g) for i, e, g in zip(inputs, expected, got, strict=True) if e != g]
    lines = [f"  {i!r} → expected {e!r} → got {g!r}" for i, e, g in wrong[:SHOWN_ERRORS]]
    if len(wrong) > SHOWN_ERRORS:
        lines.append(f"  … and {len(wrong) - SHOWN_ERRORS} more")
    return "\n".join(lines)


def _accuracy_outcome(
    label: str, inputs: list[str], expected: list[str], got: list[str],
    interval: bool = False,
) -> Outcome:
    """Exact-match (whole string) outcome with partial credit and a few wrong conversions
    (``interval``: with the rate's 95 % Wilson interval, for a rate measured on a sample)."""
    hits = sum(e == g for e, g in zip(expected, got, strict=True))
    accuracy = hits / max(1, len(inputs))
    fraction = linear_credit(accuracy, ZERO_AT, FULL_AT)
    low, high = wilson_interval(hits, len(inputs))
    measured = f" (95 % interval {low:.3f}–{high:.3f})" if interval else ""
    summary = (
        f"{label}: whole-string exact-match {accuracy:.4f}{measured} on {len(inputs)} hidden "
        f"dates (full marks at ≥ {FULL_AT}, none at ≤ {ZERO_AT})"
    )
    if accuracy < 1.0:
        summary += "\nSome wrong conversions (input → expected → got):\n"
        summary += _wrong_conversions(inputs, expected, got)
    metrics = {"exact_match": accuracy, **_errors_by_field(expected, got)}
    if interval:
        metrics.update({"exact_match_low": low, "exact_match_high": high})
    return Outcome(fraction, summary, None, metrics)


def _errors_by_field(expected: list[str], got: list[str]) -> dict[str, float]:
    """The share of outputs whose year, month or day is wrong (an output that is not
    YYYY-MM-DD counts as wrong everywhere), for the feedback plot."""
    fields = {"year": slice(0, 4), "month": slice(5, 7), "day": slice(8, 10)}
    wrong = dict.fromkeys(fields, 0)
    for e, g in zip(expected, got, strict=True):
        well_formed = len(g) == 10 and g[4] == "-" and g[7] == "-"
        for name, part in fields.items():
            wrong[name] += not well_formed or g[part] != e[part]
    size = max(1, len(expected))
    return {f"errors_by_field[{name}]": count / size for name, count in wrong.items()}


# ----------------------------------------------------------------------------- random_dates


def check_random_dates(ctx: Context) -> Outcome:
    def prop(case: tuple[int, int]) -> None:
        n, seed = case
        what = f"random_dates({n}, rng)"
        got = expect_tuple(ctx.call("random_dates", n, np.random.default_rng(seed)), what, 2)
        inputs = expect_str_list(got[0], f"the inputs of {what}", length=n)
        targets = expect_str_list(got[1], f"the targets of {what}", length=n)
        for x, y in zip(inputs, targets, strict=True):
            day = oracle.parse_input(x)
            if day is None:
                raise Violation(
                    f"{what} produced the input {x!r}, which is not in the format "
                    f"'Month DD, YYYY' (month spelled out, day on two digits, e.g. "
                    f"'May 02, 2020')"
                )
            if y != oracle.output_str(day):
                raise Violation(
                    f"{what} paired the input {x!r} with the target {y!r}; the target "
                    f"should be the ISO date of the same day: {oracle.output_str(day)!r}"
                )

    outcome = run_property(
        ctx,
        st.tuples(st.integers(0, 40), st.integers(0, 2**32 - 1)),
        prop,
        max_examples=25,
        describe=lambda c: f"random_dates({c[0]}, numpy.random.default_rng({c[1]}))",
        explicit=[(0, 2), (1, 0), (40, 1)],
    )
    if outcome.fraction < 1.0:
        return outcome
    return _random_dates_spread(ctx)


def _random_dates_spread(ctx: Context) -> Outcome:
    """Over many draws: every month, days 01 to 31, years over the whole range."""
    n = 6_000
    seed = ctx.seed_for("spread")
    what = f"random_dates({n}, numpy.random.default_rng({seed}))"
    got = expect_tuple(ctx.call("random_dates", n, np.random.default_rng(seed)), what, 2)
    inputs = expect_str_list(got[0], f"the inputs of {what}", length=n)
    days = [oracle.parse_input(x) for x in inputs]
    if any(d is None for d in days):
        bad = next(x for x, d in zip(inputs, days, strict=True) if d is None)
        return Outcome.failed(f"{what} produced {bad!r}, not a date in the input format")
    missing = sorted(set(range(1, 13)) - {d.month for d in days})
    if missing:
        names = ", ".join(oracle.MONTH_NAMES[m - 1] for m in missing)
        return Outcome.failed(f"{what} never produced these months: {names}")
    missing_days = sorted(set(range(1, 32)) - {d.day for d in days})
    if missing_days:
        return Outcome.failed(f"{what} never produced these days of the month: {missing_days}")
    years = np.array([d.year for d in days])
    # nine millennia-wide bins (1000-1999, ..., 9000-9999): each should hold about 1/9
    shares = np.bincount(years // 1000, minlength=10)[1:] / n
    if shares.min() < 0.07 or shares.max() > 0.16:
        spread = ", ".join(f"{1000 * (k + 1)}s: {s:.1%}" for k, s in enumerate(shares))
        return Outcome.failed(
            f"{what}: the years are not spread over 1000-9999 as uniform days would be "
            f"(share of each millennium, about 11% expected: {spread})"
        )
    again = ctx.call("random_dates", 50, np.random.default_rng(seed))
    first = ctx.call("random_dates", 50, np.random.default_rng(seed))
    again_inputs = expect_str_list(expect_tuple(again, what, 2)[0], what)
    if again_inputs != expect_str_list(expect_tuple(first, what, 2)[0], what):
        return Outcome.failed(
            f"two calls of random_dates(50, numpy.random.default_rng({seed})) gave different "
            f"dates: draw every random number from rng (e.g. rng.integers), not from "
            f"numpy.random or random"
        )
    if len(set(inputs)) < 0.95 * n:
        return Outcome.failed(f"{what} repeats dates far too often ({len(set(inputs))} distinct)")
    return Outcome.passed(
        "inputs and targets match, every month and day appears, years span 1000-9999"
    )


# ----------------------------------------------------------------------------- encoding


def _date_batches() -> st.SearchStrategy[list[date]]:
    return st.lists(oracle.days(), min_size=1, max_size=6)


def check_encoding(ctx: Context) -> Outcome:
    def prop(days: list[date]) -> None:
        inputs = [oracle.input_str(d) for d in days]
        outputs = [oracle.output_str(d) for d in days]
        for s, chars in ((inputs[0], oracle.INPUT_CHARS), (outputs[0], oracle.OUTPUT_CHARS)):
            what = f"date_str_to_ids({s!r}, chars={chars!r})"
            got = expect_int_list(ctx.call("date_str_to_ids", s, chars=chars), what)
            want = [chars.index(c) for c in s]
            if got != want:
                raise Violation(
                    f"{what} returned {got}; expected {want} (the index of each character "
                    f"in chars, without +1)"
                )
        for strs, chars in ((inputs, oracle.INPUT_CHARS), (outputs, oracle.OUTPUT_CHARS)):
            width = max(map(len, strs))
            want = np.zeros((len(strs), width), dtype=np.int64)
            for i, s in enumerate(strs):
                want[i, : len(s)] = [chars.index(c) + 1 for c in s]
            what = f"prepare_date_strs({strs!r}, chars={chars!r})"
            got = expect_array(
                ctx.call("prepare_date_strs", strs, chars=chars), what, kind="i", ndim=2
            )
            if got.shape != want.shape or not np.array_equal(got, want):
                raise Violation(
                    f"{what} returned\n{got.tolist()}\nexpected\n{want.tolist()}\n(ids + 1, "
                    f"0 as padding on the right, up to the longest string of the batch)"
                )
            what = f"ids_to_date_strs({want.tolist()}, chars={chars!r})"
            got_strs = expect_str_list(
                ctx.call("ids_to_date_strs", want, chars=chars), what, length=len(strs)
            )
            back = [s + "?" * (width - len(s)) for s in strs]
            if got_strs != back:
                raise Violation(
                    f"{what} returned {got_strs!r}; expected {back!r} (id i is "
                    f"('?' + chars)[i], so padding shows as '?')"
                )

    return run_property(
        ctx,
        _date_batches(),
        prop,
        max_examples=30,
        describe=lambda ds: repr([oracle.input_str(d) for d in ds]),
        explicit=[[date(1000, 5, 1), date(9999, 9, 30)], [date(2000, 2, 29)]],
    )


# ----------------------------------------------------------------------------- shifted outputs


def check_shifted(ctx: Context) -> Outcome:
    def prop(rows: list[list[int]]) -> None:
        Y = np.asarray(rows, dtype=np.int32)
        want = np.concatenate([np.full((len(Y), 1), oracle.SOS_ID), Y[:, :-1]], axis=1)
        what = f"shifted_output_sequences({Y.tolist()})"
        got = expect_array(ctx.call("shifted_output_sequences", Y), what, kind="i")
        if got.shape != want.shape or not np.array_equal(got, want):
            raise Violation(
                f"{what} returned {got.tolist()}; expected {want.tolist()} (SOS_ID = "
                f"{oracle.SOS_ID} then each row without its last id: the decoder's input at "
                f"step t is the target of step t - 1)"
            )

    rows = st.integers(2, 10).flatmap(
        lambda width: st.lists(
            st.lists(st.integers(1, len(oracle.OUTPUT_CHARS)), min_size=width, max_size=width),
            min_size=1,
            max_size=5,
        )
    )
    return run_property(ctx, rows, prop, max_examples=40, explicit=[[[3, 1, 2]]])


# ----------------------------------------------------------------------------- models


def _convert(ctx: Context, func: str, inputs: list[str]) -> list[str]:
    """Call a batch conversion function and validate its answer."""
    what = f"{func}(<{len(inputs)} dates>)"
    return expect_str_list(ctx.call(func, inputs), what, length=len(inputs))


def check_v1_accuracy(ctx: Context) -> Outcome:
    inputs, expected = _hidden_inputs(ctx)
    got = _convert(ctx, "convert_date_strs", inputs)
    return _accuracy_outcome("v1 (convert_date_strs)", inputs, expected, got)


def check_v1_padding(ctx: Context) -> Outcome:
    """Short dates alone (or among short dates only) convert as well as beside long ones."""
    rng = ctx.rng("short dates")
    shorts = [oracle.input_str(d) for d in oracle.short_days(40, rng)]
    shorts[0] = oracle.input_str(date(1000, 5, 1))  # the shortest input of all
    longest = oracle.input_str(date(9999, 9, 30))
    mixed = _convert(ctx, "convert_date_strs", [*shorts, longest])[: len(shorts)]
    alone_batch = _convert(ctx, "convert_date_strs", shorts)
    alone = [
        expect_str_list(
            ctx.call("convert_date_strs", [s]), f"convert_date_strs([{s!r}])", length=1
        )[0]
        for s in shorts[:5]
    ]
    cases = [(s, a, m, "alone") for s, a, m in zip(shorts[:5], alone, mixed, strict=False)]
    cases += [
        (s, a, m, "in a batch of short dates")
        for s, a, m in zip(shorts, alone_batch, mixed, strict=True)
    ]
    if len(set(mixed) | set(alone_batch) | set(alone)) == 1:
        return Outcome.blocked("dates.v1_accuracy", f"convert_date_strs gives {mixed[0]!r} for "
                               f"each of {len(shorts)} different dates, alone or in any batch: "
                               "whether the padding changes an answer cannot be seen")
    broken = [(s, how, a, m) for s, a, m, how in cases if a != m and a != oracle.convert(s)]
    if len(broken) <= 1:
        return Outcome.passed(
            f"{len(shorts)} short dates convert the same alone as beside an 18-character date",
            padding_errors=float(len(broken)),
        )
    lines = [
        f"  {s!r} {how} → {a!r} → {m!r} → {oracle.convert(s)!r}"
        for s, how, a, m in broken[:SHOWN_ERRORS]
    ]
    return Outcome.failed(
        f"{len(broken)} of {len(cases)} conversions of short dates come out wrong when no "
        f"18-character date is in the batch, and differently than beside one: the answer "
        f"depends on the batch. An encoder without a mask reads the padding; if v1 was trained "
        f"on inputs padded to 18 characters, pad every batch to that training length, not to "
        f"the longest string of the batch (input → alone → beside a long date → expected):\n"
        + "\n".join(lines),
        counterexample=repr(broken[0][0]),
        padding_errors=float(len(broken)),
    )


def check_v2_accuracy(ctx: Context) -> Outcome:
    inputs, expected = _hidden_inputs(ctx)
    got = _convert(ctx, "predict_date_strs", inputs)
    return _accuracy_outcome("v2 (predict_date_strs, greedy)", inputs, expected, got)


def _beam(ctx: Context, date_str: str, width: int) -> list[tuple[str, float]]:
    """Call beam_search and validate the shape of its answer (not yet its properties)."""
    return _beam_items(ctx.call("beam_search", date_str, width), date_str, width)


def _beam_items(answer: object, date_str: str, width: int) -> list[tuple[str, float]]:
    what = f"beam_search({date_str!r}, {width})"
    items = expect_list(answer, what)
    out = []
    for k, item in enumerate(items):
        pair = expect_tuple(item, f"item {k} of {what}", 2)
        out.append(
            (
                expect_str(pair[0], f"the string of item {k} of {what}"),
                expect_float(pair[1], f"the log-probability of item {k} of {what}"),
            )
        )
    return out


def _contract_problem(got: list[tuple[str, float]], width: int,
                      greedy: str | None) -> str | None:
    """What is wrong with the candidates ``got`` of a beam of ``width`` (None: nothing);
    ``greedy``: the greedy decoding of the same date (for width 1), when known."""
    texts, logps = [t for t, _ in got], [p for _, p in got]
    if len(got) != width:
        return f"returned {len(got)} candidates; expected beam_width = {width}"
    if len(set(texts)) != len(texts):
        return f"returned the same candidate twice: {texts!r}"
    if any(p > 1e-6 for p in logps):
        return f"returned log-probabilities above 0: {logps!r}"
    if any(b > a + 1e-6 for a, b in zip(logps, logps[1:], strict=False)):
        return f"is not sorted best first: log-probabilities {logps!r}"
    if width == 1 and greedy is not None and texts[0] != greedy:
        return (f"returned {texts[0]!r}, but greedy decoding (predict_date_strs) gives "
                f"{greedy!r}: a beam of width 1 is greedy decoding")
    return None


def _contract_failed(date_str: str, width: int, got: list[tuple[str, float]],
                     problem: str) -> Outcome:
    return Outcome.failed(
        f"beam_search({date_str!r}, {width}) {problem}. beam_search must return beam_width "
        f"distinct (string, log-probability) pairs, best first.",
        counterexample=f"beam_search({date_str!r}, {width}) -> {got!r}",
    )


def _beam_contract(ctx: Context) -> Outcome | None:
    """Width, distinctness, order, log-probs ≤ 0, width 1 == greedy, on four dates (the two
    edges and two drawn) and widths :data:`CONTRACT_WIDTHS`. None when all hold."""
    rng = ctx.rng("beam contract")
    probe = [date(1000, 5, 1), date(9999, 9, 30), *oracle.random_days(2, rng)]
    strs = [oracle.input_str(d) for d in probe]
    greedy = _convert(ctx, "predict_date_strs", strs)
    for s, g in zip(strs, greedy, strict=True):
        for width in CONTRACT_WIDTHS:
            got = _beam(ctx, s, width)
            problem = _contract_problem(got, width, g)
            if problem is not None:
                return _contract_failed(s, width, got, problem)
    return None


def check_beam_search(ctx: Context) -> Outcome:
    broken = _beam_contract(ctx)
    if broken is not None:
        return broken
    inputs, expected = _hidden_inputs(ctx)
    # One call per date (a book-style beam search takes seconds each), on as many dates
    # as the rate's statistic needs (thresholds.toml's beam_size; the course may change it).
    size = ctx.option("dates_beam_size") or T["beam_size"]
    inputs, expected = inputs[:size], expected[:size]
    top = []
    for s in inputs:
        got = _beam(ctx, s, BEAM_WIDTH_FOR_ACCURACY)
        problem = _contract_problem(got, BEAM_WIDTH_FOR_ACCURACY, None)
        if problem is not None:
            return _contract_failed(s, BEAM_WIDTH_FOR_ACCURACY, got, problem)
        top.append(got[0][0])
    outcome = _accuracy_outcome(
        f"beam search top-1 (width {BEAM_WIDTH_FOR_ACCURACY})", inputs, expected, top,
        interval=True,
    )
    return Outcome(
        outcome.fraction,
        "candidates: right number, distinct, sorted, log-probs ≤ 0, width 1 = greedy.\n"
        + outcome.feedback,
        None,
        outcome.metrics,
    )


# ----------------------------------------------------------------------------- trained model


def _recurrent_count(f: ModelFile) -> int:
    return sum(1 for name in f.recurrent if name != "Bidirectional")


def _dates_model_shape(files: list[ModelFile]) -> str | None:
    """A v1 (one input, encoder and decoder RNNs) and a v2 (encoder and decoder inputs)."""
    deep = [f for f in files if _recurrent_count(f) >= 2
            and any(len(shape) == 3 for shape in f.outputs)]
    v1 = [f for f in deep if len(f.inputs) == 1]
    v2 = [f for f in deep if len(f.inputs) >= 2]
    missing = []
    if not v1:
        missing.append("v1 (one input of character ids; an encoder RNN, RepeatVector, a "
                       "decoder RNN with return_sequences=True: output (batch, 10, classes))")
    if not v2:
        missing.append("v2 (two inputs, the encoder's characters and the decoder's shifted "
                       "targets; an encoder RNN whose state starts a decoder RNN)")
    if not missing:
        return None
    shown = "; ".join(f"{f.summary()}, inputs {list(f.inputs)}, outputs {list(f.outputs)}"
                      for f in files)
    return (f"your model files hold no encoder-decoder model for {' nor '.join(missing)}. "
            f"Save both beside your file (dates_v1.keras, dates_v2.keras). Found: {shown}")


def _exact_match_probe(ctx: Context, label: str, func: str) -> Probe:
    inputs, expected = _hidden_inputs(ctx)
    inputs, expected = inputs[: T["trained_size"]], expected[: T["trained_size"]]

    def measure(call) -> float:
        got = expect_str_list(call(func, inputs), f"{func}(<{len(inputs)} dates>)",
                              length=len(inputs))
        return float(np.mean([g == e for g, e in zip(got, expected, strict=True)]))

    return Probe(f"{label}: exact match on {len(inputs)} of the hidden dates", measure,
                 higher_is_better=True, chance=0.0, chance_up_to=T["trained_chance_up_to"],
                 min_gap=T["trained_min_gap"])


def _beam_probe(ctx: Context) -> Probe:
    inputs, expected = _hidden_inputs(ctx)
    inputs, expected = inputs[: T["trained_beam_size"]], expected[: T["trained_beam_size"]]

    def measure(call) -> float:
        hits = 0
        answers = call.many("beam_search", [(s, BEAM_WIDTH_FOR_ACCURACY) for s in inputs])
        for s, e, answer in zip(inputs, expected, answers, strict=True):
            what = f"beam_search({s!r}, {BEAM_WIDTH_FOR_ACCURACY})"
            items = expect_list(answer, what)
            top = expect_tuple(items[0], f"item 0 of {what}", 2) if items else ("", 0.0)
            hits += top[0] == e
        return hits / len(inputs)

    return Probe(f"beam_search: top-1 exact match on {len(inputs)} of the hidden dates",
                 measure, higher_is_better=True, chance=0.0,
                 chance_up_to=T["trained_chance_up_to"], min_gap=T["trained_min_gap"])


def check_trained_model(ctx: Context) -> Outcome:
    probes = [_exact_match_probe(ctx, "v1 (convert_date_strs)", "convert_date_strs"),
              _exact_match_probe(ctx, "v2 (predict_date_strs)", "predict_date_strs"),
              _beam_probe(ctx)]
    return trained_model_outcome(
        ctx, expected="dates_v1.keras and dates_v2.keras (model.save(...) beside your file)",
        functions="convert_date_strs, predict_date_strs and beam_search",
        shape_problem=_dates_model_shape, probes=probes)


CHECKS = (
    Check("dates.random_dates", "random_dates: format, targets, spread", 10, check_random_dates),
    Check(
        "dates.encoding",
        "date_str_to_ids / prepare_date_strs / ids_to_date_strs",
        10,
        check_encoding,
    ),
    Check("dates.shifted_outputs", "shifted_output_sequences", 10, check_shifted),
    Check(
        "dates.v1_accuracy",
        "v1 exact-match on hidden dates",
        15,
        check_v1_accuracy,
        call_timeout=MODEL_TIMEOUT,
        hidden_data=True,
    ),
    Check(
        "dates.v1_padding",
        "v1 pads inputs to the training length",
        10,
        check_v1_padding,
        call_timeout=MODEL_TIMEOUT,
    ),
    Check(
        "dates.v2_accuracy",
        "v2 exact-match (greedy decoding)",
        20,
        check_v2_accuracy,
        call_timeout=MODEL_TIMEOUT,
        hidden_data=True,
    ),
    Check(
        "dates.beam_search",
        "beam search over v2",
        15,
        check_beam_search,
        call_timeout=MODEL_TIMEOUT,
        hidden_data=True,
    ),
    Check(
        "dates.trained_model",
        "the conversions come from trained encoder-decoder RNNs",
        10,
        check_trained_model,
        call_timeout=MODEL_TIMEOUT,
        hidden_figures=True,
    ),
)

EXERCISE = Exercise(
    name="dates",
    title="Date-format seq2seq (HOML ch. 16, exercise 9)",
    checks=CHECKS,
    call_timeout=60.0,
    worker_imports=("tensorflow", "keras"),
    artifacts=("dates_v1.keras", "dates_v2.keras"),
    helper_checks=(("random_dates", "dates.random_dates"),
                   ("date_str_to_ids", "dates.encoding"),
                   ("prepare_date_strs", "dates.encoding"),
                   ("ids_to_date_strs", "dates.encoding"),
                   ("shifted_output_sequences", "dates.shifted_outputs")),
    options=(Option("dates_hidden_size", int, HIDDEN_SIZE, "dates in the hidden set"),
             Option("dates_beam_size", int, None,
                    "dates of the hidden set the beam search is measured on (default: "
                    "thresholds.toml's beam_size, 200)")),
    extras=("rnn-cpu",),
    leaderboard=(LeaderboardColumn("Exact match (v2)", "dates.v2_accuracy", "exact_match"),
                 LeaderboardColumn("Exact match (beam)", "dates.beam_search", "exact_match")),
    series=(SeriesPlot("errors_by_field", "Wrong conversions by date field", "field",
                       "share of dates with this field wrong", unit_range=True),),
)
