"""The qa grader's multilingual claim probe, its review model and the labelled splits
(issue 26).

What it must show: the probe loads offline, gives probabilities, reads a sentence stating a
point above the same sentence with its roles exchanged in the four languages (sentences
written for this test, not in its training data), and can be switched off or fail loudly;
the review model flags by its weights (and by the confidence without them); the labelled
splits load apart (a file of no known split is refused) and the final split is never
fitted on; on the final split the grades keep at least the agreement measured when the
design was frozen.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from checkers.authoring import GraderSetupError
from checkers.exercises.qa import judge, multilingual, probe
from checkers.exercises.qa.keypoints import QUESTION_BY_ID
from checkers.exercises.qa.scoring import grade_answer

ROOT = Path(__file__).resolve().parents[1]

# (point, a sentence stating it, the same sentence with its roles exchanged), per language.
# Written for this test; not in bench/qa/written_ml.
STATED_AND_SWAPPED = [
    ("q1.a", "有状态的RNN会把上一个批次结束时的隐藏状态留给下一个批次，"
     "所以能学到跨越多个窗口的长模式。",
     "无状态的RNN会把上一个批次结束时的隐藏状态留给下一个批次，"
     "所以能学到跨越多个窗口的长模式。"),
    ("q2.a", "Kodaren läser först hela meningen, och först därefter börjar avkodaren skriva "
     "översättningen.",
     "Avkodaren läser först hela meningen, och först därefter börjar kodaren skriva "
     "översättningen."),
    ("q9.a", "При ниска температура моделът почти винаги избира най-вероятния символ, затова "
     "текстът става предвидим.",
     "При висока температура моделът почти винаги избира най-вероятния символ, затова "
     "текстът става предвидим."),
    ("q4.b", "חיפוש חמדני לא יכול לתקן טעות מוקדמת, ואילו חיפוש אלומה שומר כמה מועמדים ולכן יכול.",
     "חיפוש אלומה לא יכול לתקן טעות מוקדמת, ואילו חיפוש חמדני שומר כמה מועמדים ולכן יכול."),
]


@pytest.fixture(scope="module")
def reader() -> probe.Probe:
    loaded = probe.load()
    assert loaded is not None, "checkers/exercises/qa/probe.npz is missing"
    return loaded


def test_the_probe_is_small_and_carries_its_training_summary(reader) -> None:
    assert probe.PROBE_FILE.stat().st_size < 1_000_000
    assert reader.summary["trained_by"] == "bench/qa/train_probe.py"
    assert set(reader.summary["languages"]) == {"en", "zh", "he", "bg", "sv"}
    assert len(reader.index) == 31


def test_probe_probabilities_are_probabilities(reader) -> None:
    vectors = multilingual.embed([s for _, s, _ in STATED_AND_SWAPPED])
    rows = reader.probabilities(vectors, "q1.a")
    assert rows.shape == (len(STATED_AND_SWAPPED), 3)
    assert np.allclose(rows.sum(axis=1), 1.0, atol=1e-5) and (rows >= 0).all()


def test_the_probe_reads_a_stated_point_above_its_role_swap(reader) -> None:
    """P(states it) − P(states it wrongly) is higher for the sentence than for its swap in
    three of the four languages at least (leave-one-language-out, the probe ranks a wrong
    statement above a right one of the same point 6–11 % of the time: docs/QA.md)."""
    better = 0
    for point, stated, swapped in STATED_AND_SWAPPED:
        rows = reader.probabilities(multilingual.embed([stated, swapped]), point)
        margin = rows[:, probe.ENTAIL] - rows[:, probe.CONTRADICT]
        better += margin[0] > margin[1]
    assert better >= 3


def test_the_probe_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    text = STATED_AND_SWAPPED[0][1]
    point = judge.PointJudgement(QUESTION_BY_ID["q1"].points[0], 0.8, 0.1,
                                 1.0, None, None, 0.7, 0.2)
    assert len(judge.Head.features(point, False, 0.0, True)) == len(judge.load_head().other)
    monkeypatch.setenv("SEQGRADE_QA_PROBE", "none")
    result = grade_answer("q1", text)
    assert 0.0 <= result.score <= 10.0
    assert all(p.verdict in ("covered", "missing", "contradicted") for p in result.points)


def test_a_damaged_probe_is_a_setup_error(tmp_path: Path) -> None:
    broken = tmp_path / "probe.npz"
    np.savez(broken, points=np.array(["q1.a"]))
    with pytest.raises(GraderSetupError, match="cannot read the qa probe"):
        probe.load.__wrapped__(broken)
    assert probe.load.__wrapped__(tmp_path / "absent.npz") is None


def test_review_model_flags_by_its_weights_and_else_by_confidence() -> None:
    head = judge.load_head()
    assert len(head.review_weights) == len(judge.REVIEW_INPUTS)
    sure = np.zeros(len(judge.REVIEW_INPUTS))
    sure[-1] = 1.0
    doubtful = sure.copy()
    doubtful[judge.REVIEW_INPUTS.index("doubt")] = 0.9
    doubtful[judge.REVIEW_INPUTS.index("refute_covered")] = 0.9
    doubtful[judge.REVIEW_INPUTS.index("near_boundary")] = 1.0
    assert not head.needs_review(sure) and head.needs_review(doubtful)
    plain = judge.Head(head.english, head.other, review_below=0.7)
    assert plain.needs_review(doubtful) and not plain.needs_review(sure)


def test_review_features_match_their_names() -> None:
    from checkers.exercises.qa.scoring import read_answer

    reading = read_answer("q4", "Greedy decoding keeps one candidate; beam search keeps k "
                          "of them and can recover from an early mistake.")
    features = judge.review_features(reading, [0.9, 0.2, 0.6], [True, False, True], 0.8, 7.0)
    assert features.shape == (len(judge.REVIEW_INPUTS),) and features[-1] == 1.0
    assert features[judge.REVIEW_INPUTS.index("top")] == 1.0
    assert features[judge.REVIEW_INPUTS.index("near_boundary")] == 1.0  # 7 is a boundary


def test_the_splits_load_apart_and_an_unknown_file_is_refused(tmp_path: Path) -> None:
    from bench.bench_qa import DESIGN_SPLITS, load_calibration

    rows = load_calibration()
    counts = {s: sum(r.split == s for r in rows) for s in {r.split for r in rows}}
    assert counts["signed"] == 224 and counts["sealed"] == 150 and counts["closing"] == 120
    assert counts["final"] == 100
    assert "final" not in DESIGN_SPLITS
    assert {"signed", "sealed", "closing"} <= set(DESIGN_SPLITS)
    (tmp_path / "extra_q1.yaml").write_text("[]\n")
    with pytest.raises(ValueError, match="not a known split"):
        load_calibration(tmp_path)


def test_the_head_was_not_fitted_on_the_final_split() -> None:
    comment = json.loads(judge.HEAD_FILE.read_text())["_comment"]
    assert "never the final split" in comment


# Measured on the final split when the design was frozen (bench/qa_final_print.txt):
# band QWK 0.733, unflagged QWK 0.896 at 20 % flagged, partial answers 0.95 in the middle,
# one wrong answer graded top without a flag.
FINAL_QWK_FLOOR = 0.70
FINAL_PARTIAL_FLOOR = 0.90


@pytest.mark.slow
def test_final_agreement_holds() -> None:
    """The final split's figures (nothing was fitted or chosen on it) do not slip below
    what was measured when the design was frozen (docs/QA.md)."""
    from bench.bench_qa import TEST_SPLIT, evaluate, load_calibration, readings

    final = [r for r in load_calibration() if r.split == TEST_SPLIT]
    result = evaluate(final, readings(final), judge.load_head())
    assert result["qwk_bands"] >= FINAL_QWK_FLOOR
    assert result["targets"]["partial (issue 13) in middle >= 0.70"] >= FINAL_PARTIAL_FLOOR
    assert result["review"]["flagged_share"] <= 0.30
    assert len(result["review"]["wrong_top_unflagged"]) <= 1
