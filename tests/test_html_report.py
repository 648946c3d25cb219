"""The HTML class report: self-contained, escaped, and it renders (headless Chromium)."""

from __future__ import annotations

import re
import struct
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pytest

from checkers.batch.gradebook import Gradebook, Row, settings_key
from checkers.batch.html_report import BAR_COLOR, COLORS, FAILURE_COLOR, render_html
from checkers.engine.report import CheckResult, Report

CHROMIUM = Path("/usr/bin/chromium")
HOSTILE_TEXT = '<script>alert("x")</script><img src="http://example.com/x.png">'


def _rows(tmp_path: Path) -> list[Row]:
    """A gradebook of 24 synthetic submissions with varied scores and failures."""
    rng = np.random.default_rng(0)
    db = tmp_path / "g.sqlite"
    with Gradebook(db) as book:
        for n in range(24):
            checks = []
            for i, points in enumerate((10.0, 20.0, 30.0, 40.0)):
                status = rng.choice(["passed", "passed", "failed", "error", "timeout"])
                score = points if status == "passed" else float(rng.integers(0, points // 2))
                feedback = "OK" if status == "passed" else (
                    HOSTILE_TEXT if n == 3 else f"`f{i}('ab')` returned {n % 3}; expected 'a'")
                checks.append(CheckResult(
                    id=f"reber.check_{i}", name=f"check {i}", score=score, max_score=points,
                    status=str(status), feedback=feedback,
                    counterexample=None if status == "passed" else f"f{i}('ab')"))
            report = Report(exercise="reber", submission=f"s{n}.py", seed=0,
                            score=sum(c.score for c in checks), max_score=100.0,
                            duration_s=1.0, grader_version="test", checks=checks)
            book.record(student=f"student_{n:02d}", path=f"s{n}.py", content_hash=str(n),
                        settings=settings_key(0, None), status="graded", report=report)
        return book.rows()


def test_report_is_self_contained_and_escaped(tmp_path: Path) -> None:
    page = render_html(_rows(tmp_path), exercise="reber")
    assert page.count("<svg") == 3
    assert "<script" not in page and HOSTILE_TEXT not in page
    assert "&lt;script&gt;" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "default-src 'none'" in page
    for section in ("Score distribution", "Pass rate per check", "Most frequent failures",
                    "Gradebook"):
        assert section in page
    assert page.count("student_") >= 24


def test_report_command(tmp_path: Path) -> None:
    from checkers.cli.main import main

    _rows(tmp_path)
    out = tmp_path / "report.html"
    assert main(["report", "--db", str(tmp_path / "g.sqlite"), "--html", str(out)]) == 0
    assert "<svg" in out.read_text(encoding="utf-8")


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def decode_png(data: bytes) -> np.ndarray:
    """An 8-bit RGB(A) PNG as an (h, w, channels) uint8 array (no PIL needed)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and color in (2, 6) and interlace == 0
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    bpp = 3 if color == 2 else 4
    stride = width * bpp
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(height, stride + 1)
    out = np.zeros((height, stride), dtype=np.uint8)
    previous = np.zeros(stride, dtype=np.int32)
    for y in range(height):
        kind, line = raw[y, 0], raw[y, 1:].astype(np.int32)
        if kind == 0:
            row = line
        elif kind == 2:
            row = (line + previous) % 256
        elif kind == 1:
            row = (np.cumsum(line.reshape(width, bpp), axis=0) % 256).reshape(-1)
        else:
            values, up = line.tolist(), previous.tolist()
            row_list = [0] * stride
            for i in range(stride):
                left = row_list[i - bpp] if i >= bpp else 0
                if kind == 3:
                    row_list[i] = (values[i] + (left + up[i]) // 2) & 255
                else:
                    upleft = up[i - bpp] if i >= bpp else 0
                    row_list[i] = (values[i] + _paeth(left, up[i], upleft)) & 255
            row = np.array(row_list, dtype=np.int32)
        out[y] = row
        previous = row
    return out.reshape(height, width, bpp)


def _pixels_of(image: np.ndarray, color: str) -> int:
    rgb = np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)], dtype=np.uint8)
    return int(np.all(image[:, :, :3] == rgb, axis=2).sum())


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                    "(apt-get install -y chromium)")
def test_report_renders_in_headless_chromium_with_visible_plots(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(render_html(_rows(tmp_path), exercise="reber"), encoding="utf-8")
    shot = tmp_path / "shot.png"
    command = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync",
               f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}",
               "--window-size=1200,1600", page.as_uri()]
    subprocess.run(command, capture_output=True, timeout=120, check=False)
    assert shot.exists() and shot.stat().st_size > 0, "chromium wrote no screenshot"
    image = decode_png(shot.read_bytes())
    assert image.shape[:2] == (1600, 1200)
    colors = np.unique(image[:, :, :3].reshape(-1, 3), axis=0)
    assert len(colors) > 50, "the screenshot is (nearly) blank"
    # the plots are there: the histogram bars, the pass-rate segments, the failure bars
    assert _pixels_of(image, BAR_COLOR) > 2000
    assert _pixels_of(image, COLORS["passed"]) > 2000
    assert _pixels_of(image, COLORS["failed"]) > 500
    assert _pixels_of(image, FAILURE_COLOR) > 2000
