"""Checks of the `reber` exercise (embedded Reber grammar, HOML ch. 16 exercise 8)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from hypothesis import strategies as st
from scipy import stats

from checkers.authoring import (
    Check,
    Context,
    Excuses,
    Exercise,
    LeaderboardColumn,
    NotImplementedInSubmission,
    Outcome,
    SeriesPlot,
    SubmissionError,
    SubmissionRaised,
    Violation,
    derive_seed,
    expect_array,
    expect_int_list,
    expect_list,
    expect_str,
    expect_tuple,
    linear_credit,
    raised_through,
    run_property,
)
from checkers.authoring.thresholds import load_thresholds
from checkers.authoring.trained_model import (
    ModelFile,
    Probe,
    recurrent_problem,
    trained_model_outcome,
)
from checkers.exercises.reber import oracle as oracle

GRAMMARS = {"default_reber_grammar": oracle.default_grammar,
            "embedded_reber_grammar": oracle.embedded_grammar}
ACCEPTORS = {"default_reber_grammar": oracle.is_reber,
             "embedded_reber_grammar": oracle.is_embedded_reber}
SEEDS = st.integers(min_value=0, max_value=2**32 - 1)
GRAMMAR_AND_SEED = st.tuples(st.sampled_from(sorted(GRAMMARS)), SEEDS)
T = load_thresholds(Path(__file__).with_name("thresholds.toml"), {
    "significance": float, "hidden_size": int, "accuracy_zero_at": float,
    "accuracy_full_at": float, "long_range_pairs": int, "long_range_middle": int,
    "long_range_zero_at": float, "long_range_full_at": float,
    "trained_chance_up_to": float, "trained_min_gap": float})
SIGNIFICANCE = T["significance"]
MODEL_TIMEOUT = 180.0


def _describe_call(function: str):
    def describe(example: tuple[str, int]) -> str:
        grammar, seed = example
        return f"{function}({grammar}, rng=np.random.default_rng({seed}))"
    return describe


def _generate(ctx: Context, function: str, grammar: str, seed: int) -> str:
    rng = np.random.default_rng(seed)
    what = f"{function}({grammar}, rng)"
    return expect_str(ctx.call(function, GRAMMARS[grammar](), rng), what)


def _generate_many(ctx: Context, function: str,
                   calls: list[tuple[str, int]]) -> Iterator[tuple[str, str]]:
    """``(grammar, string)`` for each ``(grammar, seed)``, in order: like :func:`_generate`
    in a loop, with the calls batched (one round trip per chunk)."""
    grammars = {name: make() for name, make in GRAMMARS.items()}  # each sent as a copy
    results = ctx.call_many(function, [(grammars[grammar], np.random.default_rng(seed))
                                       for grammar, seed in calls])
    for (grammar, _), value in zip(calls, results, strict=False):
        yield grammar, expect_str(value, f"{function}({grammar}, rng)")


def check_generate_valid(ctx: Context) -> Outcome:
    """Generated strings belong to the grammar they were generated from."""
    def prop(example: tuple[str, int]) -> None:
        grammar, seed = example
        s = _generate(ctx, "generate_string", grammar, seed)
        if not ACCEPTORS[grammar](s):
            raise Violation(f"generate_string({grammar}, rng) returned {s!r}, which the "
                            f"{grammar.replace('_', ' ')} does not produce")
    explicit = [("default_reber_grammar", 0), ("embedded_reber_grammar", 0)]
    return run_property(ctx, GRAMMAR_AND_SEED, prop, max_examples=60,
                        describe=_describe_call("generate_string"), explicit=explicit)


def _loop_runs(path: list[tuple[int, str]], state: int, letter: str) -> list[int]:
    """How many times the self-loop ``state --letter--> state`` repeats at each entry."""
    runs, current, inside = [], 0, False
    for step_state, step_letter in path:
        if step_state == state:
            inside = True
            if step_letter == letter:
                current += 1
                continue
        if inside:
            runs.append(current)
            current, inside = 0, False
    return runs


def _geometric_p_value(runs: list[int], buckets: int = 6) -> float:
    """Chi-square p-value of loop repeat counts against P(k) = 2^-(k+1) (k >= buckets pooled)."""
    counts = np.bincount(np.minimum(runs, buckets), minlength=buckets + 1)
    expected_p = np.array([2.0 ** -(k + 1) for k in range(buckets)] + [2.0 ** -buckets])
    return float(stats.chisquare(counts, expected_p * len(runs)).pvalue)


@dataclass
class _Coverage:
    """Branch and loop counts read from the valid generated strings."""

    choices: dict[int, Counter] = field(
        default_factory=lambda: {state: Counter() for state in oracle.CHOICE_STATES})
    outer: Counter = field(default_factory=Counter)
    runs: dict[str, list[int]] = field(
        default_factory=lambda: {"S loop of state 2": [], "T loop of state 3": []})
    invalid: int = 0

    def add(self, grammar: str, s: str) -> None:
        """Count one generated string (an invalid one only as invalid)."""
        if grammar == "embedded_reber_grammar":
            if not oracle.is_embedded_reber(s):
                self.invalid += 1
                return
            self.outer[s[1]] += 1
            s = s[2:-2]
        path = oracle.reber_path(s)
        if path is None:
            self.invalid += 1
            return
        for state, letter in path:
            if state in self.choices:
                self.choices[state][letter] += 1
        self.runs["S loop of state 2"] += _loop_runs(path, 2, "S")
        self.runs["T loop of state 3"] += _loop_runs(path, 3, "T")

    def branch_problems(self) -> list[str]:
        """Branches not taken about equally often (chi-square), or never reached."""
        problems = []
        tables = [("the first letter after B of the embedded grammar", self.outer, "TP")]
        tables += [(f"state {state} of the Reber grammar", self.choices[state],
                    "".join(oracle.REBER_TRANSITIONS[state]))
                   for state in oracle.CHOICE_STATES]
        for label, counter, letters in tables:
            observed = [counter[letter] for letter in letters]
            if sum(observed) == 0:
                problems.append(f"{label} was never reached")
                continue
            p_value = float(stats.chisquare(observed).pvalue)
            if p_value < SIGNIFICANCE:
                shares = ", ".join(f"{letter}: {n}"
                                   for letter, n in zip(letters, observed, strict=True))
                problems.append(f"at {label} the branches were taken {shares} times "
                                f"(each should be taken about equally often; p = {p_value:.1e})")
        return problems

    def loop_problems(self) -> list[str]:
        """Loops whose repeats are not geometric with p = 1/2, or never entered."""
        problems = []
        for label, observed_runs in self.runs.items():
            if not observed_runs:
                problems.append(f"the {label} was never entered")
                continue
            p_value = _geometric_p_value(observed_runs)
            if p_value < SIGNIFICANCE:
                longest = max(observed_runs, default=0)
                problems.append(f"the {label} repeats too rarely or too often (longest run "
                                f"{longest} over {len(observed_runs)} visits; each repeat "
                                f"should happen with probability 1/2, p = {p_value:.1e})")
        return problems


def check_generate_coverage(ctx: Context) -> Outcome:
    """Every branch is taken about equally often; loops repeat as the grammar makes them."""
    seeds = ctx.rng("seeds").integers(0, 2**32 - 1, size=1200)
    calls = [("default_reber_grammar" if index % 2 == 0 else "embedded_reber_grammar",
              int(seed)) for index, seed in enumerate(seeds)]
    coverage = _Coverage()
    # Invalid strings cost reber.generate_valid; coverage is read from the valid ones.
    for grammar, s in _generate_many(ctx, "generate_string", calls):
        coverage.add(grammar, s)
    invalid = coverage.invalid
    if invalid == len(seeds):
        return Outcome.blocked("reber.generate_valid", f"none of {len(seeds)} generated "
                               "strings is valid, so no branch of the grammar can be read")
    problems = coverage.branch_problems() + coverage.loop_problems()
    valid = f"the {len(seeds) - invalid} valid strings of {len(seeds)} generated"
    if problems:
        over = valid if invalid else f"{len(seeds)} generated strings"
        return Outcome.failed(f"Over {over}: " + "; ".join(problems))
    over = valid if invalid else f"{len(seeds)} strings"
    outcome = Outcome.passed(f"branch frequencies match the grammar over {over}")
    if invalid:
        outcome = outcome.excusing([(f"the {invalid} invalid strings",
                                     "reber.generate_valid")])
    return outcome


def _invalid_generated(ctx: Context, seeds: int = 24) -> str | None:
    """An invalid string from the submission's generate_string (None if all are valid):
    where it is wrong, a function built on it may be excused as far as it explains the
    function's output (that bug costs reber.generate_valid, not the caller's check too)."""
    for seed in range(seeds):
        for grammar, accept in ACCEPTORS.items():
            try:
                s = _generate(ctx, "generate_string", grammar, seed)
            except (Violation, SubmissionError):
                return "<an error>"
            if not accept(s):
                return s
    return None


def _corrupted_ends(ctx: Context, draws: int = 1000) -> Outcome | None:
    """Any letter may be the one replaced, the first 'B' and the last 'E' included.

    A valid string always starts with B and ends with E, so a corruption there shows;
    with about 12 letters each end is replaced ~80 times in 1000 draws (which also meet
    a crash that happens once in a few hundred calls).
    """
    seeds = ctx.rng("corrupted-ends").integers(0, 2**32 - 1, size=draws)
    first = last = 0
    calls = [("embedded_reber_grammar", int(seed)) for seed in seeds]
    for _, s in _generate_many(ctx, "generate_corrupted_string", calls):
        first += not s.startswith("B")
        last += not s.endswith("E")
    if first and last:
        return None
    never = " and ".join(name for name, n in (("the first letter", first),
                                             ("the last letter", last)) if not n)
    return Outcome.failed(f"over {draws} calls of generate_corrupted_string("
                          f"embedded_reber_grammar, rng), {never} was never replaced: every "
                          "position of the string should be the corrupted one sometimes "
                          "(draw the index from all len(s) positions)")


def _helper_broken(ctx: Context) -> dict[str, str]:
    """``{function: its check}`` for the helpers of reber that are observed wrong on their
    own (direct calls, never through another function)."""
    broken = {}
    if _invalid_generated(ctx) is not None:
        broken["generate_string"] = "reber.generate_valid"
    if _bad_corrupted(ctx) is not None:
        broken["generate_corrupted_string"] = "reber.corrupted"
    if _student_letters(ctx) != oracle.CHARS:
        broken["string_to_ids"] = "reber.string_to_ids"
    return broken


def _one_substitution(s: str, base: str) -> bool:
    """Whether ``s`` is ``base`` with exactly one letter replaced."""
    return len(s) == len(base) and sum(a != b for a, b in zip(s, base, strict=True)) == 1


def _corrupted_example(ctx: Context, example: tuple[str, int], broken: dict[str, str],
                       excuses: Excuses) -> None:
    """Judge one call of generate_corrupted_string (the property of reber.corrupted)."""
    grammar, seed = example
    accept = ACCEPTORS[grammar]
    call = f"generate_corrupted_string({grammar}, rng)"
    try:
        s = _generate(ctx, "generate_corrupted_string", grammar, seed)
    except SubmissionError as error:
        check = _raised_in_broken_helper(ctx, error, "generate_corrupted_string", broken)
        if check is None:
            raise
        excuses.block(check)
        return
    excuses.saw()
    if not s or set(s) - set(oracle.CHARS):
        raise Violation(f"{call} returned {s!r}; use only the letters {oracle.CHARS!r}")
    if accept(s):
        raise Violation(f"{call} returned {s!r}, which is a VALID string of the grammar: "
                        "the replacement letter must differ from the original and make "
                        "the string invalid")
    if oracle.one_substitution_from(s, accept):
        return
    if "generate_string" in broken:
        # Consistent with the submission's own generator: one letter of the string that
        # its generate_string returns for the same rng, replaced.
        base = _try_generate(ctx, grammar, seed)
        if base is not None and _one_substitution(s, base):
            excuses.excuse("one substitution away from a VALID string (your generate_string "
                           "returns invalid ones; the corrupted strings are one substitution "
                           "from those)", "reber.generate_valid")
            return
    raise Violation(f"{call} returned {s!r}, which is not one letter away from any "
                    "valid string: replace exactly one letter of a valid string")


def _try_generate(ctx: Context, grammar: str, seed: int) -> str | None:
    try:
        return _generate(ctx, "generate_string", grammar, seed)
    except (Violation, SubmissionError):
        return None


def check_corrupted(ctx: Context) -> Outcome:
    """Corrupted strings are invalid and one substitution away from a valid string.

    Judged by the contract first; a string that is not one substitution from a valid one
    is excused only when the submission's generate_string is wrong and the string is one
    substitution from what that generate_string returns for the same rng.
    """
    broken = ({"generate_string": "reber.generate_valid"}
              if _invalid_generated(ctx) is not None else {})
    excuses = Excuses()
    outcome = run_property(ctx, GRAMMAR_AND_SEED,
                           lambda e: _corrupted_example(ctx, e, broken, excuses),
                           max_examples=80, describe=_describe_call("generate_corrupted_string"))
    if outcome.fraction >= 1.0 and excuses.observed and not excuses.parts:
        outcome = _corrupted_ends(ctx) or outcome  # a Violation there fails the check
    elif excuses.parts or excuses.blocked_calls:
        excuses.excuse("every position is sometimes the corrupted one",
                       "reber.generate_valid")
    return excuses.outcome(outcome, "generate_corrupted_string")


@st.composite
def _alphabet_and_text(draw: st.DrawFn) -> tuple[str, str, str | None]:
    chars = draw(st.sampled_from([oracle.CHARS, "".join(reversed(oracle.CHARS)), "ABC",
                                  "XTVSPEB", "01"]))
    text = draw(st.text(alphabet=chars, max_size=30))
    unknown = draw(st.none() | st.sampled_from(["Z", "b", " ", "é", "0"]).filter(
        lambda c: c not in chars))
    if unknown is not None:
        position = draw(st.integers(0, len(text)))
        text = text[:position] + unknown + text[position:]
    return chars, text, unknown


def check_string_to_ids(ctx: Context) -> Outcome:
    """string_to_ids agrees with chars.index, and raises ValueError on unknown letters."""
    def prop(example: tuple[str, str, str | None]) -> None:
        chars, text, unknown = example
        call = f"string_to_ids({text!r}, chars={chars!r})"
        try:
            got = ctx.call("string_to_ids", text, chars=chars)
        except SubmissionRaised as error:
            if unknown is not None and error.raised("ValueError"):
                return
            raise
        if unknown is not None:
            raise Violation(f"{call} returned {got!r}; it should raise ValueError because "
                            f"{unknown!r} is not in chars")
        ids = expect_int_list(got, call)
        expected = [chars.index(c) for c in text]
        if ids != expected:
            raise Violation(f"{call} returned {ids!r}; expected {expected!r} "
                            "(the id of a letter is its index in chars)")
    return run_property(ctx, _alphabet_and_text(), prop, max_examples=80,
                        describe=lambda e: f"string_to_ids({e[1]!r}, chars={e[0]!r})")


def _labels(value: object, what: str, size: int) -> np.ndarray:
    labels = expect_array(value, what, kind="f")
    if labels.shape not in ((size,), (size, 1)):
        raise Violation(f"{what} returned labels of shape {labels.shape}; expected "
                        f"({size},) or ({size}, 1)")
    return labels.reshape(-1)


def _student_letters(ctx: Context) -> str | None:
    """The letter of each id as the submission's string_to_ids numbers them.

    ``oracle.CHARS`` when string_to_ids is right; when it is wrong (that costs
    reber.string_to_ids) the data set is decoded through it (None: it cannot be inverted).
    """
    try:
        ids = ctx.call("string_to_ids", oracle.CHARS)
        ids = [int(i) for i in ids]
    except (SubmissionError, TypeError, ValueError):
        return None
    if ids == list(range(len(oracle.CHARS))):
        return oracle.CHARS
    if len(set(ids)) != len(oracle.CHARS) or min(ids) < 0 or max(ids) > 64:
        return None
    letters = ["?"] * (max(ids) + 1)
    for letter, i in zip(oracle.CHARS, ids, strict=True):
        letters[i] = letter
    return "".join(letters)


def _bad_corrupted(ctx: Context, seeds: int = 12) -> str | None:
    """A wrong string from the submission's generate_corrupted_string (None if all fit)."""
    accept = oracle.is_embedded_reber
    for seed in range(seeds):
        try:
            s = _generate(ctx, "generate_corrupted_string", "embedded_reber_grammar", seed)
        except (Violation, SubmissionError):
            return "<an error>"
        if not s or set(s) - set(oracle.CHARS) or accept(s) or not oracle.one_substitution_from(
                s, accept):
            return s
    return None


def _raises_alone(ctx: Context, helper: str, draws: int = 600) -> bool:
    """Whether ``helper`` raises on its own, called directly (over many draws: a helper
    that fails once in a few hundred calls shows too)."""
    if helper == "string_to_ids":
        calls = [(oracle.CHARS,), ("BTSXXTVVE",), ("BPVVE",)]
    else:
        embedded = oracle.embedded_grammar()
        calls = [(embedded, np.random.default_rng(seed)) for seed in range(draws)]
    try:
        for _ in ctx.call_many(helper, calls):
            pass
    except (SubmissionRaised, NotImplementedInSubmission):
        return True
    except SubmissionError:
        return False
    return False


HELPER_CHECKS = {"generate_string": "reber.generate_valid",
                 "generate_corrupted_string": "reber.corrupted",
                 "string_to_ids": "reber.string_to_ids"}


def _raised_in_broken_helper(ctx: Context, error: SubmissionError, called: str,
                             broken: dict[str, str]) -> str | None:
    """The check of the helper that ``error`` (of a call of ``called``) was raised
    through, when that helper is shown wrong on its own (its direct calls fail, or
    raise); else None."""
    for helper, check in HELPER_CHECKS.items():
        if not raised_through(error, helper, called):
            continue
        if helper not in broken and _raises_alone(ctx, helper):
            broken[helper] = check
        if helper in broken:
            return check
    return _explained_by_bad_output(ctx, error, called, broken)


def _explained_by_bad_output(ctx: Context, error: SubmissionError, called: str,
                             broken: dict[str, str]) -> str | None:
    """The check of a broken generator whose output ``error`` comes from: ``called``
    raised inside string_to_ids, and string_to_ids raises the same exception when given,
    directly, what that generator returns (e.g. None from a function that forgot its
    return). Proven by that call, never assumed; else None."""
    if not isinstance(error, SubmissionRaised) or not raised_through(error, "string_to_ids",
                                                                      called):
        return None
    for helper in ("generate_corrupted_string", "generate_string"):
        if helper not in broken:
            continue
        try:
            value = ctx.call(helper, oracle.embedded_grammar(), np.random.default_rng(0))
            if isinstance(value, str):
                continue
            ctx.call("string_to_ids", value)
        except SubmissionRaised as direct:
            if direct.exception_types[:1] == error.exception_types[:1]:
                return broken[helper]
        except SubmissionError:
            continue
    return None


def _decoded(ids: list[int], letters: str) -> str | None:
    """The string of ``ids`` read with ``letters`` (None: an id outside them)."""
    if any(i < 0 or i >= len(letters) or letters[i] == "?" for i in ids):
        return None
    return "".join(letters[i] for i in ids)


def _sequence_problem(s: str | None, ids: list[int], label: float, where: str,
                      broken: dict[str, str], excuses: Excuses) -> str | None:
    """What is wrong with one decoded sequence of the data set (None: right, or excused
    because a helper the submission's generate_dataset builds on is wrong)."""
    if s is None:
        return (f"{where} = {ids!r} holds ids outside 0..{len(oracle.CHARS) - 1} (the id of a "
                f"letter is its index in {oracle.CHARS!r})")
    valid = oracle.is_embedded_reber(s)
    if label and not valid:
        if "generate_string" in broken:
            excuses.excuse("that the strings labelled 1.0 are valid", "reber.generate_valid")
            return None
        return f"{where} is {s!r} (ids {ids}), which is invalid, but its label is 1.0"
    if not label and valid:
        return f"{where} is {s!r} (ids {ids}), which is valid, but its label is 0.0"
    if not label and not oracle.one_substitution_from(s, oracle.is_embedded_reber):
        for helper in ("generate_corrupted_string", "generate_string"):
            if helper in broken:
                excuses.excuse("that the strings labelled 0.0 are one substitution from a "
                               "valid string", broken[helper])
                return None
        return (f"{where}: the bad string {s!r} is not one substitution away from a valid "
                "embedded Reber string")
    return None


def _sequences_problem(call: str, sequences: list, labels: np.ndarray, letters: str,
                       broken: dict[str, str], excuses: Excuses) -> str | None:
    """The first problem of the data set's sequences read with ``letters``."""
    for index, (ids, label) in enumerate(zip(sequences, labels, strict=True)):
        ids = expect_int_list(ids, f"{call}[0][{index}]")
        problem = _sequence_problem(_decoded(ids, letters), ids, float(label),
                                    f"{call}[0][{index}]", broken, excuses)
        if problem:
            return problem
    return None


def _judge_sequences(call: str, sequences: list, labels: np.ndarray,
                     student_letters: str | None, broken: dict[str, str],
                     excuses: Excuses) -> None:
    """Ids as the contract defines them first; read through the submission's own
    string_to_ids only where that makes the whole data set right (then that part is
    excused: it costs reber.string_to_ids)."""
    trial = Excuses()
    problem = _sequences_problem(call, sequences, labels, oracle.CHARS, broken, trial)
    if problem is None:
        excuses.parts += [p for p in trial.parts if p not in excuses.parts]
        return
    if student_letters not in (None, oracle.CHARS):
        trial = Excuses()
        if _sequences_problem(call, sequences, labels, student_letters, broken, trial) is None:
            excuses.parts += [p for p in trial.parts if p not in excuses.parts]
            excuses.excuse("ids as the contract numbers them (your data set is right as your "
                           "string_to_ids numbers the letters)", "reber.string_to_ids")
            return
    raise Violation(problem)


def _dataset_example(ctx: Context, example: tuple[int, int], letters: str | None,
                     broken: dict[str, str], excuses: Excuses) -> None:
    """Judge one call of generate_dataset (the property of reber.dataset)."""
    size, seed = example
    call = f"generate_dataset({size}, rng)"
    try:
        raw = ctx.call("generate_dataset", size, np.random.default_rng(seed))
    except SubmissionError as error:
        check = _raised_in_broken_helper(ctx, error, "generate_dataset", broken)
        if check is None:
            raise
        excuses.block(check)
        return
    excuses.saw()
    result = expect_tuple(raw, call, 2)
    sequences = expect_list(result[0], call + "[0]")
    if len(sequences) != size:
        raise Violation(f"{call} returned {len(sequences)} sequences; expected {size}")
    labels = _labels(result[1], call + "[1]", size)
    if not np.all((labels == 0.0) | (labels == 1.0)):
        raise Violation(f"{call} returned labels other than 0.0 and 1.0: "
                        f"{sorted(set(labels.tolist()))[:5]}")
    good = int(labels.sum())
    if good != size // 2:
        raise Violation(f"{call} returned {good} valid strings out of {size}; expected "
                        f"exactly {size // 2} (size // 2)")
    _judge_sequences(call, sequences, labels, letters, broken, excuses)


# Sizes across every residue mod 4 (a rule wrong only for sizes = 3 mod 4 once escaped).
DATASET_SIZES = [(size, size) for size in range(1, 12)] + [(203, 0), (200, 0)]


def check_dataset(ctx: Context) -> Outcome:
    """Dataset size, balance, labels and corruptions.

    Judged by the contract first (ids are indices in ``"BEPSTVX"``, strings labelled 1.0
    valid, those labelled 0.0 one substitution from a valid string). A part is excused
    only where the submission's own helper, found wrong by its check, explains it: the
    ids read through its string_to_ids make the data set right; its generate_string
    returns invalid strings; a call raised inside a broken helper.
    """
    letters = _student_letters(ctx)
    broken = _helper_broken(ctx)
    excuses = Excuses()
    outcome = run_property(
        ctx, st.tuples(st.integers(min_value=1, max_value=40), SEEDS),
        lambda e: _dataset_example(ctx, e, letters, broken, excuses), max_examples=25,
        describe=lambda e: f"generate_dataset({e[0]}, rng=np.random.default_rng({e[1]}))",
        explicit=DATASET_SIZES)
    return excuses.outcome(outcome, "generate_dataset")


def _predict(ctx: Context, strings: list[str]) -> np.ndarray:
    what = f"predict(<{len(strings)} strings>)"
    probabilities = expect_array(ctx.call("predict", strings, timeout=MODEL_TIMEOUT), what,
                                 kind="f")
    if probabilities.shape not in ((len(strings),), (len(strings), 1)):
        raise Violation(f"{what} returned shape {probabilities.shape}; expected "
                        f"({len(strings)},) or ({len(strings)}, 1)")
    probabilities = probabilities.reshape(-1)
    if np.any(probabilities < 0) or np.any(probabilities > 1):
        bad = probabilities[(probabilities < 0) | (probabilities > 1)][0]
        raise Violation(f"{what} returned {bad:g}; probabilities must lie in [0, 1]")
    return probabilities


def _contract_strings(rng: np.random.Generator) -> list[str]:
    strings, _ = oracle.hidden_set(rng, 40)
    strings += [oracle.sample_reber(rng) for _ in range(4)]
    strings += oracle.long_range_set(rng, 2, 20)[0]
    return strings


def check_predict_contract(ctx: Context) -> Outcome:
    """predict returns one probability per string, whatever the order or batch."""
    rng = ctx.rng("strings")
    strings = _contract_strings(rng)
    full = _predict(ctx, strings)
    order = rng.permutation(len(strings))
    permuted = _predict(ctx, [strings[i] for i in order])
    if not np.allclose(permuted, full[order], atol=1e-3):
        worst = int(np.argmax(np.abs(permuted - full[order])))
        s = strings[order[worst]]
        return Outcome.failed(
            f"predict depends on the order of the strings: {s!r} got "
            f"{full[order[worst]]:.4f} in one order and {permuted[worst]:.4f} in another")
    for start, stop in ((0, 1), (5, 6), (len(strings) - 1, len(strings)), (0, 7)):
        part = _predict(ctx, strings[start:stop])
        if not np.allclose(part, full[start:stop], atol=1e-3):
            worst = int(np.argmax(np.abs(part - full[start:stop])))
            s = strings[start + worst]
            return Outcome.failed(
                f"predict depends on the batch: {s!r} got {full[start + worst]:.4f} in a "
                f"batch of {len(strings)} and {part[worst]:.4f} in a batch of "
                f"{stop - start} (pad with 0 and mask the padding)",
                counterexample=repr(strings[start:stop]))
    return Outcome.passed(f"one probability per string for {len(strings)} strings; the same "
                          "answers in any order and any batch size")


def _mistakes(strings: list[str], labels: np.ndarray, probabilities: np.ndarray) -> str:
    wrong = np.flatnonzero((probabilities >= 0.5) != (labels == 1.0))[:3]
    return "; ".join(f"{strings[i]!r} is {'valid' if labels[i] else 'invalid'}, predicted "
                     f"{probabilities[i]:.2f}" for i in wrong)


def _accuracy_outcome(ctx: Context, strings: list[str], labels: np.ndarray, label: str,
                      zero_at: float, full_at: float) -> Outcome:
    probabilities = _predict(ctx, strings)
    accuracy = float(np.mean((probabilities >= 0.5) == (labels == 1.0)))
    fraction = linear_credit(accuracy, zero_at, full_at)
    feedback = (f"accuracy {accuracy:.4f} on {len(strings)} {label} (full marks at "
                f"≥ {full_at}, none at ≤ {zero_at})")
    if accuracy < 1.0:
        feedback += f". Some mistakes: {_mistakes(strings, labels, probabilities)}"
    metrics = {"accuracy": accuracy, **_accuracy_by_length(strings, labels, probabilities)}
    return Outcome(fraction, feedback, metrics=metrics)


def _accuracy_by_length(strings: list[str], labels: np.ndarray,
                        probabilities: np.ndarray) -> dict[str, float]:
    """Accuracy per band of 5 string lengths (the last band open), for the feedback plot."""
    right = (probabilities >= 0.5) == (labels == 1.0)
    lengths = np.array([len(s) for s in strings])
    bands: dict[str, list[bool]] = {}
    for length, ok in zip(lengths.tolist(), right.tolist(), strict=True):
        low = min(5 * (length // 5), 30)
        bands.setdefault(f"{low}-{low + 4}" if low < 30 else "30+", []).append(ok)
    ordered = sorted(bands, key=lambda b: int(b.split("-")[0].rstrip("+")))
    return {f"accuracy_by_length[{b}]": float(np.mean(bands[b])) for b in ordered}


@lru_cache(maxsize=8)
def _drawn(draw: Callable[..., tuple[list[str], np.ndarray]], seed: int,
           *sizes: int) -> tuple[tuple[str, ...], np.ndarray]:
    strings, labels = draw(np.random.default_rng(seed), *sizes)
    return tuple(strings), labels


def _drawn_once(draw: Callable[..., tuple[list[str], np.ndarray]], seed: int,
                *sizes: int) -> tuple[list[str], np.ndarray]:
    """``draw(np.random.default_rng(seed), *sizes)``, drawn once per seed in a grading
    process (every submission of a batch gets the same strings anyway); fresh copies."""
    strings, labels = _drawn(draw, seed, *sizes)
    return list(strings), labels.copy()


def _hidden_set(ctx: Context) -> tuple[list[str], np.ndarray]:
    """reber.accuracy's hidden set (also the trained-model probe's)."""
    return _drawn_once(oracle.hidden_set, derive_seed(ctx.seed, "reber.accuracy", "hidden"),
                       T["hidden_size"])


def check_accuracy(ctx: Context) -> Outcome:
    """Accuracy on a hidden set of 2,000 embedded strings, half corrupted."""
    strings, labels = _hidden_set(ctx)
    return _accuracy_outcome(ctx, strings, labels, "hidden strings (half corrupted)",
                             T["accuracy_zero_at"], T["accuracy_full_at"])


def check_long_range(ctx: Context) -> Outcome:
    """Pairs that differ only in the 2nd and 2nd-to-last letters, with long middles."""
    strings, labels = _drawn_once(oracle.long_range_set, ctx.seed_for("long"),
                                  T["long_range_pairs"], T["long_range_middle"])
    return _accuracy_outcome(ctx, strings, labels, "long strings that differ only in their "
                             "2nd and 2nd-to-last letters", T["long_range_zero_at"],
                             T["long_range_full_at"])


def _reber_model_shape(files: list[ModelFile]) -> str | None:
    return recurrent_problem(files, "reber.keras")


def _trained_model_probe(ctx: Context) -> Probe:
    """Accuracy on every 5th string of reber.accuracy's hidden set."""
    strings, labels = _hidden_set(ctx)
    strings, labels = strings[::5], labels[::5]

    def measure(call) -> float:
        what = f"predict(<{len(strings)} strings>)"
        got = expect_array(call("predict", strings, timeout=MODEL_TIMEOUT), what, kind="f")
        if got.size != len(strings):
            raise Violation(f"{what} returned shape {got.shape}; expected ({len(strings)},)")
        return float(np.mean((got.reshape(-1) >= 0.5) == (labels == 1.0)))

    return Probe(f"predict's accuracy on {len(strings)} of the hidden strings", measure,
                 higher_is_better=True, chance=0.5, chance_up_to=T["trained_chance_up_to"],
                 min_gap=T["trained_min_gap"])


def check_trained_model(ctx: Context) -> Outcome:
    """reber.keras loads safely, holds a recurrent layer, and predict's answers come from it."""
    return trained_model_outcome(ctx, expected="reber.keras (model.save(...) beside your file)",
                                 functions="predict", shape_problem=_reber_model_shape,
                                 probes=[_trained_model_probe(ctx)])


CHECKS = (
    Check("reber.generate_valid", "generate_string produces valid strings", 10,
          check_generate_valid),
    Check("reber.generate_coverage", "generate_string takes every branch equally often", 5,
          check_generate_coverage),
    Check("reber.corrupted", "generate_corrupted_string makes one invalid substitution", 10,
          check_corrupted),
    Check("reber.string_to_ids", "string_to_ids maps letters to their index", 5,
          check_string_to_ids),
    Check("reber.dataset", "generate_dataset is balanced and correctly labelled", 10,
          check_dataset),
    Check("reber.predict_contract", "predict returns one probability per string", 10,
          check_predict_contract, call_timeout=MODEL_TIMEOUT),
    Check("reber.accuracy", "the classifier is accurate on hidden strings", 30,
          check_accuracy, call_timeout=MODEL_TIMEOUT, hidden_data=True),
    Check("reber.long_range", "the classifier remembers the second letter", 10,
          check_long_range, call_timeout=MODEL_TIMEOUT, hidden_data=True),
    Check("reber.trained_model", "predict's answers come from a trained RNN in reber.keras",
          10, check_trained_model, call_timeout=MODEL_TIMEOUT, hidden_figures=True),
)

EXERCISE = Exercise(
    name="reber",
    title="Embedded Reber grammar: generators and an RNN classifier",
    checks=CHECKS,
    call_timeout=20.0,
    worker_imports=("tensorflow", "keras"),
    artifacts=("reber.keras",),
    helper_checks=(("generate_string", "reber.generate_valid"),
                   ("generate_corrupted_string", "reber.corrupted"),
                   ("string_to_ids", "reber.string_to_ids"),
                   ("generate_dataset", "reber.dataset")),
    extras=("rnn-cpu",),
    leaderboard=(LeaderboardColumn("Accuracy", "reber.accuracy", "accuracy"),
                 LeaderboardColumn("Long-range accuracy", "reber.long_range", "accuracy")),
    series=(SeriesPlot("accuracy_by_length", "Accuracy by string length",
                       "string length (letters)", "accuracy", unit_range=True),),
)
