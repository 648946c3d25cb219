"""Foster's ``pad_punctuation`` (a space on each side of every ASCII punctuation mark, runs
of spaces collapsed to one), its oracle and the check of a submission's version."""

from __future__ import annotations

import string
from collections.abc import Sequence

from hypothesis import strategies as st

from checkers.authoring.expect import expect_str
from checkers.authoring.properties import Violation, run_property
from checkers.engine.model import Context, Outcome

PUNCTUATION = frozenset(string.punctuation)


def pad_punctuation(s: str) -> str:
    """Foster's padding, written character by character (no regular expression)."""
    out: list[str] = []
    for c in "".join(f" {c} " if c in PUNCTUATION else c for c in s):
        if not (c == " " and out and out[-1] == " "):
            out.append(c)
    return "".join(out)


def isolated_marks_problem(s: str) -> str | None:
    """Why some punctuation mark of ``s`` does not stand alone (None when all do).

    A mark stands alone when each neighbour is a space or the end of the string.
    """
    for i, c in enumerate(s):
        if c in PUNCTUATION:
            before = s[i - 1] if i > 0 else " "
            after = s[i + 1] if i + 1 < len(s) else " "
            if before != " " or after != " ":
                return f"the mark {c!r} at index {i} touches {before + c + after!r}"
    return None


def _judge_padding(ctx: Context, s: str) -> None:
    """Raise a :class:`Violation` where the submission's ``pad_punctuation(s)`` is wrong."""
    call = f"pad_punctuation({s!r})"
    got = expect_str(ctx.call("pad_punctuation", s), call)
    if "  " in got:
        raise Violation(f"{call} returned {got!r}, which holds two spaces in a row "
                        "(collapse runs of spaces)")
    problem = isolated_marks_problem(got)
    if problem:
        raise Violation(f"{call} returned {got!r}: {problem}; every ASCII punctuation "
                        "mark needs a space on each side")
    want = pad_punctuation(s)
    if got.strip(" ") != want.strip(" "):
        raise Violation(f"{call} returned {got!r}; expected {want!r} (only ASCII "
                        "string.punctuation is padded; other characters stay as they are)")
    again = expect_str(ctx.call("pad_punctuation", got), f"pad_punctuation({got!r})")
    if again.strip(" ") != got.strip(" "):
        raise Violation(f"pad_punctuation is not idempotent: {call} gave {got!r}, and "
                        f"pad_punctuation of that gave {again!r}")


def pad_punctuation_outcome(ctx: Context, alphabet: str, max_examples: int,
                            explicit: Sequence[str]) -> Outcome:
    """The check of ``pad_punctuation``: every mark alone, single spaces, idempotent,
    nothing else moved; on strings of ``alphabet`` (up to 40 characters) and ``explicit``."""
    return run_property(ctx, st.text(alphabet=alphabet, max_size=40),
                        lambda s: _judge_padding(ctx, s), max_examples=max_examples,
                        explicit=list(explicit))
