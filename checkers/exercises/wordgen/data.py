"""Tiny Shakespeare at word level for the ``wordgen`` checks: the text split into speeches.

The text itself (where it comes from, its checksum) is :mod:`checkers.authoring.shakespeare`,
shared with ``textgen``.
"""

from __future__ import annotations

from checkers.authoring.shakespeare import FILE_NAME, TRAIN_FRACTION, load_text

__all__ = ["FILE_NAME", "load_text", "speeches", "train_and_heldout_speeches"]


def speeches(text: str) -> list[str]:
    """Blocks of ``text`` separated by blank lines, stripped, non-empty."""
    return [block.strip() for block in text.split("\n\n") if block.strip()]


def train_and_heldout_speeches(path: str | None = None) -> tuple[list[str], list[str]]:
    """Speeches of the first 90% and of the last 10% (whose first, cut, block is dropped)."""
    text = load_text(path)
    cut = int(len(text) * TRAIN_FRACTION)
    return speeches(text[:cut]), speeches(text[cut:])[1:]
