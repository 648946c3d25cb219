"""The command line items of issue 14: --version, list --format json, check --checks and
--fail-under, a missing path as a usage error, export --format canvas (with a roster)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from checkers.batch.exports import export_canvas, load_roster
from checkers.batch.gradebook import Gradebook, settings_key
from checkers.cli.main import build_parser, main
from checkers.engine.report import CheckResult, Report
from tests.helpers import SOLUTIONS

REFERENCE = SOLUTIONS / "reber.py"
WRONG_IDS = "\n\ndef string_to_ids(s):\n    return [0 for _ in s]\n"


def test_version(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.startswith("seqgrade ")


def test_list_as_json(capsys: pytest.CaptureFixture) -> None:
    assert main(["list", "--format", "json"]) == 0
    data = {e["name"]: e for e in json.loads(capsys.readouterr().out)}
    reber = data["reber"]
    assert reber["max_score"] == sum(c["points"] for c in reber["checks"]) == 100
    hidden = {c["id"] for c in reber["checks"] if c["hidden_data"]}
    assert hidden == {"reber.accuracy", "reber.long_range"}


def test_missing_path_is_a_one_line_usage_error() -> None:
    done = subprocess.run([sys.executable, "-m", "checkers", "check", "reber", "typo.py"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip().count("\n") == 0 and "typo.py does not exist" in done.stderr


def test_unknown_check_is_a_usage_error(capsys: pytest.CaptureFixture) -> None:
    assert main(["check", "reber", str(REFERENCE), "--checks", "nope"]) == 2
    assert "no check 'nope'" in capsys.readouterr().err


def test_check_subset_and_fail_under(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["check", "reber", str(REFERENCE), "--checks", "string_to_ids",
                 "--format", "json", "--fail-under", "5"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [c["id"] for c in report["checks"]] == ["reber.string_to_ids"]
    assert report["score"] == report["max_score"] == 5.0
    wrong = tmp_path / "reber.py"
    wrong.write_text(REFERENCE.read_text(encoding="utf-8") + WRONG_IDS, encoding="utf-8")
    assert main(["check", "reber", str(wrong), "--checks", "reber.string_to_ids",
                 "--format", "json", "--fail-under", "1"]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["score"] == 0.0
    assert "below --fail-under 1" in captured.err
    assert main(["check", "reber", str(wrong), "--checks", "string_to_ids",
                 "--format", "json"]) == 0  # no threshold: the score alone never fails


def test_grading_commands_take_a_course_file() -> None:
    parser = build_parser()
    for argv in (["check", "reber", "x.py"], ["validate"], ["grade", "reber", "d", "--db", "g"],
                 ["autograder", "reber"]):
        assert parser.parse_args([*argv, "--config", "course.toml"]).config == "course.toml"


def _gradebook(tmp_path: Path) -> Path:
    db = tmp_path / "g.sqlite"
    with Gradebook(db) as book:
        for student, score in (("liddellalice", 90.0), ("Bob Stone", 45.5), ("zoe", 0.0)):
            checks = [CheckResult("reber.accuracy", "acc", score, 100.0,
                                  "passed" if score == 100 else "failed", "f")]
            report = Report("reber", "s.py", 0, score, 100.0, 1.0, "t", checks)
            book.record(student=student, path="s.py", content_hash="h",
                        settings=settings_key(0, None), status="graded", report=report)
    return db


ROSTER = """Student,ID,SIS User ID,SIS Login ID,Section,Reber (1234)
    Points Possible,,,,,100
"Liddell, Alice",1234,A-001,alice,Sec 1,
"Stone, Bob",2222,A-002,bob,Sec 2,
"""


def test_canvas_export_with_points_possible_and_roster_ids(tmp_path: Path) -> None:
    db = _gradebook(tmp_path)
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    out = tmp_path / "canvas.csv"
    assert main(["export", "--db", str(db), "--format", "canvas", "--roster", str(roster),
                 "--out", str(out)]) == 0
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                       "reber (seqgrade)"]
    assert rows[1][0].strip() == "Points Possible" and rows[1][-1] == "100"
    by_name = {r[0]: r for r in rows[2:]}
    assert by_name["Liddell, Alice"][1:] == ["1234", "A-001", "alice", "Sec 1", "90"]
    assert by_name["Stone, Bob"][1:] == ["2222", "A-002", "bob", "Sec 2", "45.5"]
    assert by_name["zoe"][1:] == ["", "", "", "", "0"]  # not on the roster: no ids


def test_canvas_export_plain_roster_and_no_roster(tmp_path: Path) -> None:
    db = _gradebook(tmp_path)
    with Gradebook(db) as book:
        rows = book.rows("reber")
    plain = tmp_path / "plain.csv"
    plain.write_text("student,sis_user_id\nzoe,Z-9\n", encoding="utf-8")
    text = export_canvas(rows, roster=load_roster(plain))
    assert "zoe,,Z-9,,,0" in text.splitlines()
    bare = export_canvas(rows)
    assert bare.splitlines()[2] == "Bob Stone,,,,,45.5"


def test_check_prints_the_autograders_results_json(capsys: pytest.CaptureFixture) -> None:
    from tests.test_autograder import validate_results

    assert main(["check", "reber", str(REFERENCE), "--checks", "string_to_ids",
                 "--format", "gradescope"]) == 0
    data = json.loads(capsys.readouterr().out)
    validate_results(data)
    assert data["score"] == 5.0 and data["tests"][0]["output_format"] == "md"
