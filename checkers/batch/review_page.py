"""The review page of ``seqgrade review --serve`` (:mod:`checkers.batch.review_server`):
its HTML, script and style, as files in ``review_assets/`` (package data: the wheel carries
them), read once.

The script builds every element with ``createElement`` and writes every text with
``textContent``: a student's answer, feedback or name is never parsed as HTML. The server's
Content-Security-Policy allows only this script and this style (no inline code).

Keys (outside a text field): ``a``/Enter accept the grader's score, ``0``/``1``/``2`` set
the band, ``s`` type a score, ``r`` type a reason (used by the next decision), ``n``/``j``/→
next, ``p``/``k``/← previous, ``u`` undo the decision shown (else the last one taken),
``f`` flagged only / all, ``o`` the student's page (every check; Escape returns), ``?``
help. The next item shows at once (details are fetched ahead); "saved ✓" appears when the
server has committed.

Beside the item, the queue in the server's order (:func:`checkers.batch.review.queue`:
grouped by question, lowest confidence first): in flagged mode a heading per question, and
under each flagged row the sentence that decided its grade (``deciding``), as text; a click
on a row shows it.
"""

from __future__ import annotations

import html
from functools import cache
from importlib import resources
from string import Template

ASSETS = "review_assets"


@cache
def asset(name: str) -> str:
    """The text of one file of the page (``page.html``, ``review.js``, ``review.css``)."""
    return resources.files("checkers.batch").joinpath(ASSETS, name).read_text(encoding="utf-8")


def page_html(exercise: str, token: str) -> str:
    """The page, with the token in the addresses of its script and style."""
    return Template(asset("page.html")).substitute(exercise=html.escape(exercise),
                                                   token=html.escape(token))


def script() -> str:
    """The page's script."""
    return asset("review.js")


def style() -> str:
    """The page's style sheet."""
    return asset("review.css")
