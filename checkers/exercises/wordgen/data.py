"""Tiny Shakespeare at word level for the ``wordgen`` checks: find, verify, split into speeches.

Where the text comes from, in order: an explicit path (a file, or a folder holding
``tinyshakespeare.txt``), ``$SEQGRADE_DATA_DIR``, the cache (``$SEQGRADE_CACHE_DIR``, else
``$XDG_CACHE_HOME/seqgrade``, else ``~/.cache/seqgrade``), a download from
:data:`DEFAULT_URL` (``$SEQGRADE_SHAKESPEARE_URL`` overrides it). Every copy is verified
(sha256) before use, so an edited file cannot shift the split. The text is never shipped.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.request
from functools import lru_cache
from pathlib import Path

from checkers.authoring import GraderSetupError

FILE_NAME = "tinyshakespeare.txt"
DEFAULT_URL = (
    "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"
)
SHA256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"
TRAIN_FRACTION = 0.9


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _cache_dir() -> Path:
    if os.environ.get("SEQGRADE_CACHE_DIR"):
        return Path(os.environ["SEQGRADE_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "seqgrade"


def _candidates(path: str | os.PathLike | None) -> list[Path]:
    places = [Path(path).expanduser()] if path is not None else []
    if path is None and os.environ.get("SEQGRADE_DATA_DIR"):
        places.append(Path(os.environ["SEQGRADE_DATA_DIR"]))
    if path is None:
        places.append(_cache_dir())
    return [p / FILE_NAME if p.is_dir() else p for p in places]


def _download(dest: Path) -> Path:
    url = os.environ.get("SEQGRADE_SHAKESPEARE_URL") or DEFAULT_URL
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=".download-")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=60) as response:
            while block := response.read(1 << 20):
                out.write(block)
        if _sha256(Path(tmp_name)) != SHA256:
            raise GraderSetupError(f"{url} is not tiny Shakespeare (sha256 mismatch)")
        os.replace(tmp_name, dest)
    except OSError as error:
        raise GraderSetupError(
            f"tiny Shakespeare not found and not downloadable from {url} ({error}): pass "
            "--data-dir or set SEQGRADE_DATA_DIR to a folder holding tinyshakespeare.txt"
        ) from error
    finally:
        Path(tmp_name).unlink(missing_ok=True)
    return dest


@lru_cache(maxsize=4)
def load_text(path: str | None = None) -> str:
    """The whole verified text (see the module docstring for where it comes from)."""
    for candidate in _candidates(path):
        if candidate.is_file():
            if _sha256(candidate) != SHA256:
                raise GraderSetupError(f"{candidate} is not tiny Shakespeare (sha256 mismatch)")
            return candidate.read_text(encoding="utf-8")
    if path is not None:
        raise GraderSetupError(f"no tiny Shakespeare at {path}")
    return _download(_cache_dir() / FILE_NAME).read_text(encoding="utf-8")


def speeches(text: str) -> list[str]:
    """Blocks of ``text`` separated by blank lines, stripped, non-empty."""
    return [block.strip() for block in text.split("\n\n") if block.strip()]


def train_and_heldout_speeches(path: str | None = None) -> tuple[list[str], list[str]]:
    """Speeches of the first 90% and of the last 10% (whose first, cut, block is dropped)."""
    text = load_text(path)
    cut = int(len(text) * TRAIN_FRACTION)
    return speeches(text[:cut]), speeches(text[cut:])[1:]
