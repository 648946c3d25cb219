"""Training of the reference `reber` classifier (uses a GPU when one is present)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from solutions import reber


def train(quick: bool = False, out_dir: Path | None = None, seed: int = 42) -> dict:
    """Train the GRU classifier on generated strings and save it as ``reber.keras``.

    ``quick`` uses a smaller data set and fewer epochs (a smoke test, not a reference).
    Returns the validation accuracy, the artifact path and the device used.
    """
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    gpu = bool(tf.config.list_physical_devices("GPU"))
    # GPU configuration: more strings, bigger batches (the same number of updates or more)
    train_size, epochs, batch_size = ((2_000, 5, 64) if quick else
                                      (40_000, 20, 256) if gpu else (10_000, 20, 64))
    x_ids, y = reber.generate_dataset(train_size, rng)
    x_valid_ids, y_valid = reber.generate_dataset(2_000, rng)
    x, x_valid = reber.pad_ids(x_ids), reber.pad_ids(x_valid_ids)
    model = reber.build_model()
    model.compile(loss="binary_crossentropy",
                  optimizer=keras.optimizers.Adam(learning_rate=0.01),
                  metrics=["accuracy"])
    device = "GPU" if gpu else "CPU"
    print(f"training on {device}: {train_size} strings, {epochs} epochs")
    started = time.perf_counter()
    model.fit(x, y, epochs=epochs, batch_size=batch_size, shuffle=True,
              validation_data=(x_valid, y_valid), verbose=2)
    _, accuracy = model.evaluate(x_valid, y_valid, verbose=0)
    out_dir = Path(out_dir) if out_dir else reber.MODEL_PATH.parent
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "reber.keras"
    model.save(path)
    result = {"validation_accuracy": float(accuracy), "artifact": str(path), "device": device,
              "seconds": round(time.perf_counter() - started, 1), "epochs": epochs,
              "train_size": train_size, "batch_size": batch_size,
              "validation_size": len(y_valid)}
    print(result)
    return result


if __name__ == "__main__":
    train()
