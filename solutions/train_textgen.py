"""Train the reference character-level GRU of the ``textgen`` exercise.

The model reads character ids (``[UNK]`` = 0, then the sorted characters of the
training split) and an explicit GRU state, and returns the next-character logits at
every step plus the final state::

    inputs:  ids (batch, time) int32, state (batch, units) float32
    outputs: logits (batch, time, vocab_size), state (batch, units)

so that generation can feed one character at a time and carry the state by hand (the
TF tutorial's ``get_initial_state`` pattern breaks on Keras 3). Training uses a second
model that shares the same layers and starts every window from a zero state.

Training data: the first 90% of tiny Shakespeare, cut into ``seq_len``-character
windows whose start is shifted by a random offset every epoch (so successive epochs see
different window boundaries). The last 10% is held out; its loss is printed every
epoch and the best epoch is kept. On a GPU the full configuration runs with a bigger
batch; on a CPU the default is the configuration that fits a ~1 hour budget.

Usage: ``seqgrade train textgen [--quick]`` or ``python -m solutions.train_textgen``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ARTIFACT = "textgen.keras"
QUICK_ARTIFACT = "textgen_quick.keras"
TINY_GPT2 = "tiny_gpt2_shakespeare"


@dataclass
class Config:
    """Hyper-parameters of one training run."""

    units: int = 512
    embed_dim: int = 64
    seq_len: int = 100
    batch_size: int = 64
    epochs: int = 10
    steps_per_epoch: int | None = None  # None: one pass over the training windows
    learning_rate: float = 2e-3
    final_learning_rate: float = 3e-4
    train_chars: int | None = None  # None: the whole training split
    val_chars: int = 50_000  # held-out characters scored after each epoch
    seed: int = 42


GPU_CONFIG = Config(units=1024, embed_dim=256, batch_size=256, epochs=30)
CPU_CONFIG = Config()
QUICK_CONFIG = Config(
    units=128, embed_dim=32, seq_len=64, batch_size=64, epochs=2, steps_per_epoch=80,
    learning_rate=4e-3, final_learning_rate=2e-3, train_chars=200_000, val_chars=5_000,
)


def build_models(vocab_size: int, units: int, embed_dim: int):
    """Return ``(train_model, step_model)`` sharing one Embedding, GRU and Dense layer.

    ``train_model``: ids -> logits (zero initial state). ``step_model``: [ids, state] ->
    [logits, state]; this one is saved.
    """
    import keras

    embedding = keras.layers.Embedding(vocab_size, embed_dim, name="embedding")
    gru = keras.layers.GRU(units, return_sequences=True, return_state=True, name="gru")
    dense = keras.layers.Dense(vocab_size, name="logits")

    ids = keras.Input(shape=(None,), dtype="int32", name="ids")
    seq, _ = gru(embedding(ids))
    train_model = keras.Model(ids, dense(seq), name="textgen_train")

    step_ids = keras.Input(shape=(None,), dtype="int32", name="ids")
    state = keras.Input(shape=(units,), dtype="float32", name="state")
    seq2, new_state = gru(embedding(step_ids), initial_state=state)
    step_model = keras.Model([step_ids, state], [dense(seq2), new_state], name="textgen")
    return train_model, step_model


def _windows(ids: np.ndarray, seq_len: int, offset: int) -> tuple[np.ndarray, np.ndarray]:
    """Non-overlapping windows of ``seq_len + 1`` ids starting at ``offset``; (x, y)."""
    usable = (len(ids) - offset - 1) // seq_len
    x = ids[offset : offset + usable * seq_len].reshape(usable, seq_len)
    y = ids[offset + 1 : offset + 1 + usable * seq_len].reshape(usable, seq_len)
    return x, y


def _heldout_loss(train_model, ids: np.ndarray, seq_len: int = 200) -> float:
    """Mean nats/char on held-out ids, in zero-state windows of ``seq_len`` chars."""
    import keras

    x, y = _windows(ids, seq_len, 0)
    logits = train_model.predict(x, batch_size=64, verbose=0)
    losses = keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True)
    return float(np.mean(keras.ops.convert_to_numpy(losses)))


def train(quick: bool = False, out_dir: Path | None = None, config: Config | None = None,
          data_path: str | os.PathLike | None = None, with_gpt2: bool = True) -> dict:
    """Train the reference model; write ``textgen.keras`` (``textgen_quick.keras`` if quick).

    Also trains the tiny GPT-2 (``tiny_gpt2_shakespeare[_quick]/``) unless ``with_gpt2`` is
    False. Quick runs never overwrite the committed artifacts. Returns a summary dict
    (config, held-out loss per epoch, best loss, artifact path, hardware). Prints progress
    every epoch. Uses a GPU when one is present.
    """
    import keras
    import tensorflow as tf

    from checkers.authoring.shakespeare import load_text, split_text, vocab_of

    gpu = bool(tf.config.list_physical_devices("GPU"))
    if config is None:
        config = QUICK_CONFIG if quick else (GPU_CONFIG if gpu else CPU_CONFIG)
    hardware = "GPU" if gpu else f"CPU, {os.cpu_count()} cores"
    out_dir = Path(out_dir) if out_dir is not None else HERE
    out_dir.mkdir(parents=True, exist_ok=True)
    artifact = out_dir / (QUICK_ARTIFACT if quick else ARTIFACT)
    keras.utils.set_random_seed(config.seed)
    rng = np.random.default_rng(config.seed)

    train_text, heldout_text = split_text(load_text(data_path))
    vocab = vocab_of(train_text)
    table = {c: i + 1 for i, c in enumerate(vocab)}
    train_ids = np.array([table[c] for c in train_text], dtype=np.int32)
    val_ids = np.array([table.get(c, 0) for c in heldout_text], dtype=np.int32)
    if config.train_chars:
        train_ids = train_ids[: config.train_chars]
    val_ids = val_ids[: config.val_chars]

    train_model, step_model = build_models(len(vocab) + 1, config.units, config.embed_dim)
    n_windows = (len(train_ids) - 1) // config.seq_len - 1
    full_pass = n_windows // config.batch_size
    steps = min(config.steps_per_epoch or full_pass, full_pass)
    total_steps = steps * config.epochs
    schedule = keras.optimizers.schedules.CosineDecay(
        config.learning_rate, total_steps, alpha=config.final_learning_rate / config.learning_rate
    )
    train_model.compile(
        optimizer=keras.optimizers.Adam(schedule, clipnorm=1.0),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    print(f"textgen: {hardware}; config {asdict(config)}; {len(train_ids):,} training chars, "
          f"{steps} steps/epoch", flush=True)

    history: list[dict] = []
    best = float("inf")
    start = time.time()
    for epoch in range(config.epochs):
        x, y = _windows(train_ids, config.seq_len, int(rng.integers(0, config.seq_len)))
        order = rng.permutation(len(x))[: steps * config.batch_size]
        fit = train_model.fit(x[order], y[order], batch_size=config.batch_size, epochs=1,
                              shuffle=False, verbose=1 if sys.stdout.isatty() else 2)
        val = _heldout_loss(train_model, val_ids)
        record = {"epoch": epoch + 1, "train_loss": float(fit.history["loss"][-1]),
                  "heldout_loss": val, "elapsed_s": round(time.time() - start, 1)}
        history.append(record)
        print(f"textgen epoch {epoch + 1}/{config.epochs}: train {record['train_loss']:.4f}, "
              f"held-out {val:.4f} nats/char, {record['elapsed_s']:.0f}s", flush=True)
        if val < best:
            best = val
            step_model.save(artifact)
            print(f"  saved {artifact} (best so far)", flush=True)

    summary = {"config": asdict(config), "hardware": hardware, "history": history,
               "best_heldout_loss": best, "artifact": str(artifact),
               "vocab_size": len(vocab) + 1}
    artifact.with_suffix(".json").write_text(json.dumps(summary, indent=2) + "\n")
    if with_gpt2:
        summary["tiny_gpt2"] = train_tiny_gpt2(quick=quick, out_dir=out_dir, data_path=data_path)
    return summary


def char_tokenizer(chars: list[str]):
    """A one-token-per-character ``PreTrainedTokenizerFast`` (``[UNK]`` = 0, no end token)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {"[UNK]": 0, **{c: i + 1 for i, c in enumerate(chars)}}
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    core.pre_tokenizer = pre_tokenizers.Split("", "isolated")
    core.decoder = decoders.Fuse()
    return PreTrainedTokenizerFast(tokenizer_object=core, unk_token="[UNK]")


def train_tiny_gpt2(quick: bool = False, out_dir: Path | None = None,
                    data_path: str | os.PathLike | None = None, steps: int | None = None,
                    seed: int = 0) -> dict:
    """Train a tiny char-level GPT-2 (2 layers, 64 dims) on the training split; save it.

    Writes a folder that ``AutoModelForCausalLM/AutoTokenizer.from_pretrained`` load
    offline (``tiny_gpt2_shakespeare/``, well under 2 MiB). Returns a summary dict.
    """
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    from checkers.authoring.shakespeare import load_text, split_text, vocab_of

    torch.manual_seed(seed)
    if not torch.cuda.is_available() and (os.cpu_count() or 1) <= 4:
        # On a small shared CPU, torch's OpenMP threads spin-wait for each other and run
        # ~10x slower than one thread; one thread is the faster choice here.
        torch.set_num_threads(1)
    rng = np.random.default_rng(seed)
    train_text, heldout_text = split_text(load_text(data_path))
    tokenizer = char_tokenizer(vocab_of(train_text))
    table = tokenizer.get_vocab()
    train_ids = torch.tensor([table[c] for c in train_text], dtype=torch.long)
    val_ids = torch.tensor([table.get(c, 0) for c in heldout_text[:20_000]], dtype=torch.long)
    config = GPT2Config(vocab_size=len(table), n_positions=256, n_embd=64, n_layer=2, n_head=4,
                        bos_token_id=None, eos_token_id=None, pad_token_id=None)
    model = GPT2LMHeadModel(config)
    model.generation_config.eos_token_id = None
    model.generation_config.bos_token_id = None
    steps = steps or (40 if quick else 1500)
    block, batch = 128, 16
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps, eta_min=3e-4)
    model.train()
    start = time.time()
    for step in range(steps):
        starts = rng.integers(0, len(train_ids) - block - 1, size=batch)
        x = torch.stack([train_ids[s : s + block] for s in starts])
        loss = model(input_ids=x, labels=x).loss
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        if (step + 1) % max(1, steps // 10) == 0:
            print(f"tiny GPT-2 step {step + 1}/{steps}: loss {loss.item():.3f} "
                  f"({time.time() - start:.0f}s)", flush=True)
    model.eval()
    with torch.no_grad():
        windows = val_ids[: len(val_ids) // block * block].reshape(-1, block)
        val = float(model(input_ids=windows, labels=windows).loss)
    folder = (Path(out_dir) if out_dir is not None else HERE) / (
        TINY_GPT2 + ("_quick" if quick else ""))
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    size = sum(f.stat().st_size for f in folder.iterdir())
    print(f"tiny GPT-2: held-out {val:.3f} nats/token (1 token = 1 char), saved {folder} "
          f"({size / 1024:.0f} KiB)", flush=True)
    return {"folder": str(folder), "heldout_loss": val, "steps": steps, "bytes": size}


def main(argv: list[str] | None = None) -> None:
    """Command line: ``python -m solutions.train_textgen [--quick] [--out DIR] [--epochs N]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--units", type=int)
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--steps", type=int)
    parser.add_argument("--batch", type=int)
    parser.add_argument("--lr", type=float)
    parser.add_argument("--gpt2", action="store_true", help="train only the tiny GPT-2")
    args = parser.parse_args(argv)
    if args.gpt2:
        print(json.dumps(train_tiny_gpt2(quick=args.quick, out_dir=args.out)))
        return
    config = None
    if any(v is not None for v in (args.units, args.epochs, args.steps, args.batch, args.lr)):
        config = QUICK_CONFIG if args.quick else CPU_CONFIG
        changes = {"units": args.units, "epochs": args.epochs, "steps_per_epoch": args.steps,
                   "batch_size": args.batch, "learning_rate": args.lr}
        config = Config(**{**asdict(config), **{k: v for k, v in changes.items() if v}})
    summary = train(quick=args.quick, out_dir=args.out, config=config, with_gpt2=False)
    print(json.dumps({k: summary[k] for k in ("best_heldout_loss", "hardware", "artifact")}))


if __name__ == "__main__":
    main()
