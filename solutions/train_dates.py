"""Train the two reference models of the ``dates`` exercise.

``python -m solutions.train_dates [--quick] [--only v1|v2]`` (or ``seqgrade train dates``)
writes ``dates_v1.keras`` and ``dates_v2.keras`` beside ``solutions/dates.py``. Keras uses a
GPU by itself when one is present; there the batches are bigger. Everything is seeded.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from solutions import dates

SEED = 42


def _config(quick: bool, gpu: bool) -> dict[str, Any]:
    """Sizes of the run: tiny for ``quick`` (a smoke test), CPU-sized or GPU-sized."""
    if quick:
        return {"n_train": 2_000, "n_valid": 500, "epochs_v1": 2, "epochs_v2": 2, "batch_size": 64}
    if gpu:
        return {"n_train": 100_000, "n_valid": 5_000, "epochs_v1": 40, "epochs_v2": 15,
                "batch_size": 256}  # fmt: skip
    # v2 (teacher forcing) learns far faster than v1: it is near perfect after a few epochs
    return {"n_train": 40_000, "n_valid": 2_000, "epochs_v1": 12, "epochs_v2": 8, "batch_size": 64}


def _exact_match(predicted: list[str], targets: list[str]) -> float:
    """Fraction of whole strings predicted exactly."""
    return float(np.mean([p == t for p, t in zip(predicted, targets, strict=True)]))


def _callbacks(checkpoint: Path) -> list[Any]:
    """Learning-rate decay on plateau, early stop, best model saved after every epoch."""
    import keras

    return [
        keras.callbacks.ModelCheckpoint(checkpoint, monitor="val_loss", save_best_only=True),
        keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.3, patience=2),
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True),
    ]


def train(
    quick: bool = False, out_dir: Path | None = None, only: str | None = None
) -> dict[str, Any]:
    """Train v1 and/or v2, save them to ``out_dir`` (default: beside the solution).

    Returns the validation exact-match (whole string) of each model trained.
    """
    import keras
    import tensorflow as tf

    gpu = bool(tf.config.list_physical_devices("GPU"))
    cfg = _config(quick, gpu)
    out_dir = Path(out_dir) if out_dir else Path(dates.__file__).parent
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    x_train, y_train = dates.random_dates(cfg["n_train"], rng)
    x_valid, y_valid = dates.random_dates(cfg["n_valid"], rng)
    Y_train, Y_valid = dates.encode_targets(y_train), dates.encode_targets(y_valid)
    print(f"dates: {cfg} gpu={gpu}", flush=True)
    results: dict[str, Any] = {"gpu": gpu, **cfg}

    if only in (None, "v1"):
        keras.utils.set_random_seed(SEED)
        model = dates.build_v1()
        model.compile(loss="sparse_categorical_crossentropy", optimizer="adam",
                      metrics=["accuracy"])  # fmt: skip
        start = time.time()
        model.fit(
            dates.prepare_date_strs_padded(x_train), Y_train,
            validation_data=(dates.prepare_date_strs_padded(x_valid), Y_valid),
            epochs=cfg["epochs_v1"], batch_size=cfg["batch_size"], verbose=2,
            callbacks=_callbacks(out_dir / dates.V1_FILE),
        )  # fmt: skip
        path = out_dir / dates.V1_FILE
        model.save(path)
        pred = model.predict(dates.prepare_date_strs_padded(x_valid), verbose=0)
        results["v1_exact_match"] = _exact_match(dates.ids_to_date_strs(pred.argmax(-1)), y_valid)
        results["v1_seconds"] = round(time.time() - start, 1)
        print(f"v1: {results['v1_exact_match']:.4f} -> {path}", flush=True)

    if only in (None, "v2"):
        keras.utils.set_random_seed(SEED)
        model = dates.build_v2()
        model.compile(loss="sparse_categorical_crossentropy", optimizer="adam",
                      metrics=["accuracy"])  # fmt: skip
        start = time.time()
        model.fit(
            (dates.prepare_date_strs(x_train), dates.shifted_output_sequences(Y_train)), Y_train,
            validation_data=(
                (dates.prepare_date_strs(x_valid), dates.shifted_output_sequences(Y_valid)),
                Y_valid,
            ),
            epochs=cfg["epochs_v2"], batch_size=cfg["batch_size"], verbose=2,
            callbacks=_callbacks(out_dir / dates.V2_FILE),
        )  # fmt: skip
        path = out_dir / dates.V2_FILE
        model.save(path)
        dates._MODELS.clear()
        results["v2_seconds"] = round(time.time() - start, 1)
        if path.resolve() == Path(dates.__file__).with_name(dates.V2_FILE).resolve():
            results["v2_exact_match"] = _exact_match(dates.predict_date_strs(x_valid), y_valid)
            print(f"v2: {results['v2_exact_match']:.4f} -> {path}", flush=True)
    return results


def main(argv: list[str] | None = None) -> None:
    """Command line: ``--quick`` for a smoke run, ``--only v1|v2``, ``--out DIR``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", choices=["v1", "v2"])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    print(train(quick=args.quick, out_dir=args.out, only=args.only))


if __name__ == "__main__":
    main()
