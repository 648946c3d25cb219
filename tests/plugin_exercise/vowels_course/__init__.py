"""A course's own exercise, shipped outside seqgrade and registered by an entry point.

``pyproject.toml`` of such a package::

    [project.entry-points."seqgrade.exercises"]
    vowels = "vowels_course"

It imports only :mod:`checkers.authoring`, as every exercise does.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import strategies as st

from checkers.authoring import (
    Check,
    Context,
    Exercise,
    Outcome,
    Violation,
    expect_int,
    run_property,
)

HERE = Path(__file__).resolve().parent
VOWELS = frozenset("aeiouAEIOU")


def check_count(ctx: Context) -> Outcome:
    """``count_vowels(text)`` counts a, e, i, o, u in either case."""

    def prop(text: str) -> None:
        got = expect_int(ctx.call("count_vowels", text), f"count_vowels({text!r})")
        want = sum(ch in VOWELS for ch in text)
        if got != want:
            raise Violation(f"count_vowels({text!r}) returned {got}; it should be {want}")

    return run_property(ctx, st.text(alphabet="abeiXOUyz ", max_size=12), prop,
                        max_examples=40)


EXERCISE = Exercise(
    name="vowels",
    title="Count the vowels (a course's plug-in exercise)",
    checks=(Check("vowels.count", "count_vowels counts vowels in either case", 10, check_count),),
    stub_file=str(HERE / "stub.py"),
    solution_file=str(HERE / "solution.py"),
    call_timeout=20.0,
)
