"""Training of the reference ``wordgen`` model (Foster's word-level LSTM, on Shakespeare).

Foster's recipe: ``Embedding(VOCAB_SIZE, 100)`` -> ``LSTM(128, return_sequences=True)`` ->
``Dense(VOCAB_SIZE, softmax)``, each speech a sequence of at most ``MAX_LEN`` tokens
followed by the end id 0. The loss is masked after the first end id (Foster pads with 0
and leaves the padding in the loss; here the model learns the end once, not 200 times).
Speeches are batched by length so that the padding costs little. Uses a GPU when present
(a larger LSTM, more epochs); the CPU configuration (Foster's sizes, 12 epochs of batches of
64) took 21 min on 2 CPU cores shared with ~7 other jobs (6 epochs of batches of 32: 11
min there, 4.671 nats/token instead of 4.552).

Usage: ``seqgrade train wordgen [--quick]`` or ``python -m solutions.train_wordgen``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from solutions import wordgen

HERE = Path(__file__).resolve().parent
ARTIFACT = "wordgen.keras"
QUICK_ARTIFACT = "wordgen_quick.keras"
VOCAB_FILE = "wordgen_vocab.json"


@dataclass
class Config:
    """Hyper-parameters of one training run."""

    embed_dim: int = 100
    units: int = 128
    batch_size: int = 64
    epochs: int = 12
    learning_rate: float = 5e-3
    final_learning_rate: float = 5e-4
    dropout: float = 0.0  # on the embeddings and on the LSTM's outputs
    max_speeches: int | None = None  # None: every training speech
    seed: int = 42


GPU_CONFIG = Config(embed_dim=128, units=512, batch_size=64, epochs=20,
                    learning_rate=2e-3, final_learning_rate=2e-4)
CPU_CONFIG = Config()
QUICK_CONFIG = Config(units=32, embed_dim=16, batch_size=32, epochs=1, learning_rate=3e-3,
                      max_speeches=600)


def build_model(vocab_size: int, embed_dim: int, units: int, dropout: float = 0.0):
    """Foster's LSTM: ids ``(batch, time)`` -> next-token probabilities ``(batch, time, V)``.

    ``dropout`` > 0 adds ``Dropout`` layers after the embedding and after the LSTM (active
    in training only; safe-mode loadable).
    """
    import keras

    inputs = keras.Input(shape=(None,), dtype="int32", name="ids")
    x = keras.layers.Embedding(vocab_size, embed_dim, name="embedding")(inputs)
    if dropout:
        x = keras.layers.Dropout(dropout, name="embedding_dropout")(x)
    x = keras.layers.LSTM(units, return_sequences=True, name="lstm")(x)
    if dropout:
        x = keras.layers.Dropout(dropout, name="lstm_dropout")(x)
    outputs = keras.layers.Dense(vocab_size, activation="softmax", name="probs")(x)
    return keras.Model(inputs, outputs, name="wordgen")


def encode(speeches: list[str], vocab: list[str], max_len: int = wordgen.MAX_LEN
           ) -> list[np.ndarray]:
    """Each speech as ids (at most ``max_len`` tokens) followed by the end id 0."""
    out = []
    for speech in speeches:
        ids = wordgen.text_to_ids(speech, vocab)[:max_len]
        if ids:
            out.append(np.array(ids + [wordgen.END_ID], dtype=np.int32))
    return out


def batches(seqs: list[np.ndarray], batch_size: int, rng: np.random.Generator | None = None):
    """``(x, y, weights)`` batches of similar lengths (shuffled when ``rng`` is given).

    ``x = ids[:-1]``, ``y = ids[1:]`` (right-padded with 0), ``weights`` 1 on real targets
    (the end id included), 0 on the padding after it. Lengths round up to a multiple of
    16, so that only a few shapes are traced.
    """
    order = np.argsort([len(s) for s in seqs], kind="stable")
    groups = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    if rng is not None:
        rng.shuffle(groups)
    for group in groups:
        width = -(-max(len(seqs[i]) - 1 for i in group) // 16) * 16
        x = np.zeros((len(group), width), np.int32)
        y = np.zeros((len(group), width), np.int32)
        w = np.zeros((len(group), width), np.float32)
        for row, i in enumerate(group):
            s = seqs[i]
            x[row, : len(s) - 1] = s[:-1]
            y[row, : len(s) - 1] = s[1:]
            w[row, : len(s) - 1] = 1.0
        yield x, y, w


def heldout_loss(model, seqs: list[np.ndarray]) -> float:
    """Mean nats per predicted token (end included) over ``seqs``, from a zero state."""
    total, count = 0.0, 0.0
    for x, y, w in batches(seqs, 64):
        probs = model.predict_on_batch(x)
        p = np.take_along_axis(np.asarray(probs, np.float64), y[..., None], axis=-1)[..., 0]
        total += float(-(np.log(np.maximum(p, 1e-30)) * w).sum())
        count += float(w.sum())
    return total / count


def _hardware(gpu: bool) -> str:
    if gpu:
        import tensorflow as tf

        details = tf.config.experimental.get_device_details(
            tf.config.list_physical_devices("GPU")[0])
        return f"GPU ({details.get('device_name', 'unknown')})"
    return f"CPU, {os.cpu_count()} cores ({platform.machine()})"


def train(quick: bool = False, out_dir: Path | None = None, config: Config | None = None,
          data_path: str | os.PathLike | None = None) -> dict:
    """Train the reference model; write ``wordgen.keras`` (``wordgen_quick.keras`` if quick).

    Also writes the vocabulary (``wordgen_vocab.json``) and a summary
    (``wordgen.json``: hardware, config, held-out loss per epoch). Quick runs never
    overwrite the committed artifacts. Returns the summary dict.
    """
    import keras
    import tensorflow as tf

    from checkers.authoring.shakespeare import load_text, split_text

    gpu = bool(tf.config.list_physical_devices("GPU"))
    if config is None:
        config = QUICK_CONFIG if quick else (GPU_CONFIG if gpu else CPU_CONFIG)
    out_dir = Path(out_dir) if out_dir is not None else HERE
    out_dir.mkdir(parents=True, exist_ok=True)
    artifact = out_dir / (QUICK_ARTIFACT if quick else ARTIFACT)
    keras.utils.set_random_seed(config.seed)
    rng = np.random.default_rng(config.seed)

    train_text, heldout_text = split_text(load_text(data_path))
    train_speeches = wordgen.split_speeches(train_text)
    heldout_speeches = wordgen.split_speeches(heldout_text)[1:]  # the first is cut in two
    vocab = wordgen.build_vocab(train_speeches, wordgen.VOCAB_SIZE)
    train_seqs = encode(train_speeches[: config.max_speeches], vocab)
    val_seqs = encode(heldout_speeches[: 100 if quick else None], vocab)

    model = build_model(len(vocab), config.embed_dim, config.units, config.dropout)
    steps = -(-len(train_seqs) // config.batch_size) * config.epochs
    schedule = keras.optimizers.schedules.CosineDecay(
        config.learning_rate, steps, alpha=config.final_learning_rate / config.learning_rate)
    model.compile(optimizer=keras.optimizers.Adam(schedule, clipnorm=1.0),
                  loss="sparse_categorical_crossentropy")
    hardware = _hardware(gpu)
    print(f"wordgen: {hardware}; config {asdict(config)}; {len(train_seqs):,} speeches, "
          f"{sum(len(s) - 1 for s in train_seqs):,} target tokens", flush=True)

    history: list[dict] = []
    best, start = float("inf"), time.time()
    for epoch in range(config.epochs):
        losses = [float(model.train_on_batch(x, y, sample_weight=w))
                  for x, y, w in batches(train_seqs, config.batch_size, rng)]
        val = heldout_loss(model, val_seqs)
        record = {"epoch": epoch + 1, "train_loss": float(np.mean(losses)),
                  "heldout_loss": val, "elapsed_s": round(time.time() - start, 1)}
        history.append(record)
        print(f"wordgen epoch {epoch + 1}/{config.epochs}: train {record['train_loss']:.4f}, "
              f"held-out {val:.4f} nats/token, {record['elapsed_s']:.0f}s", flush=True)
        if val < best:
            best = val
            _save_inference_model(model, config, artifact)
            print(f"  saved {artifact} (best so far)", flush=True)

    (out_dir / VOCAB_FILE).write_text(json.dumps(vocab) + "\n", encoding="utf-8")
    summary = {"config": asdict(config), "hardware": hardware, "history": history,
               "best_heldout_loss": best, "loss_unit": "nats/token",
               "heldout_speeches": len(val_seqs),
               "heldout_tokens": int(sum(len(s) - 1 for s in val_seqs)),
               "artifact": artifact.name, "bytes": artifact.stat().st_size,
               "vocab_size": len(vocab), "keras": keras.__version__}
    artifact.with_suffix(".json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def _save_inference_model(model, config: Config, path: Path) -> None:
    """Save the weights in an uncompiled copy of the model (no optimizer state: smaller)."""
    copy = build_model(model.output_shape[-1], config.embed_dim, config.units,
                       config.dropout)
    copy.set_weights(model.get_weights())
    copy.save(path)


def main(argv: list[str] | None = None) -> None:
    """Command line: ``python -m solutions.train_wordgen [--quick] [--out DIR] [--epochs N]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--units", type=int)
    parser.add_argument("--dropout", type=float)
    parser.add_argument("--batch", type=int)
    parser.add_argument("--lr", type=float)
    args = parser.parse_args(argv)
    changes = {k: v for k, v in (("epochs", args.epochs), ("units", args.units),
                                 ("dropout", args.dropout), ("batch_size", args.batch),
                                 ("learning_rate", args.lr)) if v is not None}
    config = None
    if changes:
        base = QUICK_CONFIG if args.quick else CPU_CONFIG
        config = Config(**{**asdict(base), **changes})
    summary = train(quick=args.quick, out_dir=args.out, config=config)
    print(json.dumps({k: summary[k] for k in ("best_heldout_loss", "hardware", "artifact")}))


if __name__ == "__main__":
    main()
