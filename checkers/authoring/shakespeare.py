"""Tiny Shakespeare, the corpus of the text-generation exercises: find, verify, split.

The text is never shipped with seqgrade. :func:`load_text` looks for it, in order:

1. an explicit path (a file, or a folder holding ``tinyshakespeare.txt``);
2. the folder named by the ``SEQGRADE_DATA_DIR`` environment variable;
3. the cache (``$SEQGRADE_CACHE_DIR``, else ``$XDG_CACHE_HOME/seqgrade``, else
   ``~/.cache/seqgrade``);
4. a download from :data:`DEFAULT_URL` (or ``$SEQGRADE_SHAKESPEARE_URL``; ``file://``
   URLs work too), verified against :data:`SHA256` before it is cached.

A file found in steps 1–3 is verified too (size + sha256), so a truncated or edited copy
is refused with a clear message instead of silently shifting the train/held-out split.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.request
from pathlib import Path

from checkers.authoring import cache
from checkers.engine.errors import GraderSetupError

FILE_NAME = "tinyshakespeare.txt"
DEFAULT_URL = (
    "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"
)
SHA256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"
N_CHARS = 1_115_394
TRAIN_FRACTION = 0.9


class DataUnavailable(GraderSetupError):
    """Tiny Shakespeare could not be found, downloaded or verified."""


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_dir() -> Path:
    """The folder where a downloaded copy is kept: seqgrade's cache folder
    (:func:`checkers.authoring.cache.cache_dir`)."""
    return cache.cache_dir()


def _as_file(path: str | os.PathLike) -> Path:
    candidate = Path(path).expanduser()
    return candidate / FILE_NAME if candidate.is_dir() else candidate


def _verified(path: Path, expected_sha256: str) -> Path:
    actual = sha256_of(path)
    if actual != expected_sha256:
        raise DataUnavailable(
            f"{path} is not tiny Shakespeare: sha256 {actual}, expected {expected_sha256}"
        )
    return path


def download(url: str, dest: Path, expected_sha256: str = SHA256, timeout: float = 60) -> Path:
    """Download ``url`` to ``dest`` (atomically), verifying its sha256 first."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=".download-")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as resp:
            while block := resp.read(1 << 20):
                out.write(block)
        _verified(tmp, expected_sha256)
        os.replace(tmp, dest)
    except DataUnavailable:
        raise
    except OSError as error:  # URLError is an OSError
        raise DataUnavailable(
            f"could not download tiny Shakespeare from {url} ({error}); pass --data-dir or "
            "set SEQGRADE_DATA_DIR to a folder holding tinyshakespeare.txt"
        ) from error
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def find_text_file(path: str | os.PathLike | None = None, *, allow_download: bool = True,
                   url: str | None = None, expected_sha256: str = SHA256) -> Path:
    """The path of a verified local copy of tiny Shakespeare (downloading it if needed)."""
    if path is not None:
        candidate = _as_file(path)
        if not candidate.is_file():
            raise DataUnavailable(f"no tiny Shakespeare at {candidate}")
        return _verified(candidate, expected_sha256)
    env_dir = os.environ.get("SEQGRADE_DATA_DIR")
    if env_dir and _as_file(env_dir).is_file():
        return _verified(_as_file(env_dir), expected_sha256)
    cached = cache_dir() / FILE_NAME
    if cached.is_file():
        return _verified(cached, expected_sha256)
    if not allow_download:
        raise DataUnavailable(
            "tiny Shakespeare not found: pass a path, set SEQGRADE_DATA_DIR, or allow a download"
        )
    return download(url or os.environ.get("SEQGRADE_SHAKESPEARE_URL") or DEFAULT_URL, cached,
                    expected_sha256)


_TEXT_CACHE: dict[Path, str] = {}


def load_text(path: str | os.PathLike | None = None, **kwargs) -> str:
    """The whole tiny Shakespeare text (see the module docstring for where it comes from)."""
    file = find_text_file(path, **kwargs)
    if file not in _TEXT_CACHE:
        _TEXT_CACHE[file] = file.read_text(encoding="utf-8")
    return _TEXT_CACHE[file]


def split_text(text: str, fraction: float = TRAIN_FRACTION) -> tuple[str, str]:
    """``(train, heldout)``: the first ``fraction`` of the characters, and the rest."""
    cut = int(len(text) * fraction)
    return text[:cut], text[cut:]


def vocab_of(train_text: str) -> list[str]:
    """The model vocabulary without ``[UNK]``: sorted distinct characters (id = index + 1)."""
    return sorted(set(train_text))
