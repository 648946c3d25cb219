"""Tests of the ``wordgen`` exercise: data, oracles, stub, reference, artifacts, checks."""

from __future__ import annotations

import ast
import json
import re
import string
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checkers.authoring import GraderSetupError
from checkers.engine.grading import grade_with_runner
from checkers.engine.registry import get_exercise
from checkers.exercises.wordgen import data, oracle
from checkers.exercises.wordgen.checks import LECTURE_PROBS, LECTURE_TABLE, VOCAB_SIZE
from checkers.sandbox.runner import InProcessRunner
from exercises import wordgen as stub
from solutions import wordgen as reference
from tests.helpers import MUTANTS, data_dir

ROOT = Path(__file__).resolve().parents[1]
PURE_CHECKS = ("wordgen.pad_punctuation", "wordgen.tokenize", "wordgen.vocab",
               "wordgen.sampling")
MODEL_CHECKS = ("wordgen.heldout_loss", "wordgen.consistency", "wordgen.generate",
                "wordgen.trained_model")
API = ["pad_punctuation", "tokenize", "build_vocab", "text_to_ids", "ids_to_text",
       "sample_from", "next_token_probs", "token_log_probs", "generate"]
DATA = data_dir()
needs_data = pytest.mark.skipif(DATA is None, reason="tiny Shakespeare not available locally")


# ----------------------------------------------------------------------------- data


def test_wrong_copy_and_missing_copy_are_setup_errors(tmp_path: Path) -> None:
    (tmp_path / data.FILE_NAME).write_text("not Shakespeare")
    with pytest.raises(GraderSetupError, match="sha256"):
        data.load_text(str(tmp_path))
    with pytest.raises(GraderSetupError, match="no tiny Shakespeare"):
        data.load_text(str(tmp_path / "nowhere"))


@needs_data
def test_speeches_of_both_splits() -> None:
    train, heldout = data.train_and_heldout_speeches(DATA)
    assert len(train) == 6283 and train[1] == "All:\nSpeak, speak."
    assert len(heldout) > 900 and all(s == s.strip() and s for s in heldout)
    assert reference.split_speeches("a\n\n\n\nb\nc\n\n") == ["a", "b\nc"]


# ----------------------------------------------------------------------------- oracles


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="aB ,.!'\n\té-", max_size=30))
def test_pad_punctuation_and_tokens_follow_foster(s: str) -> None:
    padded = re.sub(" +", " ", re.sub(f"([{re.escape(string.punctuation)}])", r" \1 ", s))
    assert oracle.pad_punctuation(s) == padded
    assert oracle.tokenize(s) == padded.lower().split()


def test_vocab_is_text_vectorizations() -> None:
    import keras

    docs = ["b a b c", "c d, d! e", "The the THE a e", "x'y z"]
    layer = keras.layers.TextVectorization(max_tokens=9, standardize=None, split="whitespace")
    layer.adapt([" ".join(oracle.tokenize(d)) for d in docs])
    assert oracle.vocab(docs, 9) == layer.get_vocabulary()
    assert oracle.vocab(["b a b", "c"], 10) == ["", "[UNK]", "b", "c", "a"]
    assert oracle.vocab([], 5) == ["", "[UNK]"]
    assert oracle.text_to_ids("B, q", ["", "[UNK]", "b", ","]) == [2, 3, 1]
    assert oracle.ids_to_text([2, 1, 0], ["", "[UNK]", "b"]) == "b [UNK]"


def test_lecture_table_and_draw_replay() -> None:
    assert np.round(oracle.temperature_probs(LECTURE_PROBS, 0.2) * 100, 1).tolist() == \
        LECTURE_TABLE
    assert np.allclose(oracle.temperature_probs([0.2, 0.8], 1.0), [0.2, 0.8])
    tiny = np.full(VOCAB_SIZE, 0.9 / (VOCAB_SIZE - 1))
    tiny[3] = 0.1
    assert oracle.temperature_probs(tiny, 1e-3)[3] == 1.0
    rng = np.random.default_rng(0)
    for seed in range(200):
        p = oracle.temperature_probs(rng.dirichlet(np.ones(6)), 1.0)
        drawn = int(np.random.default_rng(seed).choice(6, p=p))
        assert drawn in oracle.draw_window(p, float(np.random.default_rng(seed).random()))


# ----------------------------------------------------------------------------- stub


def _public_functions(module) -> list[str]:
    tree = ast.parse(Path(module.__file__).read_text())
    return [n.name for n in tree.body if isinstance(n, ast.FunctionDef)
            and not n.name.startswith("_")]


def test_stub_teaches_and_raises() -> None:
    assert set(API) <= set(_public_functions(stub))
    source = Path(stub.__file__).read_text()
    for name in API:
        assert getattr(stub, name).__doc__ and len(getattr(stub, name).__doc__) > 80, name
        with pytest.raises(NotImplementedError):
            getattr(stub, name)(*([None] * getattr(stub, name).__code__.co_argcount))
        assert getattr(reference, name).__doc__, name
    assert "raise NotImplementedError" in source
    for constant in ("SHAKESPEARE_URL", "TRAIN_FRACTION", "VOCAB_SIZE", "MAX_LEN", "END_ID",
                     "UNK_ID"):
        assert getattr(stub, constant) == getattr(reference, constant), constant
    assert stub.VOCAB_SIZE == VOCAB_SIZE
    assert stub.split_speeches("a\n\nb") == reference.split_speeches("a\n\nb")


# ----------------------------------------------------------------------------- reference


def test_reference_pure_examples() -> None:
    assert reference.pad_punctuation("Hello, world!") == "Hello , world ! "
    assert reference.tokenize("Speak, speak.\nDon't") == \
        ["speak", ",", "speak", ".", "don", "'", "t"]
    assert reference.build_vocab(["b a b", "c"], 10) == ["", "[UNK]", "b", "c", "a"]
    assert reference.text_to_ids("b z", ["", "[UNK]", "b"]) == [2, 1]
    assert reference.ids_to_text(np.array([2, 1, 0]), ["", "[UNK]", "b"]) == "b [UNK]"
    token, p = reference.sample_from(LECTURE_PROBS, 0.2, np.random.default_rng(0))
    assert np.round(p * 100, 1).tolist() == LECTURE_TABLE and 0 <= token < 5


def test_reference_pure_checks_full_marks_in_process() -> None:
    report = grade_with_runner(get_exercise("wordgen"), InProcessRunner(vars(reference)),
                               submission_label="reference", checks=PURE_CHECKS)
    assert report.score == report.max_score, report.to_json()


def _load_mutant(name: str) -> dict:
    source = (ROOT / "solutions" / "wordgen.py").read_text()
    source += "\n" + (MUTANTS / "wordgen" / f"{name}.py").read_text()
    namespace = {"__file__": str(ROOT / "solutions" / "wordgen.py"), "__name__": "mutant"}
    exec(compile(source, f"mutant {name}", "exec"), namespace)
    return namespace


PURE_MUTANTS = {
    "pad_punctuation_no_collapse": {"wordgen.pad_punctuation"},
    "ids_to_text_keeps_end": {"wordgen.tokenize"},
    "tokenize_keeps_case": {"wordgen.tokenize", "wordgen.vocab"},
    "vocab_ties_alphabetical": {"wordgen.vocab"},
    "vocab_without_padding": {"wordgen.vocab"},
    "sampling_underflows": {"wordgen.sampling"},
    "sampling_temperature_inverted": {"wordgen.sampling"},
    "sampling_global_random": {"wordgen.sampling"},
}


@pytest.mark.parametrize("name", sorted(PURE_MUTANTS))
def test_pure_mutants_lose_their_check_in_process(name: str) -> None:
    report = grade_with_runner(get_exercise("wordgen"), InProcessRunner(_load_mutant(name)),
                               submission_label=name, checks=PURE_CHECKS)
    lost = {c.id for c in report.checks if c.score < c.max_score}
    assert lost == PURE_MUTANTS[name], report.to_json()


# ----------------------------------------------------------------------------- artifacts


def test_artifacts_listed_small_and_safe() -> None:
    exercise = get_exercise("wordgen")
    assert exercise.artifacts == ("wordgen.keras", "wordgen_vocab.json")
    path = ROOT / "solutions" / "wordgen.keras"
    assert path.stat().st_size < 10 * 2**20
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
        assert not any("optimizer" in name for name in archive.namelist())
    text = json.dumps(config)
    assert "Lambda" not in text and '"LSTM"' in text
    words = json.loads((ROOT / "solutions" / "wordgen_vocab.json").read_text())
    assert len(words) == VOCAB_SIZE and words[:2] == ["", "[UNK]"]
    summary = json.loads((ROOT / "solutions" / "wordgen.json").read_text())
    assert {"hardware", "history", "best_heldout_loss", "config"} <= set(summary)


@needs_data
def test_model_vocab_is_the_checkers(monkeypatch) -> None:
    monkeypatch.setenv("SEQGRADE_DATA_DIR", DATA)
    train, _ = data.train_and_heldout_speeches(DATA)
    assert reference.model_vocab() == oracle.vocab(train, VOCAB_SIZE)


def test_reference_model_is_consistent() -> None:
    ids = reference.text_to_ids("First Citizen:\nBefore we proceed any further, hear me speak.",
                                reference.model_vocab()) + [0]
    log_probs = reference.token_log_probs(ids)
    assert log_probs.shape == (len(ids) - 1,) and (log_probs <= 0).all()
    assert reference.token_log_probs(ids[:1]).shape == (0,)
    for i in (0, 5, len(ids) - 2):
        probs = reference.next_token_probs(ids[: i + 1])
        assert probs.shape == (VOCAB_SIZE,) and abs(probs.sum() - 1) < 1e-6
        assert abs(np.log(probs[ids[i + 1]]) - log_probs[i]) < 1e-4
    out = reference.generate("ROMEO:", 12, 1.0, 3)
    assert out[:2] == ids[:0] + reference.text_to_ids("ROMEO:", reference.model_vocab())
    assert 2 <= len(out) <= 12 and 0 not in out
    assert out == reference.generate("ROMEO:", 12, 1.0, 3)


# ----------------------------------------------------------------------------- grading


@pytest.mark.slow
@needs_data
def test_reference_model_checks_full_marks_in_process() -> None:
    report = grade_with_runner(get_exercise("wordgen"), InProcessRunner(vars(reference)),
                               submission_label="reference", checks=MODEL_CHECKS[:3],
                               options={"data_dir": DATA})
    assert report.score == report.max_score, report.to_json()
    assert "held-out loss" in report.result("wordgen.heldout_loss").feedback


@pytest.mark.slow
@needs_data
def test_quick_training_writes_a_model_that_loads(tmp_path: Path) -> None:
    import keras

    from solutions.train_wordgen import train

    summary = train(quick=True, out_dir=tmp_path, data_path=DATA)
    model = keras.models.load_model(tmp_path / "wordgen_quick.keras")
    assert model.output_shape == (None, None, VOCAB_SIZE)
    assert summary["best_heldout_loss"] < np.log(VOCAB_SIZE) + 0.5
    assert json.loads((tmp_path / "wordgen_vocab.json").read_text())[:2] == ["", "[UNK]"]


# ----------------------------------------------------------------------------- baselines


def test_word_ngrams_share_the_char_interface() -> None:
    from checkers.authoring.ngram import NGramCounts

    speeches = [[5, 6, 7, 0], [5, 6, 8, 0], [9, 5, 6, 7, 0]]
    counts = NGramCounts(speeches, 3, 10)
    for smoothing in ("kn", "mkn", "ad", "wb"):
        model = counts.model(smoothing, 3)
        assert model.distribution((5, 6), range(10)).sum() == pytest.approx(1.0)
        assert model.prob((5, 6), 7) > model.prob((5, 6), 9)
        assert model.log_probs([5, 6, 7, 0]).shape == (3,)


@pytest.mark.slow
@needs_data
@pytest.mark.parametrize("name", ["ngram_language_model", "bigram_interpolated"])
def test_word_ngram_submissions_earn_nothing_on_heldout_loss(name: str) -> None:
    report = grade_with_runner(get_exercise("wordgen"), InProcessRunner(_load_mutant(name)),
                               submission_label=name, checks=("wordgen.heldout_loss",),
                               options={"data_dir": DATA})
    result = report.result("wordgen.heldout_loss")
    assert result.score == 0, result.feedback
    assert result.metrics["heldout_loss"] >= result.metrics["baseline_loss"]
