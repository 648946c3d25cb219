"""all-MiniLM-L6-v2's forward pass with torch operations, for training and comparison only.

Grading runs :class:`checkers.exercises.qa.minilm.MiniLM` (numpy). This subclass runs the
same pass with the same torch operations, in the same order, as ``transformers``'
``BertModel`` (``scaled_dot_product_attention`` with a boolean key mask when a batch is
padded, none otherwise, as ``transformers`` passes it; an exact-erf GELU), so its hidden
states are bit-identical to ``transformers``' (``tests/test_qa_minilm.py``) without its
2.5 s of imports. ``bench/qa/train_cross_encoder.py`` trains the cross-encoder's adapter
through it (gradients flow through :meth:`TorchMiniLM.hidden_states`); the qa grader uses
it only when ``SEQGRADE_QA_ENGINE=torch`` (:func:`checkers.exercises.qa.embed.engine_name`).
Importing this module imports torch.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn import functional

from checkers.exercises.qa.minilm import MiniLM, _Layer


class TorchMiniLM(MiniLM):
    """:class:`~checkers.exercises.qa.minilm.MiniLM` with torch tensors and operations."""

    framework = "torch"

    def _read_weights(self, path: Path) -> dict[str, Any]:
        """The tensors of a safetensors file, as torch tensors."""
        from safetensors.torch import load_file

        return load_file(str(path))

    def _prepare(self) -> None:
        """Nothing to lay out: torch's ``linear`` takes ``nn.Linear``'s layout."""

    def from_numpy(self, array: np.ndarray) -> Any:
        """``array`` as a torch tensor (sharing its memory)."""
        return torch.from_numpy(array)

    def to_numpy(self, array: Any) -> np.ndarray:
        """A torch tensor as a numpy array."""
        return array.detach().numpy()

    @contextmanager
    def inference(self, threads: int) -> Iterator[None]:
        """Run the block inside ``torch.inference_mode()`` with ``threads`` threads."""
        with torch.inference_mode():
            previous = torch.get_num_threads()
            torch.set_num_threads(threads)
            try:
                yield
            finally:
                torch.set_num_threads(previous)

    def mean_pool(self, hidden: Any, mask: Any) -> Any:
        """The mean of ``hidden`` ``(batch, tokens, width)`` over the tokens ``mask`` keeps."""
        weights = mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)

    def normalize(self, vectors: Any) -> Any:
        """Rows scaled to unit L2 norm."""
        return functional.normalize(vectors, p=2, dim=1)

    def linear(self, inputs: Any, weight: Any, bias: Any) -> Any:
        """``inputs @ weight.T + bias``."""
        return functional.linear(inputs, weight, bias)

    def softmax(self, logits: Any) -> Any:
        """Softmax over the last axis."""
        return torch.softmax(logits, dim=-1)

    def hidden_states(self, ids: Any, mask: Any, token_types: Any = None,
                      adapter: Any = None) -> Any:
        """The last layer's hidden states, ``(batch, tokens, hidden)``, for torch int64
        ``ids`` and ``mask``; call it inside :meth:`inference` unless training.

        ``token_types`` (default all zeros) marks the second text of a pair; ``adapter``
        (a :class:`~checkers.exercises.qa.crossencoder.LowRank` of torch tensors) adds its
        low-rank updates to the layers' linear maps. Without both, the operations are
        exactly those of ``transformers``' ``BertModel``."""
        batch, tokens = ids.shape
        positions = torch.arange(tokens).unsqueeze(0)
        types = torch.zeros_like(ids) if token_types is None else token_types
        x = (functional.embedding(ids, self.word)
             + functional.embedding(types, self.token_type))
        x = x + functional.embedding(positions, self.position)
        x = functional.layer_norm(x, (self.hidden,), *self.embedding_norm, self.eps)
        keys = None
        if not bool(mask.all()):
            keys = mask.bool()[:, None, None, :].expand(batch, 1, tokens, tokens).contiguous()
        for index, layer in enumerate(self.layers):
            x = self._torch_layer(x, keys, layer, index, adapter)
        return x

    def _torch_layer(self, x: Any, keys: Any, layer: _Layer, index: int,
                     adapter: Any) -> Any:
        def linear(inputs: Any, weights: tuple[Any, Any], name: str) -> Any:
            out = functional.linear(inputs, *weights)
            if adapter is not None:
                out = out + adapter.delta(inputs, index, name)
            return out

        batch, tokens, _ = x.shape
        size = self.hidden // self.heads
        shape = (batch, tokens, -1, size)
        query = linear(x, layer.query, "query").view(*shape).transpose(1, 2)
        key = linear(x, layer.key, "key").view(*shape).transpose(1, 2)
        value = linear(x, layer.value, "value").view(*shape).transpose(1, 2)
        attended = functional.scaled_dot_product_attention(
            query, key, value, attn_mask=keys, dropout_p=0.0, scale=size ** -0.5,
            is_causal=False)
        attended = attended.transpose(1, 2).contiguous().reshape(batch, tokens, -1).contiguous()
        attended = linear(attended, layer.attention_out, "attention_out")
        x = functional.layer_norm(attended + x, (self.hidden,), *layer.attention_norm,
                                  self.eps)
        inner = functional.gelu(linear(x, layer.intermediate, "intermediate"))
        out = linear(inner, layer.output, "output")
        return functional.layer_norm(out + x, (self.hidden,), *layer.output_norm, self.eps)


class TransformersEncoder(TorchMiniLM):
    """``AutoTokenizer`` and ``AutoModel`` behind :class:`TorchMiniLM`'s methods
    (``SEQGRADE_QA_ENGINE=transformers``): the reference the hand-written passes are
    checked against. No adapter: the cross-encoder runs on :class:`TorchMiniLM`."""

    def __init__(self, folder: str | Path) -> None:
        """Load the tokenizer and model of the local folder ``folder`` (never the hub)."""
        import os

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        self.tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        self.model = AutoModel.from_pretrained(str(folder), local_files_only=True)
        self.model.eval()

    def tokenize(self, texts: list[str], max_tokens: int) -> tuple[np.ndarray, np.ndarray]:
        """Token ids and attention mask, padded to the longest text, cut at ``max_tokens``."""
        encoded = self.tokenizer(texts, padding=True, truncation=True, max_length=max_tokens,
                                 return_tensors="np")
        return (encoded["input_ids"].astype(np.int64),
                encoded["attention_mask"].astype(np.int64))

    def tokenize_pairs(self, pairs: list[tuple[str, str]],
                       max_tokens: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Not offered: the cross-encoder runs on :class:`TorchMiniLM`."""
        raise NotImplementedError("the cross-encoder runs on TorchMiniLM, not transformers")

    def hidden_states(self, ids: Any, mask: Any, token_types: Any = None,
                      adapter: Any = None) -> Any:
        """The last layer's hidden states for torch ``ids`` and ``mask`` (no adapter)."""
        if adapter is not None:
            raise ValueError("transformers' BertModel takes no adapter")
        types = torch.zeros_like(ids) if token_types is None else token_types
        return self.model(input_ids=ids, attention_mask=mask,
                          token_type_ids=types).last_hidden_state
