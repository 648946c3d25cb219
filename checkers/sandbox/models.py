"""Keras model files seen from inside the worker: describe them, and run with weights re-drawn.

Two built-in calls of the worker (names start with ``seqgrade:``, which no Python function of
a submission can have), reached through the ordinary ``call`` op:

- ``seqgrade:keras_models`` describes every ``*.keras`` file of the submission's folder
  (and its sub-folders, up to :data:`MAX_FILES`): each is loaded with Keras safe mode
  (``compile=False``), and comes back as plain data (its layers' class names and class
  hierarchies, input and output shapes, parameter count), or the error that loading raised;
- ``seqgrade:call_reinitialised`` calls one function of the submission in a separate copy
  of its module, imported while every Keras model loaded (``keras.saving.load_model``,
  ``keras.models.load_model``, ``Model.load_weights``) gets its trainable weights re-drawn,
  and while every Keras model already alive in the process has them re-drawn too (restored
  after the call). Re-drawn: rank >= 2 weights Glorot-uniform, the others zero, from a
  generator seeded by the given seed and the weight's path, so the same seed re-draws the
  same values.

Mechanism only: what counts as a trained model is for the grader to decide. Limits: a
submission that kept its own NumPy copy of the weights in a helper module imported before,
or that loads weights another way (``tf.saved_model``, h5 by hand), escapes the re-draw.
"""

from __future__ import annotations

import contextlib
import gc
import importlib.util
import sys
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

PREFIX = "seqgrade:"
MAX_FILES = 10
_FRESH: dict[tuple[str, int], Any] = {}


def _layer_info(layer: Any) -> dict[str, Any]:
    mro = [cls.__name__ for cls in type(layer).__mro__]
    if "Layer" in mro:
        mro = mro[: mro.index("Layer") + 1]
    return {"name": str(getattr(layer, "name", "")), "class": type(layer).__name__, "mro": mro}


def _shape(tensor: Any) -> list[int | None]:
    try:
        return [None if d is None else int(d) for d in tuple(tensor.shape)]
    except (TypeError, ValueError, AttributeError):
        return []


def _describe(model: Any) -> dict[str, Any]:
    try:
        layers = list(model._flatten_layers(include_self=False, recursive=True))
    except Exception:  # noqa: BLE001 - a model of an unusual kind: its direct layers
        layers = list(getattr(model, "layers", []))
    try:
        inputs = [_shape(t) for t in model.inputs]
        outputs = [_shape(t) for t in model.outputs]
    except Exception:  # noqa: BLE001 - a subclassed model has no symbolic inputs
        inputs, outputs = [], []
    return {
        "class": type(model).__name__,
        "layers": [_layer_info(layer) for layer in layers],
        "inputs": inputs,
        "outputs": outputs,
        "params": int(sum(int(np.prod(w.shape)) for w in model.weights)),
    }


def keras_models(folder: Path) -> list[dict[str, Any]]:
    """Every ``*.keras`` file under ``folder``, loaded in safe mode, as plain data."""
    files = sorted(folder.glob("*.keras")) + sorted(folder.glob("*/*.keras"))
    out = []
    for path in files[:MAX_FILES]:
        entry: dict[str, Any] = {"file": str(path.relative_to(folder)), "ok": False}
        try:
            from keras.src.saving import saving_api

            model = saving_api.load_model(path, compile=False, safe_mode=True)
            entry.update(ok=True, **_describe(model))
        except BaseException as error:  # noqa: BLE001 - any failure is a finding
            if isinstance(error, KeyboardInterrupt):
                raise
            message = " ".join(str(error).split())[:600]
            entry.update(error=f"{type(error).__name__}: {message}")
        out.append(entry)
    return out


def _redraw(variable: Any, seed: int) -> np.ndarray | None:
    """New values for one weight (None: not a float weight, left as it is)."""
    dtype = str(getattr(variable, "dtype", ""))
    if "float" not in dtype:
        return None
    shape = tuple(int(d) for d in variable.shape)
    if len(shape) < 2:
        return np.zeros(shape, dtype=dtype)
    path = str(getattr(variable, "path", getattr(variable, "name", "")))
    rng = np.random.default_rng([seed, zlib.crc32(path.encode()), *shape])
    fan_in, fan_out = int(np.prod(shape[:-1])), shape[-1]
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape).astype(dtype)


class _Redrawer:
    """Re-draws the weights of models and remembers their values to put them back."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.saved: dict[int, tuple[Any, np.ndarray]] = {}

    def redraw(self, model: Any) -> None:
        for variable in getattr(model, "trainable_weights", []):
            new = _redraw(variable, self.seed)
            if new is None:
                continue
            if id(variable) not in self.saved:
                self.saved[id(variable)] = (variable, np.array(variable.numpy()))
            variable.assign(new)

    def restore(self) -> None:
        for variable, value in self.saved.values():
            variable.assign(value)
        self.saved.clear()


def _live_models() -> list[Any]:
    keras = sys.modules.get("keras")
    model_class = getattr(keras, "Model", None) if keras is not None else None
    if model_class is None:
        return []
    return [o for o in gc.get_objects() if isinstance(o, model_class)]


@contextlib.contextmanager
def reinitialised(seed: int) -> Iterator[None]:
    """Within the block, every Keras model alive or loaded has its weights re-drawn."""
    import keras
    from keras.src.saving import saving_api

    redrawer = _Redrawer(seed)
    original_load = saving_api.load_model
    original_load_weights = keras.Model.load_weights

    def load_model(*args: Any, **kwargs: Any) -> Any:
        model = original_load(*args, **kwargs)
        redrawer.redraw(model)
        return model

    def load_weights(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original_load_weights(self, *args, **kwargs)
        redrawer.saved = {k: v for k, v in redrawer.saved.items()
                          if not any(v[0] is w for w in self.trainable_weights)}
        redrawer.redraw(self)
        return result

    patched = [(module, "load_model") for module in
               (saving_api, keras.saving, keras.models) if hasattr(module, "load_model")]
    for module, name in patched:
        setattr(module, name, load_model)
    keras.Model.load_weights = load_weights
    try:
        for model in _live_models():
            redrawer.redraw(model)
        yield
    finally:
        for module, name in patched:
            setattr(module, name, original_load)
        keras.Model.load_weights = original_load_weights
        redrawer.restore()


def _fresh_module(source: Path, seed: int) -> Any:
    """A separate copy of the submission's module, imported with weights re-drawn."""
    key = (str(source), seed)
    if key not in _FRESH:
        original = sys.modules.get("submission")
        spec = importlib.util.spec_from_file_location("submission", source)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot import {source.name}")
        module = importlib.util.module_from_spec(spec)
        sys.modules["submission"] = module
        try:
            spec.loader.exec_module(module)
        finally:
            if original is not None:
                sys.modules["submission"] = original
        _FRESH[key] = module
    return _FRESH[key]


def _fresh_function(source: Path, seed: int, func: str) -> Callable[..., Any]:
    """``func`` of the re-initialised copy (call it inside :func:`reinitialised`)."""
    function = getattr(_fresh_module(source, seed), str(func), None)
    if function is None or not callable(function):
        raise AttributeError(f"your submission has no function `{func}`")
    return function


def call_reinitialised(source: Path, seed: int, func: str, args: list[Any],
                       kwargs: dict[str, Any]) -> Any:
    """``func(*args, **kwargs)`` of a copy of the submission, every Keras weight re-drawn."""
    with reinitialised(int(seed)):
        return _fresh_function(source, int(seed), func)(*args, **dict(kwargs))


def call_reinitialised_many(source: Path, seed: int, func: str,
                            calls: list[list[Any]]) -> list[Any]:
    """:func:`call_reinitialised` for each argument list, the weights re-drawn once."""
    with reinitialised(int(seed)):
        function = _fresh_function(source, int(seed), func)
        return [function(*args) for args in calls]


def builtin(name: str, source: Path) -> Callable[..., Any] | None:
    """The built-in call ``name`` (``seqgrade:...``) bound to the submission, or None."""
    if name == PREFIX + "keras_models":
        return lambda: keras_models(source.parent)
    if name == PREFIX + "call_reinitialised":
        return lambda seed, func, args=(), kwargs=None: call_reinitialised(
            source, seed, func, list(args), kwargs or {})
    if name == PREFIX + "call_reinitialised_many":
        return lambda seed, func, calls: call_reinitialised_many(
            source, seed, func, [list(args) for args in calls])
    return None
