"""Tests of the ``shifted_targets`` exercise: oracle, stub, reference, checks, trainer."""

from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings

from checkers.engine.grading import grade_with_runner
from checkers.engine.registry import get_exercise
from checkers.exercises.shifted_targets import checks as checker
from checkers.exercises.shifted_targets import oracle as oracle
from checkers.exercises.shifted_targets.toy import make_toy_task
from checkers.exercises.shifted_targets.trainer import TaskSpec, TrainConfig, evaluate_isolated
from checkers.sandbox.runner import InProcessRunner
from exercises import shifted_targets as stub
from solutions import shifted_targets as reference
from tests.helpers import MUTANTS, grade_path

ROOT = Path(__file__).resolve().parents[1]
PURE_CHECKS = ("shifted_targets.encoding", "shifted_targets.alignment", "shifted_targets.detector")
BUGGY_STUB = MUTANTS / "shifted_targets" / "standalone" / "buggy_stub_as_is.py"


def _namespace(source: str) -> dict:
    namespace: dict = {"__name__": "submission"}
    exec(compile(source, "submission.py", "exec"), namespace)  # noqa: S102 - trusted test code
    return namespace


def _grade_in_process(source: str, checks=PURE_CHECKS):
    return grade_with_runner(
        get_exercise("shifted_targets"),
        InProcessRunner(_namespace(source)),
        submission_label="in-process",
        checks=checks,
    )


# ----------------------------------------------------------------------------- oracle


def test_oracle_by_hand() -> None:
    index = {"\t": 0, "\n": 1, " ": 2, "a": 3}
    enc, dec_in, dec_out = oracle.expected_arrays(["a"], ["\ta\n"], {" ": 0, "a": 1}, index, 2, 5)
    assert enc.dtype == dec_in.dtype == dec_out.dtype == np.float32
    assert enc.shape == (1, 2, 2) and dec_in.shape == dec_out.shape == (1, 5, 4)
    assert oracle.decode_rows(enc[0], {" ": 0, "a": 1}) == ["a", " "]
    assert oracle.decode_rows(dec_in[0], index) == ["\t", "a", "\n", " ", " "]
    assert oracle.decode_rows(dec_out[0], index) == ["a", "\n", " ", " ", " "]
    assert oracle.is_shifted(dec_in, dec_out) and not oracle.is_shifted(dec_in, dec_in)
    rows = np.array([[0, 0, 0, 0], [1, 1, 0, 0], [0, 0, 0.5, 0]], dtype=np.float32)
    assert oracle.decode_rows(rows, index) == [
        oracle.ZERO_ROW, oracle.NOT_ONE_HOT, oracle.NOT_ONE_HOT
    ]


@settings(max_examples=150)
@given(checker.cases())
def test_reference_agrees_with_oracle(case: checker.Case) -> None:
    got = reference.vectorize(*case.args())
    want = oracle.expected_arrays(*case.args())
    for g, w in zip(got, want, strict=True):
        assert g.dtype == np.float32 and g.shape == w.shape
        np.testing.assert_array_equal(g, w)
    assert reference.targets_are_shifted(got[1], got[2]) is True
    assert case.max_encoder_seq_length >= max(map(len, case.input_texts))
    assert case.max_decoder_seq_length >= max(map(len, case.target_texts))
    assert sorted(case.input_token_index.values()) == list(range(len(case.input_token_index)))


@settings(max_examples=200)
@given(checker.detector_cases())
def test_detector_cases_are_unambiguous(case: checker.DetectorCase) -> None:
    decoder_in, decoder_out, _ = case.arrays()
    want = case.kind == "shifted"
    assert oracle.is_shifted(decoder_in, decoder_out) is want
    assert reference.targets_are_shifted(decoder_in, decoder_out) is want
    assert oracle.is_one_hot(decoder_out).all() or case.zero_padding


def test_toy_task() -> None:
    task = make_toy_task(3)
    assert task == make_toy_task(3) and task != make_toy_task(4)
    assert len(task.input_texts) == 400
    for source, target, answer in zip(task.input_texts, task.target_texts, task.answers,
                                      strict=True):
        assert answer == source[::-1] and target == "\t" + answer + "\n"
        assert 1 <= len(source) <= task.max_encoder_seq_length
        assert len(target) <= task.max_decoder_seq_length
    assert set(task.target_token_index) == set("abcd\t\n ")


# ----------------------------------------------------------------------------- stub


@pytest.mark.parametrize("name", ["vectorize", "targets_are_shifted"])
def test_stub_api(name: str) -> None:
    stub_function, reference_function = getattr(stub, name), getattr(reference, name)
    assert inspect.signature(stub_function) == inspect.signature(reference_function)
    assert len(inspect.getdoc(stub_function) or "") > 300
    arrays = oracle.expected_arrays(["a"], ["\ta\n"], {" ": 0, "a": 1},
                                    {"\t": 0, "\n": 1, " ": 2, "a": 3}, 1, 3)
    args = arrays[1:] if name == "targets_are_shifted" else (
        ["a"], ["\ta\n"], {" ": 0, "a": 1}, {"\t": 0, "\n": 1, " ": 2, "a": 3}, 1, 3)
    with pytest.raises(NotImplementedError):
        stub_function(*args)
    for constant in ("START_CHAR", "END_CHAR", "PAD_CHAR"):
        assert getattr(stub, constant) == getattr(reference, constant)


def test_stub_buggy_preparation_is_the_bug() -> None:
    case = checker.EXPLICIT_CASES[0]
    enc, dec_in, dec_out = stub.buggy_vectorize(*case.args())
    want = oracle.expected_arrays(*case.args())
    np.testing.assert_array_equal(enc, want[0])
    np.testing.assert_array_equal(dec_in, want[1])
    np.testing.assert_array_equal(dec_out, dec_in)  # copied, not shifted


def test_standalone_buggy_submission_is_the_stub_as_is() -> None:
    """The standalone mutant must stay the stub verbatim (plus one line): regenerate it
    from exercises/shifted_targets.py when the stub changes."""
    text = BUGGY_STUB.read_text(encoding="utf-8")
    assert (ROOT / "exercises" / "shifted_targets.py").read_text(encoding="utf-8") in text
    assert text.rstrip().endswith(
        "vectorize = buggy_vectorize  # noqa: F811 (the learner's preparation, submitted as is)"
    )


# ----------------------------------------------------------------------------- checks


def test_reference_earns_the_pure_checks_in_process() -> None:
    report = _grade_in_process((ROOT / "solutions" / "shifted_targets.py").read_text())
    assert report.score == report.max_score == 70, report.to_json()


def test_buggy_stub_feedback_names_the_bug() -> None:
    report = _grade_in_process(BUGGY_STUB.read_text(encoding="utf-8"))
    assert report.result("shifted_targets.encoding").score == 15
    alignment = report.result("shifted_targets.alignment")
    assert alignment.score == 0
    assert "targets are NOT shifted" in alignment.feedback
    assert "copy" in alignment.feedback
    # the shrunk example: one pair, the shortest texts
    assert alignment.counterexample is not None
    assert alignment.counterexample.startswith("vectorize(['a'], ['\\t\\n']"), (
        alignment.counterexample
    )
    assert report.result("shifted_targets.detector").score == 0


def test_alignment_feedback_for_other_misalignments() -> None:
    source = (ROOT / "solutions" / "shifted_targets.py").read_text()
    for mutant, words in (
        ("shift_wrong_direction.py", "shifted the wrong way"),
        ("missing_start_char.py", "must start with the start character"),
    ):
        report = _grade_in_process(
            source + "\n" + (MUTANTS / "shifted_targets" / mutant).read_text(),
            checks=("shifted_targets.alignment", "shifted_targets.encoding"),
        )
        assert words in report.result("shifted_targets.alignment").feedback
        assert report.result("shifted_targets.encoding").score == 15


def test_zero_padding_feedback() -> None:
    source = (ROOT / "solutions" / "shifted_targets.py").read_text()
    report = _grade_in_process(
        source + "\n" + (MUTANTS / "shifted_targets" / "zero_padding.py").read_text()
    )
    encoding = report.result("shifted_targets.encoding")
    assert encoding.score == 0 and "not a zero row" in encoding.feedback
    assert report.result("shifted_targets.alignment").score == 35


# ----------------------------------------------------------------------------- functional


@pytest.mark.slow
def test_functional_is_deterministic_and_shows_the_symptom() -> None:
    spec = TaskSpec(seed=11)
    task = spec.build()
    good = oracle.expected_arrays(*task.vectorize_args())
    unshifted = (good[0], good[1], good[1].copy())
    cfg = TrainConfig(seed=5)
    first = evaluate_isolated(good, spec, cfg)
    again = evaluate_isolated(good, spec, cfg)
    for key in ("teacher_forced_accuracy", "exact_match", "final_loss", "examples"):
        assert first[key] == again[key], key
    assert first["exact_match"] >= 0.9
    bug = evaluate_isolated(unshifted, spec, cfg)
    assert bug["teacher_forced_accuracy"] >= 0.95
    assert bug["exact_match"] <= 0.05


@pytest.mark.slow
def test_reference_and_buggy_stub_in_the_sandbox(tmp_path: Path) -> None:
    report = grade_path("shifted_targets", ROOT / "solutions" / "shifted_targets.py")
    assert report.score == 100, report.to_json()
    folder = tmp_path / "buggy"
    folder.mkdir()
    (folder / "shifted_targets.py").write_text(BUGGY_STUB.read_text(encoding="utf-8"))
    buggy = grade_path("shifted_targets", folder)
    assert buggy.score <= 30, buggy.to_json()
    functional = buggy.result("shifted_targets.functional")
    assert functional.metrics["teacher_forced_accuracy"] >= 0.9
    assert functional.metrics["exact_match"] <= 0.1
    assert "teacher-forced accuracy" in functional.feedback
    assert "free-running exact-match" in functional.feedback
