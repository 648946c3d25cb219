"""seqgrade's grader: checks, runners, reports.

In a notebook, a student can self-check with ``checkers.check("reber", globals())``: the
same checks and feedback as ``seqgrade check``, run in the notebook's own process (not an
official grade).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["check"]


def check(exercise: str, namespace: Mapping[str, Any], *, seed: int = 0,
          show: bool = True) -> Any:
    """Grade the functions in ``namespace`` (e.g. ``globals()``) for ``exercise``.

    Prints the report (when ``show``) and returns it.
    """
    from checkers.engine.grading import grade_with_runner
    from checkers.engine.registry import get_exercise
    from checkers.engine.report import render_text
    from checkers.sandbox.runner import InProcessRunner

    report = grade_with_runner(get_exercise(exercise), InProcessRunner(namespace),
                               submission_label="<notebook>", seed=seed)
    if show:
        render_text(report)
    return report
