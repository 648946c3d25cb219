"""A course's own exercise, shipped outside seqgrade and registered by an entry point.

``pyproject.toml`` of such a package::

    [project.entry-points."seqgrade.exercises"]
    vowels = "vowels_course"

It imports only :mod:`checkers.authoring`, as every exercise does, and declares on its
:class:`Exercise` everything the rest of seqgrade reads about it: an option of its own
(typed, settable in the course file's ``[vowels.options]``), the pip extras its grading
needs (none), a leaderboard column, the metrics by which a check asks for an
instructor's review, how feedback pages plot a series, and a ``prepare`` hook run once
per submission. ``tests/test_plugin_exercise.py`` copies this folder into a temporary
package and runs every command on it.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import strategies as st

from checkers.authoring import (
    Check,
    Context,
    Exercise,
    LeaderboardColumn,
    Option,
    Outcome,
    ReviewMetrics,
    SeriesPlot,
    Violation,
    expect_int,
    expect_int_list,
    run_property,
)

HERE = Path(__file__).resolve().parent
VOWELS = frozenset("aeiouAEIOU")
WORDS = ("sequence", "Attention", "recurrent", "ENCODER", "decoder", "Output", "token",
         "beam", "Idea", "gradient", "unit", "Echo")
# What ``prepare`` computed for the submission being graded (checks read it).
PREPARED: dict[str, list[str]] = {}


def check_count(ctx: Context) -> Outcome:
    """``count_vowels(text)`` counts a, e, i, o, u in either case."""

    def prop(text: str) -> None:
        got = expect_int(ctx.call("count_vowels", text), f"count_vowels({text!r})")
        want = sum(ch in VOWELS for ch in text)
        if got != want:
            raise Violation(f"count_vowels({text!r}) returned {got}; it should be {want}")

    return run_property(ctx, st.text(alphabet="abeiXOUyz ", max_size=12), prop,
                        max_examples=40)


def _prepare(ctx: Context) -> None:
    """Once per submission: the words the accuracy check counts (the option's number)."""
    PREPARED["words"] = list(WORDS[:ctx.option("word_count")])


def check_words(ctx: Context) -> Outcome:
    """``count_all(words)`` on a word list: the share counted right, partial credit; a
    share strictly between 0 and 1 asks for the instructor's review."""
    words = PREPARED["words"]
    got = expect_int_list(ctx.call("count_all", words), "count_all(words)")
    right = [g == sum(ch in VOWELS for ch in w) for g, w in zip(got, words, strict=False)]
    accuracy = sum(right) / len(words) if len(got) == len(words) else 0.0
    by_length = {f"right_by_length[{len(w)}]": float(r) for w, r in zip(words, right,
                                                                        strict=False)}
    metrics = {"accuracy": accuracy, "unsure": float(0.0 < accuracy < 1.0),
               "certainty": abs(2 * accuracy - 1), **by_length}
    wrong = [w for w, r in zip(words, right, strict=False) if not r]
    feedback = f"{sum(right)} of {len(words)} words counted right" + (
        f"; wrong on {', '.join(wrong)}" if wrong else "")
    return Outcome(accuracy, feedback, None, metrics)


EXERCISE = Exercise(
    name="vowels",
    title="Count the vowels (a course's plug-in exercise)",
    checks=(Check("vowels.count", "count_vowels counts vowels in either case", 10, check_count),
            Check("vowels.words", "count_all counts a list of words", 5, check_words)),
    stub_file=str(HERE / "stub.py"),
    solution_file=str(HERE / "solution.py"),
    call_timeout=20.0,
    options=(Option("word_count", int, len(WORDS), "words in the accuracy set"),),
    prepare=_prepare,
    extras=(),
    leaderboard=(LeaderboardColumn("Words right", "vowels.words", "accuracy"),),
    review=ReviewMetrics(flag="unsure", confidence="certainty"),
    series=(SeriesPlot("right_by_length", "Words counted right, by length", "letters",
                       "right", unit_range=True),),
)
