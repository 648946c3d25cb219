"""seqgrade's grader: checks, runners, reports.

In a notebook, a student self-checks with ``checkers.check("reber", globals())`` (or only
some checks: ``checks=["reber.dataset"]``): the same checks and feedback as
``seqgrade check``, run in the notebook's own process (not an official grade), shown as a
table. ``checkers.hint("reber.dataset")`` then gives a hint that addresses how that check
failed. ``checkers.model_path("reber.keras")`` finds a saved model beside the notebook or
the script.

This module imports nothing heavy: the worker imports it, and so may a submission that
keeps its self-check. During official grading (``SEQGRADE_GRADING=1``, set by the worker)
``check`` and ``hint`` do nothing and return None.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

__all__ = ["check", "hint", "model_path"]


def _grading() -> bool:
    """Whether this process is a grading worker (the self-check must not run there)."""
    return os.environ.get("SEQGRADE_GRADING") == "1"


def check(exercise: str, namespace: Mapping[str, Any] | str | os.PathLike | None = None, *,
          checks: str | Iterable[str] | None = None, seed: int = 0,
          show: bool = True, notebook: str | os.PathLike | None = None) -> Any:
    """Self-check ``exercise`` on the functions in ``namespace`` (e.g. ``globals()``).

    ``namespace`` may also be a file (``"qa.md"`` for the written answers); left out, it is
    the caller's globals. ``checks`` limits the run to some check ids. Shows the result
    (HTML in Jupyter, text elsewhere; ``show=False`` to skip) and returns it: a
    :class:`checkers.engine.selfcheck.SelfCheck` (``.score``, ``.checks``, ``.report``).
    In a notebook, names that only cells tagged ``seqgrade-ignore`` define are left out, as
    grading leaves those cells out (the notebook is found from Jupyter's ``__session__``;
    ``notebook="reber.ipynb"`` names it where the kernel does not say). Returns None during
    official grading, where it does nothing.
    """
    if _grading():
        return None
    from checkers.engine.selfcheck import self_check

    if namespace is None:
        namespace = sys._getframe(1).f_globals
    result = self_check(exercise, namespace, checks=checks, seed=seed, notebook=notebook)
    if show:
        result.show()
    return result


def hint(check_id: str, *, show: bool = True) -> Any:
    """A hint for one check (``"reber.dataset"``), addressing how it failed last time.

    Shows it (``show=False`` to skip) and returns it; None during official grading.
    """
    if _grading():
        return None
    from checkers.engine.selfcheck import hint as make_hint

    view = make_hint(check_id)
    if show:
        view.show()
    return view


def model_path(name: str) -> Path:
    """Where to save or load ``name`` (``"reber.keras"``): beside your file or notebook.

    In a script (and in the grader, which runs a notebook as a script) that is the folder
    of the caller's ``__file__``; in Jupyter, where ``__file__`` is not defined, the
    notebook's folder (Jupyter's working directory).
    """
    caller = sys._getframe(1).f_globals.get("__file__")
    folder = Path(caller).resolve().parent if isinstance(caller, str) else Path.cwd()
    return folder / name
