"""The review page in a real headless Chromium (Debian's chromium and chromedriver, driven by
Selenium): the queue grouped by question with each answer's deciding sentence, five flagged
qa answers reviewed with the keyboard alone in that order, the decisions in the gradebook,
the CSV export and the feedback pages; answers holding ``<script>`` and
``<img onerror>`` run nothing; two tabs both audited, the last one winning; a server killed
mid-review loses no decision the page confirmed; a code check set from the student's page.

Set ``SEQGRADE_REVIEW_SCREENSHOT=docs/review.png`` to keep the screenshot the test takes.
"""

from __future__ import annotations

import csv
import os
import shutil
import sqlite3
from pathlib import Path

import psutil
import pytest

from checkers.batch.gradebook import Gradebook, settings_key
from checkers.batch.review import band_score, queue
from checkers.cli.main import main
from checkers.engine.report import CheckResult, Report
from tests.test_review_server import (
    IMG_ANSWER,
    SCRIPT_ANSWER,
    build_qa_class,
    start_server_process,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium (the dev extra)")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="needs Debian's chromium and chromedriver (apt-get install -y chromium "
           "chromium-driver)")

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--window-size=1280,1000")


def open_browser(profile: Path):
    """A headless Chromium under Selenium, with Debian's chromedriver (nothing downloaded)."""
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")
    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    return webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))


def press(driver, *keys: str) -> None:
    """Keys typed into whatever has the focus (the page's body, or a field it focused)."""
    from selenium.webdriver.common.action_chains import ActionChains

    chain = ActionChains(driver)
    for key in keys:
        chain.send_keys(key)
    chain.perform()


def wait_for(driver, script: str, timeout: float = 15.0):
    """Wait until ``script`` (a JS expression) is truthy; return its value."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(
        lambda d: d.execute_script(f"return {script}"))


def shown(driver) -> tuple[str, str]:
    """(student, check) of the item on screen, once its details are loaded."""
    wait_for(driver, "document.getElementById('item').dataset.loaded === '1'")
    key = driver.execute_script("return document.getElementById('item').dataset.key")
    student, check = key.split("/")
    return student, check


def confirmed(driver) -> int:
    """How many decisions the page has seen the server commit."""
    return int(driver.execute_script("return document.body.dataset.confirmed"))


def grader_score(db: Path, student: str, check: str) -> float:
    con = sqlite3.connect(db)
    try:
        return float(con.execute("SELECT score FROM check_results WHERE student=? AND "
                                 "check_id=?", (student, check)).fetchone()[0])
    finally:
        con.close()


def test_five_flagged_answers_reviewed_by_keyboard(tmp_path: Path) -> None:
    from selenium.webdriver.common.keys import Keys

    db = tmp_path / "grades.sqlite"
    build_qa_class(tmp_path / "class", db, 12, seed=3, hostile=True)
    process, url = start_server_process(db, who="tester")
    driver = open_browser(tmp_path / "profile")
    try:
        driver.get(url)
        wait_for(driver, "document.body.dataset.ready === '1'")
        assert driver.execute_script("return document.getElementById('flagged').textContent") \
            != "0"

        # The queue: flagged answers grouped by question (q1 … q10), lowest confidence
        # first, a heading per question, the deciding sentence under each, as text.
        with Gradebook(db) as book:
            order = [i for i in queue(book, "qa")["items"] if i["flagged"]]
        keys = [f"{i['student']}/{i['check']}" for i in order]
        assert driver.execute_script(
            "return [...document.querySelectorAll('#q-list .q-item')]"
            ".map(r => r.dataset.key)") == keys
        groups = list(dict.fromkeys(i["check"] for i in order))
        assert groups == sorted(groups, key=lambda c: int(c.split(".q")[1]))
        assert driver.execute_script(
            "return [...document.querySelectorAll('#q-list h3.q-group')]"
            ".map(h => h.textContent)") == [
            f"{c} ({sum(i['check'] == c for i in order)} flagged)" for c in groups]
        assert driver.execute_script(
            "return [...document.querySelectorAll('#q-list .q-item')].map(r => "
            "(r.querySelector('.q-deciding') || {}).textContent || null)") == [
            None if i["deciding"] is None else f"“{i['deciding']}”" for i in order]
        mallory = next(i for i in order if (i["student"], i["check"]) == ("mallory", "qa.q1"))
        assert "<script>" in mallory["deciding"]  # shown above as those characters
        assert shown(driver) == (order[0]["student"], order[0]["check"])
        decisions: list[tuple[str, str, float, str]] = []
        steps = [(("a",), "grade confirmed"), (("0",), None), (("2",), None),
                 (("s", "7", Keys.ENTER), ""), (("r", *"reads fine", Keys.ENTER, "1"),
                                                "reads fine")]
        for n, (keys, reason) in enumerate(steps, 1):
            student, check = shown(driver)
            grader = grader_score(db, student, check)
            assert (student, check) == (order[n - 1]["student"], order[n - 1]["check"])
            assert driver.execute_script(
                "return document.querySelector('#q-list .q-item.current').dataset.key") \
                == f"{student}/{check}"
            deciding = order[n - 1]["deciding"]
            assert driver.execute_script(
                "return [document.getElementById('i-deciding').hidden, "
                "document.getElementById('i-deciding-quote').textContent]") == (
                [True, ""] if deciding is None else [False, f"“{deciding}”"])
            if n == 3:
                shot = tmp_path / "review.png"
                driver.save_screenshot(str(shot))
                assert shot.stat().st_size > 10_000
                if os.environ.get("SEQGRADE_REVIEW_SCREENSHOT"):
                    shutil.copyfile(shot, os.environ["SEQGRADE_REVIEW_SCREENSHOT"])
            press(driver, *keys)
            wait_for(driver, f"document.body.dataset.confirmed === '{n}'")
            score = {"a": grader, "0": band_score(0, grader, 10), "2": band_score(2, grader, 10),
                     "s": 7.0, "r": band_score(1, grader, 10)}[keys[0]]
            band_reason = f"band {keys[0]}" + (" confirmed" if score == grader else "")
            decisions.append((student, check, score,
                              band_reason if reason is None else reason))
        assert driver.execute_script("return document.getElementById('reviewed').textContent") \
            == "5"
        assert driver.execute_script("return window.__xss") is None
        assert driver.execute_script("return document.querySelectorAll('img').length") == 0
        assert driver.execute_script("return document.scripts.length") == 1

        # The gradebook: every decision, audited.
        with Gradebook(db) as book:
            overrides = book.overrides("qa")
            for student, check, score, reason in decisions:
                found = overrides[("qa", student)][check]
                if reason == "":
                    reason = found.reason  # a typed score without a reason
                assert (found.score, found.reason) == (score, reason), (student, check)
            log = book.override_log("qa")
            assert [(e.student, e.check_id, e.new_score, e.who) for e in log] == [
                (s, c, sc, "tester") for s, c, sc, _ in decisions]
            assert all(e.old_score == grader_score(db, e.student, e.check_id) for e in log)

        # Two tabs on the same item: both decisions logged, the last one wins.
        first_tab = driver.current_window_handle
        target = shown(driver)
        driver.switch_to.new_window("tab")
        driver.get(url)
        wait_for(driver, "document.body.dataset.ready === '1'")
        assert shown(driver) == target
        second_tab = driver.current_window_handle
        driver.switch_to.window(first_tab)
        press(driver, "2")
        wait_for(driver, "document.body.dataset.confirmed === '6'")
        driver.switch_to.window(second_tab)
        press(driver, "0")
        wait_for(driver, "document.body.dataset.confirmed === '1'")
        toast = wait_for(driver, "!document.getElementById('toast').hidden && "
                                 "document.getElementById('toast').textContent")
        assert "replaced the decision of tester" in toast
        with Gradebook(db) as book:
            entries = book.override_log("qa", *target)
            assert [e.new_score for e in entries] == [band_score(2, entries[0].old_score, 10),
                                                      band_score(0, entries[0].old_score, 10)]
            assert book.overrides("qa")[("qa", target[0])][target[1]].score == \
                entries[-1].new_score

        # A server killed mid-review: every decision the page confirmed is there.
        press(driver, "a")
        wait_for(driver, "document.body.dataset.confirmed === '2'")
        process.kill()
        process.wait(timeout=10)
        con = sqlite3.connect(db)
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        con.close()
        with Gradebook(db) as book:
            assert book.review_progress("qa")[0] == 7
            assert len(book.override_log("qa")) == 8
        process, url = start_server_process(db, who="tester")
        driver.get(url)
        wait_for(driver, "document.body.dataset.ready === '1'")
        assert driver.execute_script("return document.getElementById('reviewed').textContent") \
            == "7"

        # Filters: every check (key f), by band, by question, by student.
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import Select

        with Gradebook(db) as book:
            every = queue(book, "qa")["items"]
        press(driver, "f")

        def count() -> str:
            return driver.execute_script(
                "return document.getElementById('where').textContent").split(" · ")[0]
        assert count().endswith(f" of {len(every)}")  # on the same item as before
        Select(driver.find_element(By.ID, "f-band")).select_by_visible_text("2")
        assert count().endswith(f" of {sum(i['band'] == 2 for i in every)}")
        Select(driver.find_element(By.ID, "f-band")).select_by_index(0)
        Select(driver.find_element(By.ID, "f-check")).select_by_visible_text("qa.q3")
        assert count() == "1 of 13" and shown(driver)[1] == "qa.q3"
        driver.find_element(By.ID, "f-student").send_keys("mall")
        assert count() == "1 of 1" and shown(driver) == ("mallory", "qa.q3")

        # mallory's hostile answers, and the quoted sentences, shown as text: nothing runs.
        for check, text in (("qa.q1", SCRIPT_ANSWER), ("qa.q2", IMG_ANSWER)):
            Select(driver.find_element(By.ID, "f-check")).select_by_visible_text(check)
            assert shown(driver) == ("mallory", check)
            assert driver.execute_script(
                "return document.getElementById('i-answer').textContent") == text
        Select(driver.find_element(By.ID, "f-check")).select_by_visible_text("qa.q1")
        shown(driver)
        quotes = driver.execute_script(
            "return [...document.querySelectorAll('#i-points td.quote')]"
            ".map(td => td.textContent).join(' ')")
        assert "<script>" in quotes  # the key points' quoted sentences, as text
        assert driver.execute_script(
            "return document.getElementById('i-deciding-quote').textContent") \
            == f"“{mallory['deciding']}”"
        assert driver.execute_script("return window.__xss") is None
        assert driver.execute_script("return document.querySelectorAll('img').length") == 0
        Select(driver.find_element(By.ID, "f-check")).select_by_visible_text("qa.q3")
        assert count() == "1 of 1" and shown(driver) == ("mallory", "qa.q3")

        # Undo (u) right after a decision takes back the decision just taken.
        press(driver, Keys.ESCAPE)  # leave the filter field
        press(driver, "a")
        wait_for(driver, "document.body.dataset.confirmed === '1'")
        press(driver, "u")
        wait_for(driver, "document.getElementById('saved').textContent.startsWith('undone')")
        with Gradebook(db) as book:
            assert "qa.q3" not in book.overrides("qa").get(("qa", "mallory"), {})
            assert [e.new_score for e in book.override_log("qa", "mallory", "qa.q3")] == [
                grader_score(db, "mallory", "qa.q3"), None]

        # Every export and page shows the instructor's scores.
        out = tmp_path / "grades.csv"
        assert main(["export", "--db", str(db), "--format", "csv", "--out", str(out)]) == 0
        table = {r["student"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
        pages = tmp_path / "feedback"
        assert main(["feedback", "--db", str(db), "--out", str(pages)]) == 0
        with Gradebook(db) as book:
            for (_, student), found in book.overrides("qa").items():
                row = book.row("qa", student)
                assert row is not None and float(table[student]["total"]) == row.score
                page = (pages / f"{student}.html").read_text(encoding="utf-8")
                for check, override in found.items():
                    assert float(table[student][check]) == override.score
                    assert f"Score set by the instructor: {override.score:g}/10" in page
        assert "reads fine" in (pages / f"{decisions[4][0]}.html").read_text(encoding="utf-8")
        mallory = (pages / "mallory.html").read_text(encoding="utf-8")
        assert "<script>window" not in mallory and "&lt;script&gt;" in mallory
    finally:
        driver.quit()
        process.kill()
        process.wait(timeout=10)


def _code_class(db: Path) -> None:
    checks = [
        CheckResult("reber.dataset", "dataset", 10.0, 10.0, "passed", "OK"),
        CheckResult("reber.accuracy", "accuracy on hidden strings", 3.0, 20.0, "failed",
                    "accuracy 0.81 on the hidden set, below 0.95 for full marks",
                    counterexample="BTSSXXTVVE", metrics={"accuracy": 0.81,
                                                         "accuracy_by_length[5-9]": 0.9}),
    ]
    report = Report(exercise="reber", submission="/class/bob.py", seed=0, score=13.0,
                    max_score=30.0, duration_s=1.0, grader_version="test", checks=checks)
    with Gradebook(db) as book:
        book.record(student="bob", path="/class/bob.py", content_hash="h",
                    settings=settings_key(0, None), status="graded", report=report)


def test_a_code_check_is_set_from_the_students_page(tmp_path: Path) -> None:
    db = tmp_path / "grades.sqlite"
    _code_class(db)
    process, url = start_server_process(db, who="tester")
    # A browser killed while on the page (its whole process tree, SIGKILL): the server
    # goes on serving the next one.
    doomed = open_browser(tmp_path / "doomed")
    doomed.get(url)
    wait_for(doomed, "document.body.dataset.ready === '1'")
    root = psutil.Process(doomed.service.process.pid)
    for child in root.children(recursive=True):
        child.kill()
    root.kill()
    driver = open_browser(tmp_path / "profile")
    try:
        driver.get(url)
        wait_for(driver, "document.body.dataset.ready === '1'")
        assert process.poll() is None
        assert driver.execute_script("return document.getElementById('flagged').textContent") \
            == "0"
        press(driver, "f")  # every check: nothing is flagged in this class
        assert shown(driver) == ("bob", "reber.dataset")
        press(driver, "o")  # the student's page, the first score field focused
        wait_for(driver, "!document.getElementById('student').hidden")
        feedback = driver.execute_script(
            "return document.querySelector('#s-checks [data-check=\"reber.accuracy\"]')"
            ".textContent")
        assert "below 0.95" in feedback and "BTSSXXTVVE" in feedback
        from selenium.webdriver.common.keys import Keys

        # Tab to the accuracy check's score (dataset score, dataset reason, accuracy score).
        press(driver, Keys.TAB, Keys.TAB, "15", Keys.TAB, *"near the line", Keys.ENTER)
        wait_for(driver, "document.body.dataset.confirmed === '1'")
        press(driver, Keys.ESCAPE)
        wait_for(driver, "document.getElementById('student').hidden")
    finally:
        driver.quit()
        process.kill()
        process.wait(timeout=10)
    with Gradebook(db) as book:
        found = book.overrides("reber")[("reber", "bob")]["reber.accuracy"]
        assert (found.score, found.reason) == (15.0, "near the line")
        assert book.row("reber", "bob").score == 25.0


@pytest.mark.slow
def test_real_qa_grades_show_their_key_points(tmp_path: Path) -> None:
    """``seqgrade grade qa`` on answers of tests/qa_calibration (the real grader and its
    models): every flagged answer shows all its question's key points, each quote taken
    from the answer, in the page as the parser reads them."""
    import random
    import re

    import yaml

    from checkers.batch.review import item_detail, queue
    from checkers.exercises.qa.keypoints import QUESTION_BY_ID
    from tests.test_review_server import CALIBRATION

    rng = random.Random(5)
    answers = [a for name in ("answers_q1_q5.yaml", "answers_q6_q10.yaml")
               for a in yaml.safe_load((CALIBRATION / name).read_text(encoding="utf-8"))
               if a["kind"] in ("partial", "mixed", "negated", "padded")]
    for student in ("ann", "ben"):
        home = tmp_path / "class" / student
        home.mkdir(parents=True)
        picked = {}
        for a in rng.sample(answers, len(answers)):
            picked.setdefault(a["q"], a["text"])
        (home / "answers.md").write_text("\n".join(f"## {q}\n\n{t}\n" for q, t in
                                                   sorted(picked.items())), encoding="utf-8")
    db = tmp_path / "grades.sqlite"
    assert main(["grade", "qa", str(tmp_path / "class"), "--db", str(db), "--quiet"]) == 0
    with Gradebook(db) as book:
        items = [i for i in queue(book, "qa")["items"] if i["flagged"]]
        assert items, "no flagged answer among these partial and mixed answers"
        for item in items:
            detail = item_detail(book, "qa", item["student"], item["check"])
            assert detail is not None and detail["answer"]
            question = QUESTION_BY_ID[item["check"].split(".")[1]]
            assert sorted(v["point"] for v in detail["verdicts"]) == sorted(
                p.summary for p in question.points)
            flat = " ".join(re.findall(r"\w+", detail["answer"].lower()))
            for verdict in detail["verdicts"]:
                if verdict["quote"]:
                    words = re.findall(r"\w+", verdict["quote"].lower().rstrip("…"))
                    assert " ".join(words[:-1]) in flat, verdict  # the last may be cut
    process, url = start_server_process(db)
    driver = open_browser(tmp_path / "profile")
    try:
        driver.get(url)
        wait_for(driver, "document.body.dataset.ready === '1'")
        student, check = shown(driver)
        rows = driver.execute_script("return document.querySelectorAll('#i-points tr').length")
        assert rows == 1 + len(QUESTION_BY_ID[check.split(".")[1]].points)
    finally:
        driver.quit()
        process.kill()
        process.wait(timeout=10)
