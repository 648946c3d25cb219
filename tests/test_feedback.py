"""Per-student feedback pages: score, every check, counterexamples, plots from the metrics
the gradebook stores; self-contained and escaped; rendered in headless Chromium."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from checkers.batch.feedback import (
    SERIES_COLOR,
    THRESHOLD_COLOR,
    page_name,
    render_feedback,
    series_of,
    write_feedback,
)
from checkers.batch.gradebook import Gradebook, Row, settings_key
from checkers.batch.run import run_batch
from checkers.cli.main import main
from checkers.engine.report import CheckResult, Report
from tests.helpers import SOLUTIONS, grading_options
from tests.test_html_report import CHROMIUM, HOSTILE_TEXT, _pixels_of, decode_png

LENGTHS = {"accuracy_by_length[5-9]": 1.0, "accuracy_by_length[10-14]": 0.93,
           "accuracy_by_length[15-19]": 0.81, "accuracy_by_length[30+]": 0.52}


def _book(tmp_path: Path) -> Path:
    """A gradebook with a reber student (hostile feedback), a dates and a textgen one."""
    db = tmp_path / "g.sqlite"
    reber = [CheckResult("reber.string_to_ids", "string_to_ids", 5.0, 5.0, "passed", "OK"),
             CheckResult("reber.corrupted", "corrupted", 0.0, 10.0, "failed", HOSTILE_TEXT,
                         counterexample="generate_corrupted_string(g, rng) -> 'BTSSXXTVVE'"),
             CheckResult("reber.accuracy", "accuracy on hidden strings", 21.0, 30.0, "failed",
                         "accuracy 0.91 on 2000 hidden strings",
                         metrics={"accuracy": 0.91, **LENGTHS})]
    dates = [CheckResult("dates.v2_accuracy", "v2", 10.0, 20.0, "failed", "exact 0.7",
                         metrics={"exact_match": 0.7, "errors_by_field[year]": 0.05,
                                  "errors_by_field[month]": 0.3,
                                  "errors_by_field[day]": 0.12})]
    losses = {f"loss_by_passage[{i}]": 1.9 + 0.05 * i for i in range(1, 11)}
    textgen = [CheckResult("textgen.heldout_loss", "held-out loss", 15.0, 25.0, "failed",
                           "held-out loss 2.18", metrics={"heldout_loss": 2.18, **losses,
                                                          "loss_by_passage.threshold": 2.1})]
    with Gradebook(db) as book:
        for student, exercise, checks in (("<b>eve</b>", "reber", reber),
                                          ("Dora Date", "dates", dates),
                                          ("tex", "textgen", textgen)):
            report = Report(exercise, "s.py", 0, sum(c.score for c in checks),
                            sum(c.max_score for c in checks), 1.0, "test", checks,
                            notes=["a note <i>"])
            book.record(student=student, path="s.py", content_hash="h",
                        settings=settings_key(0, None), status="graded", report=report)
    return db


def _rows(db: Path, exercise: str) -> list[Row]:
    with Gradebook(db) as book:
        return book.rows(exercise)


def test_page_shows_checks_counterexamples_and_plots_escaped(tmp_path: Path) -> None:
    (row,) = _rows(_book(tmp_path), "reber")
    page = render_feedback(row)
    assert "<script" not in page and HOSTILE_TEXT not in page and "&lt;script&gt;" in page
    assert "default-src 'none'" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "&lt;b&gt;eve&lt;/b&gt;" in page and "26 / 45" in page
    assert "BTSSXXTVVE" in page and "Smallest failing input" in page
    assert page.count("<svg") == 1 and "Accuracy by string length" in page
    assert page.count('class="series"') == len(LENGTHS)
    assert "accuracy_by_length" not in page.split("<svg")[0].split("accuracy on hidden")[1]


def test_dates_and_textgen_plots(tmp_path: Path) -> None:
    db = _book(tmp_path)
    (dates,) = _rows(db, "dates")
    page = render_feedback(dates)
    assert "Wrong conversions by date field" in page and page.count('class="series"') == 3
    (textgen,) = _rows(db, "textgen")
    check = textgen.report.checks[0]
    labels, values, threshold = series_of(check)["loss_by_passage"]
    assert labels == [str(i) for i in range(1, 11)] and threshold == 2.1
    page = render_feedback(textgen)
    assert "Loss per held-out passage" in page and 'class="threshold"' in page


def test_feedback_command_writes_one_page_per_student(tmp_path: Path) -> None:
    db = _book(tmp_path)
    out = tmp_path / "pages"
    assert main(["feedback", "--db", str(db), "--out", str(out), "--exercise", "reber"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["_b_eve__b_.html", "index.html"]
    assert page_name("<b>eve</b>") == "_b_eve__b_.html"
    assert main(["feedback", "--db", str(tmp_path / "none.sqlite"), "--out", str(out)]) == 2
    assert main(["feedback", "--db", str(db), "--out", str(out)]) == 2  # several exercises


def test_metrics_of_a_real_grading_reach_the_page(tmp_path: Path) -> None:
    """reber.accuracy graded for real: its accuracy by length lands in the gradebook."""
    klass = tmp_path / "class" / "ann"
    klass.mkdir(parents=True)
    for name in ("reber.py", "reber.keras"):
        (klass / name).write_bytes((SOLUTIONS / name).read_bytes())
    db = tmp_path / "g.sqlite"
    run_batch("reber", klass.parent, db, checks=["reber.accuracy"], options=grading_options())
    (row,) = _rows(db, "reber")
    series = series_of(row.report.result("reber.accuracy"))["accuracy_by_length"]
    assert len(series[0]) >= 3 and min(series[1]) >= 0.9
    written = write_feedback([row], tmp_path / "out", exercise="reber")
    assert "Accuracy by string length" in written[0].read_text(encoding="utf-8")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                    "(apt-get install -y chromium)")
def test_pages_render_in_headless_chromium(tmp_path: Path) -> None:
    db = _book(tmp_path)
    out = tmp_path / "pages"
    write_feedback(_rows(db, "textgen"), out, exercise="textgen")
    shot = tmp_path / "shot.png"
    command = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync",
               f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}",
               "--window-size=1000,1400", (out / "tex.html").as_uri()]
    subprocess.run(command, capture_output=True, timeout=120, check=False)
    assert shot.exists() and shot.stat().st_size > 0, "chromium wrote no screenshot"
    image = decode_png(shot.read_bytes())
    assert image.shape[:2] == (1400, 1000)
    assert len(np.unique(image[:, :, :3].reshape(-1, 3), axis=0)) > 50
    assert _pixels_of(image, SERIES_COLOR) > 2000  # the bars of the plot
    assert _pixels_of(image, THRESHOLD_COLOR) > 300  # the dashed threshold line
