"""seqgrade's disk cache: arrays computed from texts by a model, kept on disk by content.

    vectors = load_array(model_id, texts, shape=(len(texts), 384))
    if vectors is None:
        vectors = compute(texts)
        store_array(model_id, texts, vectors)

An entry is named by a hash of the model id and the texts, so a changed text or model
never reuses a stale entry; an entry of the wrong shape or type is ignored. The cache is
an optimisation only: any problem reading or writing it reads as a miss.

The folder is ``$SEQGRADE_CACHE_DIR`` itself when that is set (the autograder points it
at its ``data/`` folder), else ``$XDG_CACHE_HOME/seqgrade``, else ``~/.cache/seqgrade``;
downloaded data (:mod:`checkers.authoring.shakespeare`) lives there too.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

CACHE_ENV = "SEQGRADE_CACHE_DIR"


def cache_dir() -> Path:
    """The cache folder: ``$SEQGRADE_CACHE_DIR``, else ``$XDG_CACHE_HOME/seqgrade``, else
    ``~/.cache/seqgrade``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "seqgrade"


def entry_path(model_id: str, texts: Sequence[str]) -> Path:
    """Where the array computed by ``model_id`` from ``texts`` is kept."""
    digest = hashlib.sha256("\x1f".join([model_id, *texts]).encode()).hexdigest()[:16]
    return cache_dir() / f"array_{digest}.npy"


def load_array(model_id: str, texts: Sequence[str], shape: tuple[int, ...],
               dtype: type = np.float32) -> np.ndarray | None:
    """The cached array of ``model_id`` for ``texts``, or None when there is none of that
    ``shape`` and ``dtype``."""
    try:
        array = np.load(entry_path(model_id, texts), allow_pickle=False)
    except (OSError, ValueError):
        return None
    return array if array.shape == shape and array.dtype == dtype else None


def store_array(model_id: str, texts: Sequence[str], array: np.ndarray,
                dtype: type = np.float32) -> None:
    """Keep ``array`` (as ``dtype``) for ``model_id`` and ``texts``; written atomically,
    and silently skipped when the folder cannot be written."""
    path = entry_path(model_id, texts)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as handle:
            np.save(handle, array.astype(dtype), allow_pickle=False)
        os.replace(tmp, path)
    except OSError:
        pass
