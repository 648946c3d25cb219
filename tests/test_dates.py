"""Tests of the ``dates`` exercise: oracle, stub, reference (pure parts and models), checks."""

from __future__ import annotations

import ast
import importlib.util
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checkers.engine.grading import grade_with_runner
from checkers.engine.registry import get_exercise
from checkers.exercises.dates import oracle as oracle
from checkers.sandbox.runner import InProcessRunner
from exercises import dates as stub
from solutions import dates as reference

ROOT = Path(__file__).resolve().parents[1]
PURE_CHECKS = ("dates.random_dates", "dates.encoding", "dates.shifted_outputs")
MODEL_CHECKS = ("dates.v1_accuracy", "dates.v1_padding", "dates.v2_accuracy", "dates.beam_search")


# ----------------------------------------------------------------------------- oracle


@settings(max_examples=300, deadline=None)
@given(oracle.days())
def test_oracle_round_trip(day: date) -> None:
    text = oracle.input_str(day)
    assert 12 <= len(text) <= 18
    assert oracle.parse_input(text) == day
    assert oracle.convert(text) == day.isoformat() == oracle.output_str(day)
    assert set(text) <= set(oracle.INPUT_CHARS)
    assert set(oracle.output_str(day)) <= set(oracle.OUTPUT_CHARS)


@pytest.mark.parametrize(
    "text",
    ["May 1, 2020", "may 01, 2020", "May 01 2020", "February 30, 2020", "May 01, 999",
     "Mai 01, 2020", " May 01, 2020", "May 01, 20200", "", "February 29, 1900"],
)  # fmt: skip
def test_oracle_rejects(text: str) -> None:
    assert oracle.parse_input(text) is None
    with pytest.raises(ValueError):
        oracle.convert(text)


def test_oracle_edges_and_lengths() -> None:
    assert oracle.input_str(date(1000, 5, 1)) == "May 01, 1000"
    assert oracle.input_str(date(9999, 9, 30)) == "September 30, 9999"
    assert oracle.convert("February 29, 2000") == "2000-02-29"
    assert oracle.INPUT_CHARS == " ,0123456789ADFJMNOSabceghilmnoprstuvy"
    hidden = oracle.hidden_days(2000, np.random.default_rng(0))
    assert len(hidden) == 2000 and set(oracle.EDGE_DAYS) <= set(hidden)
    lengths = {len(oracle.input_str(d)) for d in hidden}
    assert min(lengths) == 12 and max(lengths) == 18
    assert all(
        len(oracle.input_str(d)) <= 14 for d in oracle.short_days(50, np.random.default_rng(1))
    )


def test_given_constants_agree() -> None:
    for module in (stub, reference):
        assert module.MONTHS == list(oracle.MONTH_NAMES)
        assert module.INPUT_CHARS == oracle.INPUT_CHARS
        assert module.OUTPUT_CHARS == oracle.OUTPUT_CHARS
        assert module.SOS_ID == oracle.SOS_ID == 12


# ----------------------------------------------------------------------------- stub


API = (
    "random_dates",
    "date_str_to_ids",
    "prepare_date_strs",
    "ids_to_date_strs",
    "shifted_output_sequences",
    "convert_date_strs",
    "predict_date_strs",
    "beam_search",
)


def test_stub_teaches_and_raises() -> None:
    tree = ast.parse((ROOT / "exercises" / "dates.py").read_text())
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    assert set(API) <= set(functions)
    for name in API:
        node = functions[name]
        assert len(ast.get_docstring(node) or "") > 80, name
        body = node.body[-1]
        assert isinstance(body, ast.Raise) and "NotImplementedError" in ast.unparse(body), name
    assert "padding" in (ast.get_docstring(tree) or "")


# ----------------------------------------------------------------------------- reference


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 50), st.integers(0, 2**32 - 1))
def test_reference_random_dates_match_oracle(n: int, seed: int) -> None:
    inputs, targets = reference.random_dates(n, np.random.default_rng(seed))
    assert len(inputs) == len(targets) == n
    assert [oracle.convert(x) for x in inputs] == targets


def test_reference_encoding_examples() -> None:
    assert reference.date_str_to_ids("20-1", reference.OUTPUT_CHARS) == [2, 0, 10, 1]
    X = reference.prepare_date_strs(["May 01, 1000", "September 30, 9999"])
    assert X.shape == (2, 18) and X.dtype.kind == "i" and (X[0, 12:] == 0).all()
    assert reference.ids_to_date_strs([[3, 1, 11, 0]]) == ["20-?"]
    Y = np.array([[1, 2, 3], [4, 5, 6]])
    assert reference.shifted_output_sequences(Y).tolist() == [[12, 1, 2], [12, 4, 5]]
    assert reference.prepare_date_strs_padded(["May 01, 1000"]).shape == (1, 18)


def test_reference_pure_checks_full_marks_in_process() -> None:
    report = grade_with_runner(get_exercise("dates"), InProcessRunner(vars(reference)),
                               submission_label="reference", checks=PURE_CHECKS)  # fmt: skip
    assert report.score == report.max_score == 30, [c.feedback for c in report.checks]


def test_artifacts_listed_and_small() -> None:
    exercise = get_exercise("dates")
    for name in exercise.artifacts:
        path = ROOT / "solutions" / name
        assert path.is_file(), name
        assert path.stat().st_size < 5 << 20


def _load_mutant(name: str) -> dict:
    """Reference source + a mutant, executed as a module namespace (in this process)."""
    source = (ROOT / "solutions" / "dates.py").read_text()
    mutant = (ROOT / "tests" / "mutants" / "dates" / name).read_text()
    spec = importlib.util.spec_from_loader("dates_mutant", loader=None)
    module = importlib.util.module_from_spec(spec)
    module.__file__ = str(ROOT / "solutions" / "dates.py")  # models load from solutions/
    exec(compile(source + "\n\n" + mutant, f"mutant {name}", "exec"), module.__dict__)  # noqa: S102
    return module.__dict__


@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in (ROOT / "tests" / "mutants" / "dates").glob("*.py")),
)
def test_pure_mutants_lose_their_pure_check_in_process(name: str) -> None:
    """A quick in-process version of the sandboxed mutant test, for the pure checks."""
    header = (ROOT / "tests" / "mutants" / "dates" / name).read_text().splitlines()[0]
    expected = set(header.removeprefix("# expect:").split())
    pure_expected = expected & set(PURE_CHECKS)
    report = grade_with_runner(get_exercise("dates"), InProcessRunner(_load_mutant(name)),
                               submission_label=name, checks=PURE_CHECKS)  # fmt: skip
    for check in report.checks:
        if check.id in pure_expected:
            assert check.score < check.max_score, check.id
        else:
            assert check.score == check.max_score, (check.id, check.feedback)


@pytest.mark.slow
def test_reference_models_full_marks_in_process() -> None:
    report = grade_with_runner(get_exercise("dates"), InProcessRunner(vars(reference)),
                               submission_label="reference", checks=MODEL_CHECKS)  # fmt: skip
    for check in report.checks:
        assert check.score == check.max_score, (check.id, check.feedback)
    for check in report.checks:
        if check.id != "dates.v1_padding":
            assert check.metrics["exact_match"] >= 0.999, (check.id, check.metrics)


@pytest.mark.slow
def test_reference_beam_width_one_is_greedy_and_padding_matters() -> None:
    inputs, targets = reference.random_dates(300, np.random.default_rng(7))
    greedy = reference.predict_date_strs(inputs)
    assert [reference.beam_search(s, 1)[0][0] for s in inputs] == greedy
    assert np.mean([g == t for g, t in zip(greedy, targets, strict=True)]) >= 0.999
    for s in inputs[:20]:
        candidates = reference.beam_search(s, 4)
        logps = [p for _, p in candidates]
        assert len({t for t, _ in candidates}) == 4 and logps == sorted(logps, reverse=True)
        assert all(p <= 0 for p in logps)
    # v1 has no mask: padding short dates only to the batch max (HOML's bug) breaks them
    shorts = ["May 01, 1000", "June 15, 2020", "April 30, 1999"]
    unpadded = reference._load(reference.V1_FILE).predict(
        reference.prepare_date_strs(shorts), verbose=0
    )
    assert reference.ids_to_date_strs(unpadded.argmax(-1)) != [oracle.convert(s) for s in shorts]
    assert reference.convert_date_strs(shorts) == [oracle.convert(s) for s in shorts]


@pytest.mark.slow
def test_train_quick_smoke(tmp_path: Path) -> None:
    from solutions import train_dates

    result = train_dates.train(quick=True, out_dir=tmp_path)
    assert (tmp_path / reference.V1_FILE).is_file() and (tmp_path / reference.V2_FILE).is_file()
    assert 0.0 <= result["v1_exact_match"] <= 1.0
