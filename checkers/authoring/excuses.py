"""Excuses proven, not assumed: when a check may hold back because of another function.

A check judges its own function by the contract first. Only where that fails, and the
failure is *shown* to come from a helper that another check finds wrong, is the part
excused (listed in the feedback, earning nothing by itself); a check that could observe
nothing at all of its function is ``blocked`` (see :meth:`Outcome.blocked`).

An exception is excused only when its traceback passes through the helper's frame
(:func:`raised_through`); a wrong value only when the helper's own output explains it
(each exercise proves that in its own terms: decoding through the submission's helper,
replaying its sampler...).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from checkers.engine.model import Outcome, raised_through

__all__ = ["Excuses", "raised_through"]


@dataclass
class Excuses:
    """What a check could not judge, and why: ``(part, check to fix first)`` pairs, in the
    order met, each once; and how many observations were lost to a helper's exception."""

    parts: list[tuple[str, str]] = field(default_factory=list)
    blocked_calls: int = 0
    blocked_by: str | None = None
    observed: int = 0  # calls whose result the check could judge

    def excuse(self, part: str, by: str) -> None:
        """Record that ``part`` was not judged until check ``by`` passes."""
        if (part, by) not in self.parts:
            self.parts.append((part, by))

    def block(self, by: str) -> None:
        """Record one observation lost because a helper of check ``by`` raised."""
        self.blocked_calls += 1
        self.blocked_by = self.blocked_by or by

    def saw(self) -> None:
        """Record one observation the check could judge."""
        self.observed += 1

    def outcome(self, judged: Outcome, what: str) -> Outcome:
        """``judged`` with the excused parts listed; ``blocked`` when the check observed
        nothing (every call of ``what`` raised inside a broken helper) and found nothing
        wrong either."""
        if judged.fraction >= 1.0 and self.blocked_calls and not self.observed:
            assert self.blocked_by is not None
            return Outcome.blocked(self.blocked_by, f"every call of {what} raised inside a "
                                   f"helper that {self.blocked_by} finds wrong, so nothing of "
                                   f"{what} itself could be seen")
        parts = list(self.parts)
        if self.blocked_calls and self.blocked_by:
            parts.append((f"{self.blocked_calls} calls of {what} that raised inside that "
                          "helper", self.blocked_by))
        return judged.excusing(parts)
