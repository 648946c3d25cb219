"""The grader's own small seq2seq, trained on a student's arrays (trusted side).

The ``shifted_targets.functional`` check hands the three arrays a student's
``vectorize`` returned for the toy task to :func:`evaluate_isolated`, which trains the
Keras ``lstm_seq2seq`` model (LSTM encoder, LSTM decoder fed the encoder's states,
softmax over the target characters) in a fresh trusted subprocess and decodes greedily
from the student's encoder arrays, starting from the grader's own ``"\\t"``.

It reports two figures side by side: the teacher-forced accuracy (what Keras shows
while training: the decoder reads the student's decoder inputs and is scored against
the student's targets) and the free-running exact-match (the decoder reads its own
predictions, as at inference; scored against the answers the grader knows).

Deterministic: the subprocess runs TensorFlow single-threaded, on the CPU, with
deterministic ops, oneDNN off and every seed fixed, so the same arrays give the same
figures. Run ``python -m checkers.exercises.shifted_targets.trainer IN.npz SPEC.json OUT.json``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from checkers.exercises.shifted_targets.oracle import END, START
from checkers.exercises.shifted_targets.toy import ToyTask, make_toy_task

ARRAY_NAMES = ("encoder_input_data", "decoder_input_data", "decoder_target_data")


@dataclass(frozen=True)
class TrainConfig:
    """Size and schedule of the grader's model; small enough for a 2-core CPU."""

    latent_dim: int = 64
    epochs: int = 20
    batch_size: int = 32
    learning_rate: float = 0.01
    seed: int = 0


@dataclass(frozen=True)
class TaskSpec:
    """How to rebuild the toy task (see :func:`checkers.shifted_targets_toy.make_toy_task`)."""

    seed: int
    size: int = 400
    max_length: int = 4

    def build(self) -> ToyTask:
        """The toy task itself."""
        return make_toy_task(self.seed, self.size, self.max_length)


def _configure_tensorflow() -> None:
    """Single-threaded, deterministic TensorFlow (must run before TF starts its runtime)."""
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:  # runtime already initialised (in-process use): keep going
        pass
    tf.config.experimental.enable_op_determinism()


def _build_models(
    num_encoder_tokens: int, num_decoder_tokens: int, task: ToyTask, cfg: TrainConfig
):
    """The training model and the two inference models (encoder, one decoder step)."""
    import keras

    latent = cfg.latent_dim
    encoder_inputs = keras.Input((task.max_encoder_seq_length, num_encoder_tokens))
    _, state_h, state_c = keras.layers.LSTM(latent, return_state=True, unroll=True)(encoder_inputs)
    decoder_inputs = keras.Input((task.max_decoder_seq_length, num_decoder_tokens))
    decoder_lstm = keras.layers.LSTM(latent, return_sequences=True, return_state=True, unroll=True)
    decoder_dense = keras.layers.Dense(num_decoder_tokens, activation="softmax")
    outputs, _, _ = decoder_lstm(decoder_inputs, initial_state=[state_h, state_c])
    model = keras.Model([encoder_inputs, decoder_inputs], decoder_dense(outputs))

    encoder_model = keras.Model(encoder_inputs, [state_h, state_c])
    step_input = keras.Input((1, num_decoder_tokens))
    h_in, c_in = keras.Input((latent,)), keras.Input((latent,))
    step_out, h_out, c_out = decoder_lstm(step_input, initial_state=[h_in, c_in])
    step_model = keras.Model([step_input, h_in, c_in], [decoder_dense(step_out), h_out, c_out])
    return model, encoder_model, step_model


def _train(model, arrays: tuple[np.ndarray, ...], cfg: TrainConfig) -> float:
    """Minibatch Adam on categorical cross-entropy; returns the last batch's loss."""
    import keras
    import tensorflow as tf

    optimizer = keras.optimizers.Adam(cfg.learning_rate)
    loss_fn = keras.losses.CategoricalCrossentropy()

    @tf.function
    def step(x, d, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model([x, d], training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
        return loss

    tensors = [tf.constant(a) for a in arrays]
    order_rng = np.random.default_rng(cfg.seed)
    n = arrays[0].shape[0]
    loss = float("nan")
    for _ in range(cfg.epochs):
        order = order_rng.permutation(n)
        for start in range(0, n, cfg.batch_size):
            batch = tf.constant(order[start : start + cfg.batch_size])
            loss = step(*(tf.gather(t, batch) for t in tensors))
    return float(loss)


def _greedy_decode(
    encoder_model, step_model, encoder_input: np.ndarray, task: ToyTask
) -> list[str]:
    """Free-running greedy decoding of every sample at once, from the grader's ``"\\t"``."""
    index = task.target_token_index
    chars = {i: c for c, i in index.items()}
    n, vocab = encoder_input.shape[0], len(index)
    h, c = (np.asarray(v) for v in encoder_model(encoder_input, training=False))
    current = np.zeros((n, 1, vocab), dtype=np.float32)
    current[:, 0, index[START]] = 1.0
    decoded = [""] * n
    done = np.zeros(n, dtype=bool)
    for _ in range(task.max_decoder_seq_length):
        probs, h, c = (np.asarray(v) for v in step_model([current, h, c], training=False))
        best = probs[:, -1, :].argmax(axis=-1)
        for i in np.flatnonzero(~done):
            char = chars[int(best[i])]
            if char == END:
                done[i] = True
            else:
                decoded[i] += char
        current = np.zeros((n, 1, vocab), dtype=np.float32)
        current[np.arange(n), 0, best] = 1.0
    return decoded


def train_and_evaluate(
    arrays: tuple[np.ndarray, np.ndarray, np.ndarray], task: ToyTask, cfg: TrainConfig
) -> dict[str, Any]:
    """Train on ``arrays`` (the student's, cast to float32); measure both figures.

    Returns ``teacher_forced_accuracy`` (argmax of the prediction == argmax of the
    student's target, over each text's real decoder steps), ``exact_match`` (greedy
    decoding == the answer), ``examples`` (input, expected, decoded; wrong ones first),
    ``final_loss`` and ``train_seconds``.
    """
    import keras

    _configure_tensorflow()
    arrays = tuple(np.ascontiguousarray(a, dtype=np.float32) for a in arrays)
    encoder_input, decoder_input, decoder_target = arrays
    keras.utils.set_random_seed(cfg.seed)
    model, encoder_model, step_model = _build_models(
        encoder_input.shape[-1], decoder_input.shape[-1], task, cfg
    )
    started = time.perf_counter()
    final_loss = _train(model, arrays, cfg)
    train_seconds = time.perf_counter() - started

    predicted = np.asarray(model([encoder_input, decoder_input], training=False))
    lengths = np.array([len(t) for t in task.target_texts])
    real = np.arange(task.max_decoder_seq_length)[None, :] < lengths[:, None]
    hits = predicted.argmax(-1) == decoder_target.argmax(-1)
    teacher_forced = float(hits[real].mean())

    decoded = _greedy_decode(encoder_model, step_model, encoder_input, task)
    matches = [d == a for d, a in zip(decoded, task.answers, strict=True)]
    wrong = [i for i, ok in enumerate(matches) if not ok]
    shown = (wrong or list(range(len(decoded))))[:5]
    examples = [[task.input_texts[i], task.answers[i], decoded[i]] for i in shown]
    return {
        "teacher_forced_accuracy": teacher_forced,
        "exact_match": float(np.mean(matches)),
        "examples": examples,
        "final_loss": final_loss,
        "train_seconds": train_seconds,
    }


def _subprocess_env() -> dict[str, str]:
    """A quiet, CPU-only, single-threaded environment for the trusted trainer."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[3])  # the folder holding checkers/
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    env.update(
        TF_CPP_MIN_LOG_LEVEL="3",
        TF_ENABLE_ONEDNN_OPTS="0",
        CUDA_VISIBLE_DEVICES="-1",
        OMP_NUM_THREADS="1",
        TF_NUM_INTRAOP_THREADS="1",
        TF_NUM_INTEROP_THREADS="1",
        PYTHONHASHSEED="0",
        KERAS_BACKEND="tensorflow",
    )
    return env


def evaluate_isolated(
    arrays: tuple[np.ndarray, np.ndarray, np.ndarray],
    spec: TaskSpec,
    cfg: TrainConfig = TrainConfig(),
    *,
    timeout: float = 300.0,
) -> dict[str, Any]:
    """:func:`train_and_evaluate` in a fresh trusted subprocess (RuntimeError if it fails)."""
    with tempfile.TemporaryDirectory(prefix="seqgrade-shifted-") as tmp:
        folder = Path(tmp)
        np.savez(
            folder / "arrays.npz",
            **{
                name: np.asarray(a, dtype=np.float32)
                for name, a in zip(ARRAY_NAMES, arrays, strict=True)
            },
        )
        (folder / "spec.json").write_text(json.dumps({"task": asdict(spec), "config": asdict(cfg)}))
        command = [
            sys.executable,
            "-m",
            "checkers.exercises.shifted_targets.trainer",
            str(folder / "arrays.npz"),
            str(folder / "spec.json"),
            str(folder / "result.json"),
        ]
        done = subprocess.run(
            command,
            env=_subprocess_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=folder,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"the grader's seq2seq trainer failed (exit {done.returncode}): "
                f"{done.stderr[-2000:]}"
            )
        return json.loads((folder / "result.json").read_text())


def main(argv: list[str] | None = None) -> int:
    """Entry point of the trusted subprocess: ``IN.npz SPEC.json OUT.json``."""
    arrays_path, spec_path, out_path = argv if argv is not None else sys.argv[1:]
    spec = json.loads(Path(spec_path).read_text())
    with np.load(arrays_path, allow_pickle=False) as data:
        arrays = tuple(data[name] for name in ARRAY_NAMES)
    result = train_and_evaluate(
        arrays, TaskSpec(**spec["task"]).build(), TrainConfig(**spec["config"])
    )
    Path(out_path).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
