"""qa from a notebook: `seqgrade new qa --notebook` prints a command that grades the
answers, and checking the notebook itself is a one-line usage error, not ten zeroes."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path


def _seqgrade(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "checkers", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def test_the_printed_command_grades_the_answers(tmp_path: Path) -> None:
    made = _seqgrade("new", "qa", "--notebook", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    command = made.stdout.split("check it with:", 1)[1].strip()
    words = shlex.split(command)
    assert words[:3] == ["seqgrade", "check", "qa"] and words[3].endswith(".md")
    answers = Path(words[3])
    text = answers.read_text(encoding="utf-8")
    answers.write_text(text.replace(
        "## q1\n", "## q1\n\nA stateful RNN keeps its final state as the initial state of the "
        "next batch, so it can learn patterns longer than one window.\n", 1), encoding="utf-8")
    done = _seqgrade(*words[1:], "--format", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["exercise"] == "qa" and report["score"] > 0
    assert "could not be read" not in json.dumps(report)


def test_checking_the_notebook_is_a_one_line_usage_error(tmp_path: Path) -> None:
    assert _seqgrade("new", "qa", "--notebook", cwd=tmp_path).returncode == 0
    done = _seqgrade("check", "qa", "qa.ipynb", cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1
    assert ".md file beside it" in done.stderr
