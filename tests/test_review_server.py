"""The review server (``seqgrade review --serve``) without a browser: the token and the host
on every request, decisions through the gradebook with their audit trail, the feedback
parser on qa's feedback, a server that survives broken clients and a kill mid-write.

:func:`build_qa_class` (also used by the browser test and ``bench/bench_review.py``) writes
a class of qa answers files made from ``tests/qa_calibration`` and their grades, in the
qa report's own shape (feedback per key point quoting the deciding sentence, metrics
``probability_<point>``, ``confidence``, ``needs_review``), through the gradebook API.
"""

from __future__ import annotations

import json
import random
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from checkers.batch.gradebook import Gradebook, settings_key
from checkers.batch.review import band_of, band_score, item_detail, parse_verdicts, queue
from checkers.batch.review_server import ReviewServer
from checkers.engine.report import CheckResult, Report

ROOT = Path(__file__).resolve().parent
CALIBRATION = ROOT / "qa_calibration"
SCRIPT_ANSWER = '<script>window.__xss = "script"</script>Stateful RNNs keep state.'
IMG_ANSWER = '<img src="x" onerror="window.__xss = \'img\'">Attention looks back.'


def _calibration() -> dict[str, list[dict]]:
    by_question: dict[str, list[dict]] = {}
    for name in ("answers_q1_q5.yaml", "answers_q6_q10.yaml"):
        for item in yaml.safe_load((CALIBRATION / name).read_text(encoding="utf-8")):
            by_question.setdefault(item["q"], []).append(item)
    return by_question


def _first_sentence(text: str) -> str:
    return " ".join(text.split()).split(". ")[0].rstrip(".")[:139]


def _qa_check(question, text: str, covered: list[str], rng: random.Random,
              flag: bool) -> CheckResult:
    """A qa check result as ``checkers/exercises/qa/checks.py`` writes it."""
    verdicts, metrics = {}, {}
    for point in question.points:
        letter = point.id.split(".")[-1]
        verdicts[point.id] = "covered" if letter in covered else "missing"
        metrics[f"similarity_{point.id}"] = round(rng.uniform(0.6, 0.95), 4) \
            if letter in covered else 0.0
    if covered == [] and text and rng.random() < 0.5:
        verdicts[question.points[0].id] = "contradicted"
    for point in question.points:
        metrics[f"probability_{point.id}"] = round(
            rng.uniform(0.55, 0.99) if verdicts[point.id] == "covered" else
            rng.uniform(0.0, 0.45), 4)
    score = sum(p.weight for p in question.points if verdicts[p.id] == "covered")
    parts = []
    quote = _first_sentence(text)
    for verdict in ("covered", "missing", "contradicted"):
        items = [p.summary + (f' (you wrote: "{quote}")' if verdict != "missing" else "")
                 for p in question.points if verdicts[p.id] == verdict]
        if items:
            parts.append(f"{verdict}: " + "; ".join(items))
    confidence = round(rng.uniform(0.35, 0.74) if flag else rng.uniform(0.8, 0.99), 4)
    metrics.update(score=score, confidence=confidence, needs_review=float(flag))
    return CheckResult(f"qa.{question.id}", f"{question.id}: {question.text}", float(score),
                       10.0, "passed" if score >= 10 else "failed", ". ".join(parts),
                       metrics=metrics)


def build_qa_class(folder: Path, db: Path, students: int, *, seed: int = 0,
                   flagged_share: float = 0.287, hostile: bool = False) -> dict[str, Path]:
    """Write ``students`` answers folders (``folder/NAME/answers.md``) from the calibration
    answers and their grades into the gradebook ``db``; about ``flagged_share`` of the
    answers flagged ``needs_review``. With ``hostile``, a student ``mallory`` whose q1 and
    q2 answers hold a ``<script>`` and an ``<img onerror>``, both flagged. Returns student →
    folder."""
    from checkers.exercises.qa.keypoints import QUESTIONS

    rng = random.Random(seed)
    answers = _calibration()
    names = [f"s{n:03d}" for n in range(students)]
    if hostile:
        names.append("mallory")
    made = {}
    with Gradebook(db) as book:
        for name in names:
            chosen = {q.id: rng.choice(answers[q.id]) for q in QUESTIONS}
            texts = {q: c["text"] for q, c in chosen.items()}
            if name == "mallory":
                texts["q1"], texts["q2"] = SCRIPT_ANSWER, IMG_ANSWER
            home = folder / name
            home.mkdir(parents=True, exist_ok=True)
            (home / "answers.md").write_text(
                "\n".join(f"## {q}\n\n{texts[q]}\n" for q in texts), encoding="utf-8")
            checks = [
                _qa_check(q, texts[q.id], list(chosen[q.id]["covered"]), rng,
                          flag=(name == "mallory" and q.id in ("q1", "q2"))
                          or rng.random() < flagged_share)
                for q in QUESTIONS]
            total = sum(c.score for c in checks)
            report = Report(exercise="qa", submission=str(home), seed=0, score=total,
                            max_score=100.0, duration_s=1.0, grader_version="test",
                            checks=checks, isolation="no-code")
            book.record(student=name, path=str(home), content_hash=name,
                        settings=settings_key(0, None), status="graded", report=report)
            made[name] = home
    return made


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """Status and body of a GET (errors included)."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def post(base: str, path: str, body: dict, token: str | None) -> tuple[int, dict]:
    """Status and JSON of a POST to the review API."""
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["X-Review-Token"] = token
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(),
                                     headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return error.code, json.loads(raw or b"{}")
        except ValueError:
            return error.code, {"text": raw.decode(errors="replace")}


def start_server_process(db: Path, who: str = "tester") -> tuple[subprocess.Popen, str]:
    """``seqgrade review --db DB --serve`` as a process; returns it and the URL it prints."""
    process = subprocess.Popen(
        [sys.executable, "-m", "checkers", "review", "--db", str(db), "--serve", "--who", who],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith("open http://127.0.0.1:"):
            return process, line.split(" ", 1)[1].strip()
        if not line and process.poll() is not None:
            break
    process.kill()
    raise AssertionError("seqgrade review --serve printed no address")


@pytest.fixture()
def served(tmp_path: Path):
    db = tmp_path / "grades.sqlite"
    build_qa_class(tmp_path / "class", db, 4, hostile=True)
    with ReviewServer(db, "qa", who="tester") as server:
        yield server, db


def test_every_request_needs_the_token_and_the_local_host(served) -> None:
    server, db = served
    base = f"http://127.0.0.1:{server.port}"
    for path in ("/", "/review.js", "/review.css", "/api/queue",
                 "/api/item?student=mallory&check=qa.q1", "/api/student?student=mallory",
                 "/favicon.ico"):
        assert get(base + path)[0] == 403, path
        assert get(base + path + ("&" if "?" in path else "?") + "token=wrong")[0] == 403
        status, _ = get(base + path, {"X-Review-Token": server.token})
        assert status in (200, 404), path
    status, body = post(base, "/api/decide", {"student": "mallory", "check": "qa.q1",
                                              "score": 10}, None)
    assert status == 403
    assert post(base, "/api/decide", {"student": "mallory", "check": "qa.q1", "score": 10},
                "x" * len(server.token))[0] == 403
    # DNS rebinding: the right token through another host name is refused too.
    assert get(server.url, {"Host": f"evil.example:{server.port}"})[0] == 403
    status, page = get(server.url)
    assert status == 200 and b"seqgrade review" in page
    with Gradebook(db) as book:
        assert book.overrides() == {} and book.override_log() == []


def test_answers_carry_a_strict_content_security_policy(served) -> None:
    server, _ = served
    request = urllib.request.Request(server.url)
    with urllib.request.urlopen(request, timeout=10) as response:
        csp = response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    status, body = get(f"http://127.0.0.1:{server.port}/api/item?student=mallory&check=qa.q1"
                       f"&token={server.token}")
    assert status == 200 and json.loads(body)["answer"] == SCRIPT_ANSWER
    script = get(f"http://127.0.0.1:{server.port}/review.js?token={server.token}")[1].decode()
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script
    assert "eval(" not in script and "document.write" not in script


def test_decisions_go_through_the_gradebook_with_an_audit_trail(served) -> None:
    server, db = served
    base = f"http://127.0.0.1:{server.port}"
    status, first = post(base, "/api/decide", {"student": "mallory", "check": "qa.q1",
                                               "score": 7, "reason": "right, said oddly"},
                         server.token)
    assert status == 200 and first["decision"]["who"] == "tester"
    assert first["progress"]["reviewed"] == 1
    # A second tab, not knowing of the first decision: the last wins, both are logged.
    status, second = post(base, "/api/decide", {"student": "mallory", "check": "qa.q1",
                                                "score": 4, "known": None}, server.token)
    assert status == 200 and second["replaced"]["new_score"] == 7.0
    assert second["progress"]["reviewed"] == 1
    for bad in ({"student": "mallory", "check": "qa.q1", "score": 11},
                {"student": "nobody", "check": "qa.q1", "score": 1},
                {"student": "mallory", "check": "qa.q99", "score": 1},
                {"student": "mallory", "check": "qa.q1", "score": "ten"}):
        status, answer = post(base, "/api/decide", bad, server.token)
        assert status == 400 and answer["error"], bad
    with Gradebook(db) as book:
        row = book.row("qa", "mallory")
        assert row is not None and row.report.result("qa.q1").score == 4.0
        log = book.override_log("qa", "mallory", "qa.q1")
        grader = log[0].old_score
        assert [(e.old_score, e.new_score, e.who) for e in log] == [
            (grader, 7.0, "tester"), (7.0, 4.0, "tester")]
        assert log[0].reason == "right, said oddly" and log[0].at < log[1].at
        detail = item_detail(book, "qa", "mallory", "qa.q1")
        assert detail is not None and len(detail["history"]) == 2
    status, cleared = post(base, "/api/clear", {"student": "mallory", "check": "qa.q1"},
                           server.token)
    assert status == 200 and cleared["removed"] and cleared["progress"]["reviewed"] == 0
    with Gradebook(db) as book:
        assert book.override_log("qa", "mallory", "qa.q1")[-1].new_score is None


def test_the_queue_puts_flagged_checks_first_with_their_progress(tmp_path: Path) -> None:
    db = tmp_path / "grades.sqlite"
    build_qa_class(tmp_path / "class", db, 20)
    with Gradebook(db) as book:
        data = queue(book, "qa")
        flags = [item["flagged"] for item in data["items"]]
        assert flags == sorted(flags, reverse=True) and any(flags) and not all(flags)
        # Each part grouped by question in qa's order (q1 … q10, not q1, q10, q2), the
        # lowest confidence first; each flagged item with the sentence that decided it.
        for part in (True, False):
            items = [i for i in data["items"] if i["flagged"] is part]
            keys = [(int(i["check"].split(".q")[1]), i["confidence"], i["student"])
                    for i in items]
            assert keys == sorted(keys)
        flagged = [i for i in data["items"] if i["flagged"]]
        assert any(i["deciding"] for i in flagged)
        for item in flagged:
            detail = item_detail(book, "qa", item["student"], item["check"])
            assert detail is not None
            quoted = {v["verdict"]: v["quote"] for v in reversed(detail["verdicts"])
                      if v["quote"]}  # the first quote of each verdict
            assert item["deciding"] == quoted.get("contradicted", quoted.get("covered"))
        assert data["progress"] == {"reviewed": 0, "flagged": sum(flags)}
        first = data["items"][0]
        book.set_override("qa", first["student"], first["check"], 0.0, "wrong claim")
        again = queue(book, "qa")
        assert again["progress"]["reviewed"] == 1
        assert again["items"][0]["flagged"] and again["items"][0]["decision"]["score"] == 0.0


def test_qa_feedback_parses_into_key_point_verdicts() -> None:
    feedback = ('covered: why stateless RNNs are easier to train (you wrote: "you can '
                'shuffle; the windows. really"). missing: what a stateful RNN can learn; how '
                'the data must be prepared. contradicted: variable-length inputs (you wrote: '
                '"never pad"). Your answer is in Swedish.')
    assert parse_verdicts("Score set by the instructor: 7/10.\n" + feedback) == [
        {"verdict": "covered", "point": "why stateless RNNs are easier to train",
         "quote": "you can shuffle; the windows. really"},
        {"verdict": "missing", "point": "what a stateful RNN can learn", "quote": None},
        {"verdict": "missing", "point": "how the data must be prepared", "quote": None},
        {"verdict": "contradicted", "point": "variable-length inputs", "quote": "never pad"},
    ]
    assert parse_verdicts("accuracy 0.91 on the hidden set, below 0.95") == []


def test_bands() -> None:
    assert [band_of(s, 10) for s in (0, 1.9, 2, 6.9, 7, 10)] == [0, 0, 1, 1, 2, 2]
    assert band_score(1, 4.0, 10) == 4.0 and band_score(2, 4.0, 10) == 10.0
    assert band_score(0, 4.0, 10) == 0.0 and band_score(1, 9.0, 10) == 5.0
    with pytest.raises(ValueError):
        band_score(3, 4.0, 10)


def test_the_server_survives_clients_that_hang_up(served) -> None:
    server, _ = served
    for payload in (b"GET /api/queue?tok", b"POST /api/decide HTTP/1.1\r\nHost: 127.0.0.1:"
                    + str(server.port).encode() + b"\r\nContent-Length: 900\r\n\r\n{\"stu"):
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(payload)
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(f"GET /api/queue?token={server.token} HTTP/1.1\r\n"
                     f"Host: 127.0.0.1:{server.port}\r\n\r\n".encode())
    status, body = get(f"http://127.0.0.1:{server.port}/api/queue?token={server.token}")
    assert status == 200 and json.loads(body)["items"]


def test_a_server_killed_mid_write_keeps_every_confirmed_decision(tmp_path: Path) -> None:
    db = tmp_path / "grades.sqlite"
    build_qa_class(tmp_path / "class", db, 30, flagged_share=1.0)
    process, url = start_server_process(db)
    token = url.split("token=")[1]
    base = url.split("/?")[0]
    with Gradebook(db) as book:
        targets = [(r.student, c.id) for r in book.rows("qa") for c in r.report.checks]
    confirmed: list[tuple[str, str, float]] = []

    def hammer() -> None:
        for n, (student, check) in enumerate(targets):
            score = float(n % 11)
            try:
                status, _ = post(base, "/api/decide", {"student": student, "check": check,
                                                       "score": score}, token)
            except OSError:
                return  # the server is gone
            if status == 200:
                confirmed.append((student, check, score))

    writer = threading.Thread(target=hammer)
    writer.start()
    while len(confirmed) < 25 and writer.is_alive():
        time.sleep(0.01)
    process.kill()  # SIGKILL, most likely between or inside transactions
    process.wait(timeout=10)
    writer.join(timeout=30)
    assert len(confirmed) >= 25
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    with Gradebook(db) as book:
        overrides = book.overrides("qa")
        for student, check, score in confirmed:
            assert overrides[("qa", student)][check].score == score
        logged = {(e.student, e.check_id): e.new_score for e in book.override_log("qa")}
        stored = {(s, c): o.score for (_, s), found in overrides.items()
                  for c, o in found.items()}
        assert logged == stored  # every override has its log row, and none without
