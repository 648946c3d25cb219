"""``seqgrade check`` on a terminal: a live progress line before the first check ends, a
"did you mean" for a misspelled function, and nothing extra when the output is JSON."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import SOLUTIONS

CHECKS = "shifted_targets.encoding,shifted_targets.detector"


def _read_terminal(command: list[str], timeout: float = 600) -> str:
    """Run ``command`` with stdout and stderr on a pseudo-terminal; all it wrote."""
    main, secondary = pty.openpty()
    process = subprocess.Popen(command, stdout=secondary, stderr=secondary,
                               stdin=subprocess.DEVNULL, env={**os.environ, "COLUMNS": "120"})
    os.close(secondary)
    chunks = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([main], [], [], 1.0)
        if ready:
            try:
                data = os.read(main, 65536)
            except OSError:  # the other end closed
                break
            if not data:
                break
            chunks.append(data)
        elif process.poll() is not None:
            break
    process.wait(timeout=30)
    os.close(main)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a Linux pseudo-terminal")
def test_check_shows_progress_before_the_first_check_ends() -> None:
    text = _read_terminal([sys.executable, "-m", "checkers", "check", "shifted_targets",
                           str(SOLUTIONS / "shifted_targets.py"), "--checks", CHECKS])
    table = text.index("seqgrade · shifted_targets")
    assert "checking shifted_targets" in text[:table]
    assert "0/2" in text[:table], text[:table]
    assert "starting the sandbox" in text[:table]


def test_check_in_json_prints_only_the_report(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "checkers", "check", "shifted_targets",
                           str(SOLUTIONS / "shifted_targets.py"), "--checks", CHECKS,
                           "--format", "json"], capture_output=True, text=True, timeout=600)
    assert done.stdout.lstrip().startswith("{") and "checking" not in done.stderr


def test_a_misspelled_function_gets_a_did_you_mean(tmp_path: Path) -> None:
    source = (SOLUTIONS / "shifted_targets.py").read_text(encoding="utf-8")
    (tmp_path / "shifted_targets.py").write_text(
        source.replace("def vectorize(", "def vectorise("), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "checkers", "check", "shifted_targets",
                           str(tmp_path / "shifted_targets.py"), "--checks",
                           "shifted_targets.encoding", "--format", "json"],
                          capture_output=True, text=True, timeout=600)
    assert "it defines `vectorise`: did you mean `vectorize`?" in done.stdout, done.stdout


def test_python_m_seqgrade_is_the_command_line() -> None:
    done = subprocess.run([sys.executable, "-m", "seqgrade", "--version"], capture_output=True,
                          text=True, timeout=120, cwd="/")
    assert done.returncode == 0 and done.stdout.startswith("seqgrade "), done.stderr
