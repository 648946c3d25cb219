"""``seqgrade review --serve``: the review page, served on 127.0.0.1 behind a random token.

The standard library's :class:`http.server.ThreadingHTTPServer` serves it: one instructor
on their own machine needs no framework, and no dependency means nothing more to install,
pin or audit. What makes it safe:

- it binds 127.0.0.1 only, and answers only requests whose ``Host`` is that address (or
  ``localhost``) with its port (DNS rebinding);
- every request, the page and its script included, carries the token (``?token=`` or the
  ``X-Review-Token`` header; compared in constant time): otherwise 403;
- every answer has a strict Content-Security-Policy (scripts and styles from this server
  only, no inline script, no frame, no form target), ``nosniff`` and ``no-referrer``; the
  page writes every text of a submission with ``textContent``, never as HTML;
- all database work runs on one thread with its own :class:`Gradebook` connection, and each
  decision is one SQLite transaction (:meth:`Gradebook.set_override`, as ``--set``), answered
  only after its commit: a decision the page shows as saved survives a killed server, and a
  server killed mid-write leaves the previous state. Two tabs, or two servers, on the same
  gradebook: the last decision wins and every one is in ``override_log``.

The page itself (HTML, JS, CSS) is :mod:`checkers.batch.review_page`.
"""

from __future__ import annotations

import hmac
import json
import secrets
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

from checkers.batch import review, review_page
from checkers.batch.gradebook import Gradebook

HOST = "127.0.0.1"
MAX_BODY = 64 * 1024
MAX_REASON = 2000
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
       "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
T = TypeVar("T")


class ReviewServer:
    """The review page of one exercise of a gradebook, on ``127.0.0.1:port`` (0: any free
    port). :meth:`start` serves in a background thread, :meth:`serve_forever` in this one."""

    def __init__(self, db: Path | str, exercise: str, *, port: int = 0, who: str = "",
                 token: str | None = None) -> None:
        self.db = Path(db)
        self.exercise = exercise
        self.who = who or review.reviewer()
        self.token = token or secrets.token_urlsafe(24)
        self._local = threading.local()
        # One thread, one connection: sqlite3 connections belong to the thread that made them.
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="review-db")
        self._httpd = ThreadingHTTPServer((HOST, port), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port served (the one chosen when 0 was asked)."""
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """The page's address, token included."""
        return f"http://{HOST}:{self.port}/?token={self.token}"

    def run_db(self, work: Callable[[Gradebook], T]) -> T:
        """Run ``work(book)`` on the database thread and return its result."""
        def call() -> T:
            book = getattr(self._local, "book", None)
            if book is None:
                book = self._local.book = Gradebook(self.db)
            return work(book)
        return self._db.submit(call).result()

    def start(self) -> ReviewServer:
        """Serve in a daemon thread (tests, benchmarks)."""
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True,
                                        name="review-http")
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve until interrupted (Ctrl-C)."""
        try:
            self._httpd.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self.close()

    def close(self) -> None:
        """Stop serving and close the database."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

        def close_book() -> None:
            book = getattr(self._local, "book", None)
            if book is not None:
                book.close()
                self._local.book = None
        self._db.submit(close_book).result()
        self._db.shutdown(wait=True)

    def __enter__(self) -> ReviewServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # The API: each returns (status, JSON-able body).

    def api_queue(self) -> dict[str, Any]:
        """Every check, flagged first, grouped by question (:func:`review.queue`), with
        the deciding sentences, decisions and progress."""
        data = self.run_db(lambda book: review.queue(book, self.exercise))
        data["who"] = self.who
        return data

    def api_item(self, student: str, check: str) -> dict[str, Any] | None:
        """One check of one student, in full."""
        return self.run_db(lambda book: review.item_detail(book, self.exercise, student, check))

    def api_student(self, student: str) -> dict[str, Any] | None:
        """Every check of one student."""
        return self.run_db(lambda book: review.student_detail(book, self.exercise, student))

    def api_decide(self, body: dict[str, Any]) -> dict[str, Any]:
        """Store one decision (ValueError: a bad student, check, score or reason)."""
        student, check = str(body.get("student", "")), str(body.get("check", ""))
        reason = str(body.get("reason") or "")[:MAX_REASON]
        try:
            score = float(body["score"])
        except (KeyError, TypeError, ValueError):
            raise ValueError("a decision needs a numeric score") from None
        known = body.get("known")

        def work(book: Gradebook) -> dict[str, Any]:
            before = book.override_log(self.exercise, student, check)
            entry = review.decide(book, self.exercise, student, check, score, reason, self.who)
            previous = before[-1].__dict__ if before else None
            replaced = (previous if previous and previous["new_score"] is not None
                        and previous["at"] != known else None)
            reviewed, flagged = book.review_progress(self.exercise)
            return {"ok": True, "decision": {"score": entry.new_score, "reason": entry.reason,
                                             "who": entry.who, "at": entry.at},
                    "replaced": replaced,
                    "progress": {"reviewed": reviewed, "flagged": flagged}}
        return self.run_db(work)

    def api_clear(self, body: dict[str, Any]) -> dict[str, Any]:
        """Drop the instructor's score of one check (the grader's counts again)."""
        student, check = str(body.get("student", "")), str(body.get("check", ""))

        def work(book: Gradebook) -> dict[str, Any]:
            removed = book.clear_override(self.exercise, student, check, who=self.who)
            reviewed, flagged = book.review_progress(self.exercise)
            return {"ok": True, "removed": removed,
                    "progress": {"reviewed": reviewed, "flagged": flagged}}
        return self.run_db(work)


def _handler_for(server: ReviewServer) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        review = server
    return Handler


class _Handler(BaseHTTPRequestHandler):
    review: ReviewServer
    server_version = "seqgrade-review"
    sys_version = ""
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        pass  # the token is in every URL: never write requests to a log

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, data: Any) -> None:
        self._send(status, json.dumps(data, ensure_ascii=False).encode(),
                   "application/json; charset=utf-8")

    def _allowed(self) -> bool:
        port = self.review.port
        if self.headers.get("Host", "") not in (f"{HOST}:{port}", f"localhost:{port}"):
            return False
        query = parse_qs(urlsplit(self.path).query)
        given = self.headers.get("X-Review-Token") or (query.get("token") or [""])[0]
        return hmac.compare_digest(given.encode(), self.review.token.encode())

    def _refuse(self) -> None:
        self._send(HTTPStatus.FORBIDDEN, b"403: this page needs the token printed by "
                   b"seqgrade review --serve\n", "text/plain; charset=utf-8")

    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        """The page, its script and style, and the read side of the API."""
        if not self._allowed():
            return self._refuse()
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        try:
            if parts.path == "/":
                page = review_page.page_html(self.review.exercise, self.review.token)
                return self._send(200, page.encode(), "text/html; charset=utf-8")
            if parts.path == "/review.js":
                return self._send(200, review_page.script().encode(),
                                  "text/javascript; charset=utf-8")
            if parts.path == "/review.css":
                return self._send(200, review_page.style().encode(), "text/css; charset=utf-8")
            if parts.path == "/api/queue":
                return self._json(200, self.review.api_queue())
            if parts.path == "/api/item":
                found = self.review.api_item(query.get("student", ""), query.get("check", ""))
                return self._json(200 if found else 404, found or {"error": "no such check"})
            if parts.path == "/api/student":
                found = self.review.api_student(query.get("student", ""))
                return self._json(200 if found else 404, found or {"error": "no such student"})
        except Exception as error:  # noqa: BLE001 - one failed request must not stop reviewing
            print(f"seqgrade review: {type(error).__name__}: {error}", file=sys.stderr)
            return self._json(500, {"error": f"{type(error).__name__}: {error}"})
        return self._json(404, {"error": "not found"})

    do_HEAD = do_GET

    def do_POST(self) -> None:  # noqa: N802 - the base class's name
        """Decisions: ``/api/decide`` and ``/api/clear``, JSON bodies."""
        if not self._allowed():
            return self._refuse()
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            return self._json(413, {"error": "body too large"})
        raw = self.rfile.read(length)
        if not self.headers.get("Content-Type", "").startswith("application/json"):
            return self._json(415, {"error": "send JSON"})
        try:
            body = json.loads(raw or b"{}")
            if not isinstance(body, dict):
                raise ValueError("send a JSON object")
            path = urlsplit(self.path).path
            if path == "/api/decide":
                return self._json(200, self.review.api_decide(body))
            if path == "/api/clear":
                return self._json(200, self.review.api_clear(body))
        except ValueError as error:
            return self._json(400, {"error": str(error)})
        except Exception as error:  # noqa: BLE001 - reported to the page, which keeps the item
            print(f"seqgrade review: {type(error).__name__}: {error}", file=sys.stderr)
            return self._json(500, {"error": f"{type(error).__name__}: {error}"})
        return self._json(404, {"error": "not found"})
