"""The trained-model machinery (issue 18): model files seen from the worker, weights re-drawn,
the checks' verdicts on plain data, the end-token LM, the n-gram baseline, training summaries.

The checks themselves bite their mutants in tests/test_mutants.py (reber, dates and textgen
``trained_model``, ``pretrained_end_token``, ``pretrained_sampling``, ``generate_batch``).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest

from checkers.authoring.trained_model import Probe, _model_file, recurrent_problem
from checkers.sandbox import models

REPO = Path(__file__).resolve().parent.parent


def _tiny_gru(path: Path) -> None:
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(None,), dtype="int32"),
                              keras.layers.Embedding(5, 3), keras.layers.GRU(4),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.save(path)


def test_keras_models_describes_files_and_refuses_unsafe_ones(tmp_path: Path) -> None:
    import keras

    _tiny_gru(tmp_path / "good.keras")
    inputs = keras.Input(shape=(3,))
    keras.Model(inputs, keras.layers.Lambda(lambda x: x * 2)(inputs)).save(
        tmp_path / "lambda.keras")
    (tmp_path / "junk.keras").write_bytes(b"not a zip file")
    found = {entry["file"]: entry for entry in models.keras_models(tmp_path)}
    assert set(found) == {"good.keras", "lambda.keras", "junk.keras"}
    good = found["good.keras"]
    assert good["ok"] and good["inputs"] == [[None, None]] and good["outputs"] == [[None, 1]]
    assert "GRU" in [layer["class"] for layer in good["layers"]]
    assert not found["lambda.keras"]["ok"] and "safe_mode" in found["lambda.keras"]["error"]
    assert not found["junk.keras"]["ok"] and found["junk.keras"]["error"]
    parsed = _model_file(good)
    assert parsed is not None and parsed.recurrent == ("GRU",) and parsed.params > 0
    assert recurrent_problem([parsed], "x.keras") is None


def test_call_reinitialised_uses_redrawn_weights_and_restores_them(tmp_path: Path) -> None:
    _tiny_gru(tmp_path / "m.keras")
    source = tmp_path / "submission_under_test.py"
    source.write_text(
        "from pathlib import Path\nimport keras, numpy as np\n"
        "_model = keras.models.load_model(Path(__file__).with_name('m.keras'))\n"
        "CACHE = [w.copy() for w in _model.get_weights()]\n"
        "def predict(x):\n    return _model.predict(np.asarray(x), verbose=0).reshape(-1)\n"
        "def cached_sum():\n    return float(sum(np.abs(w).sum() for w in CACHE))\n")
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("submission", source)
    module = importlib.util.module_from_spec(spec)
    sys.modules["submission"] = module
    spec.loader.exec_module(module)
    x = [[1, 2, 3], [4, 3, 2]]
    real = module.predict(x)
    redrawn = np.asarray(models.call_reinitialised(source, 7, "predict", [x], {}))
    again = np.asarray(models.call_reinitialised(source, 7, "predict", [x], {}))
    assert not np.allclose(real, redrawn, atol=1e-4)
    assert np.allclose(redrawn, again)  # the same seed re-draws the same weights
    assert np.allclose(module.predict(x), real)  # the real weights are back
    # the copy's import-time cache was computed from the re-drawn weights
    assert models.call_reinitialised(source, 7, "cached_sum", [], {}) != module.cached_sum()
    assert sys.modules["submission"] is module
    builtin = models.builtin(models.PREFIX + "keras_models", source)
    assert builtin is not None and [e["file"] for e in builtin()] == ["m.keras"]
    assert models.builtin(models.PREFIX + "nothing", source) is None


def test_model_file_reads_only_plain_data() -> None:
    assert _model_file("junk") is None
    entry = {"file": "a.keras", "ok": True, "params": True,
             "layers": [{"class": "MyCell", "mro": ["MyCell", "RNN", "Layer"]}, "junk"],
             "inputs": [[None, "x", 3]], "outputs": "junk"}
    parsed = _model_file(entry)
    assert parsed is not None
    assert parsed.recurrent == ("MyCell",) and parsed.params == 0
    assert parsed.inputs == ((None, None, 3),) and parsed.outputs == ()
    assert "no recurrent layer" in recurrent_problem(
        [_model_file({"file": "b.keras", "ok": True, "layers": [{"class": "Dense"}]})],
        "b.keras")


def test_probe_chance_and_gap_in_both_directions() -> None:
    accuracy = Probe("acc", lambda call: 0.0, higher_is_better=True, chance=0.5,
                     chance_up_to=0.65, min_gap=0.2)
    assert accuracy.at_chance(0.6) and not accuracy.at_chance(0.9)
    assert accuracy.gap(0.95, 0.5) == pytest.approx(0.45)
    loss = Probe("loss", lambda call: 0.0, higher_is_better=False, chance=4.19,
                 chance_up_to=3.5, min_gap=1.0)
    assert loss.at_chance(4.2) and not loss.at_chance(1.5)
    assert loss.gap(1.5, 4.2) == pytest.approx(2.7)


def test_end_token_lm_distribution_and_nucleus() -> None:
    from checkers.exercises.textgen import lm_eos

    for temperature, top_p in ((1.0, 1.0), (0.5, 1.0), (2.0, 0.9), (1.0, 0.6)):
        probs = lm_eos.next_token_probs(temperature, top_p)
        assert sum(probs.values()) == pytest.approx(1.0)
    assert set(lm_eos.next_token_probs(1.0, 0.6)) == {"e", "t"}
    assert set(lm_eos.next_token_probs(1.0, 0.01)) == {"e"}  # the best one always stays
    cold, hot = lm_eos.next_token_probs(0.5, 1.0), lm_eos.next_token_probs(2.0, 1.0)
    assert cold["e"] > lm_eos.next_token_probs(1.0, 1.0)["e"] > hot["e"]


def test_end_token_lm_stops_every_sequence_at_the_same_length() -> None:
    pytest.importorskip("transformers")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from checkers.exercises.textgen import lm_eos

    folder = lm_eos.lm_eos_path()
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(folder, local_files_only=True)
    prompt = "ROMEO:\n"
    torch.manual_seed(0)
    out = model.generate(**tokenizer(prompt, return_tensors="pt"), do_sample=True,
                         max_new_tokens=40, num_return_sequences=4,
                         pad_token_id=tokenizer.eos_token_id)
    texts = tokenizer.batch_decode(out, skip_special_tokens=True)
    assert {len(t) - len(prompt) for t in texts} == {lm_eos.END_AT + 1 - len(prompt)}
    assert all(set(t[len(prompt):]) <= set(lm_eos.LOGITS) for t in texts)


def test_training_summaries_beside_fresh_artifacts_only(tmp_path: Path) -> None:
    from solutions.train_all import write_summaries

    started = time.time() - 1
    (tmp_path / "reber.keras").write_bytes(b"model")
    written = write_summaries("reber", tmp_path, {"epochs": 3, "validation_accuracy": 0.9},
                              12.0, False, started)
    summary = json.loads((tmp_path / "reber.json").read_text())
    assert written == [tmp_path / "reber.json"]
    assert summary["result"]["epochs"] == 3 and summary["hardware"] and not summary["quick"]
    # quick artifacts (<stem>_quick.keras) get theirs; a script's own summary is completed
    (tmp_path / "textgen_quick.keras").write_bytes(b"model")
    (tmp_path / "textgen_quick.json").write_text(json.dumps({"best_heldout_loss": 2.4}))
    write_summaries("textgen", tmp_path, {}, 5.0, True, started)
    own = json.loads((tmp_path / "textgen_quick.json").read_text())
    assert own["best_heldout_loss"] == 2.4 and own["quick"] and "hardware" in own
    # an old artifact is left alone
    old = tmp_path / "dates_v1.keras"
    old.write_bytes(b"model")
    os.utime(old, (started - 100, started - 100))
    assert write_summaries("dates", tmp_path, {}, 1.0, False, started) == []


def test_end_token_lm_is_declared_data_the_worker_sees() -> None:
    from checkers.engine.registry import get_exercise
    from checkers.exercises.textgen import lm_eos

    folder = lm_eos.lm_eos_path()
    assert folder.is_relative_to(REPO / "checkers")
    assert all(item.stat().st_mode & 0o004 for item in folder.iterdir())  # any uid reads it
    assert str(folder) in get_exercise("textgen").data_files


def _namespace(mutant: str | None) -> dict:
    source = (REPO / "solutions" / "textgen.py").read_text()
    if mutant:
        source += "\n" + (REPO / "tests" / "mutants" / "textgen" / f"{mutant}.py").read_text()
    namespace = {"__file__": str(REPO / "solutions" / "textgen.py"), "__name__": "mutant"}
    exec(compile(source, f"textgen + {mutant}", "exec"), namespace)
    return namespace


@pytest.mark.parametrize("mutant, lost", [
    (None, set()),
    pytest.param("pretrained_min_new_tokens", {"textgen.pretrained_end_token"},
                 marks=pytest.mark.slow),
    pytest.param("pretrained_special_tokens_kept", {"textgen.pretrained_end_token"},
                 marks=pytest.mark.slow),
    pytest.param("pretrained_temperature_ignored", {"textgen.pretrained_sampling"},
                 marks=pytest.mark.slow),
    pytest.param("pretrained_top_p_ignored", {"textgen.pretrained_sampling"},
                 marks=pytest.mark.slow),
])
def test_generate_checks_in_process(mutant: str | None, lost: set[str]) -> None:
    pytest.importorskip("transformers")
    from checkers.engine.grading import grade_with_runner
    from checkers.engine.registry import get_exercise
    from checkers.sandbox.runner import InProcessRunner

    report = grade_with_runner(get_exercise("textgen"), InProcessRunner(_namespace(mutant)),
                               submission_label=str(mutant),
                               checks=("textgen.pretrained_end_token",
                                       "textgen.pretrained_sampling"))
    assert {c.id for c in report.checks if c.score < c.max_score} == lost, report.to_json()
