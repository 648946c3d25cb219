"""The `<exercise>.trained_model` checks: the graded answers come from a trained network.

An accuracy threshold grades what a function answers, not how: a hand-written grammar
recognizer, a ``datetime`` parser or an n-gram table can pass it. A ``trained_model`` check
proves that a trained model file is behind the answers, in three steps, all run inside the
sandbox's worker (the grader never loads a submission's file itself):

1. every ``*.keras`` file beside the submission loads with Keras safe mode (a ``Lambda``
   layer or an unregistered custom object is refused: a clear failure, never a crash), and
   the exercise's shape rule holds (e.g. "holds a recurrent layer", "an encoder-decoder");
2. each probe (a model-backed function on hidden inputs) is measured twice: normally, and in
   a fresh copy of the submission's module whose Keras models have their weights re-drawn
   (:mod:`checkers.sandbox.models`, ``seqgrade:call_reinitialised``);
3. the re-drawn run must collapse to chance level, and the real run must beat it by a
   margin: answers that survive the loss of the weights do not come from them, and a model
   that does no better than its own re-initialisation was never trained.

API (for exercise authors, e.g. the ``wordgen`` exercise)::

    from checkers.authoring.trained_model import Probe, ModelFile, trained_model_outcome

    def _measure(call) -> float:                  # call has the signature of ctx.call
        probs = expect_array(call("predict", strings), "predict(...)", kind="f")
        return accuracy(probs)

    def check_trained_model(ctx):
        return trained_model_outcome(
            ctx, expected="reber.keras (model.save(...) beside your file)",
            functions="predict",
            shape_problem=lambda files: None if any(f.recurrent for f in files)
                          else "no recurrent layer",
            probes=[Probe("accuracy on 400 hidden strings", _measure,
                          higher_is_better=True, chance=0.5, chance_up_to=0.6, min_gap=0.2)])

- :func:`model_files` -- the ``*.keras`` files as :class:`ModelFile` (plain data);
- :func:`reinitialised_caller` / :func:`real_caller` -- callables like ``ctx.call`` that run
  with the weights re-drawn, or normally;
- :class:`Probe` -- one measured function: what collapse and what margin are required;
- :func:`trained_model_outcome` -- the whole check, with the messages students see.

Limits (documented in docs/EXERCISES.md): the re-draw reaches models loaded with
``keras.saving.load_model`` / ``keras.models.load_model`` / ``Model.load_weights`` and every
Keras model alive in the worker; weights copied into NumPy by a helper module imported
before, or loaded another way, escape it. A submission that sets out to fool the check from
inside its own process can; the check is there for the student who skipped the training.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from checkers.authoring.expect import expect_list
from checkers.authoring.properties import Violation
from checkers.engine.errors import SubmissionError
from checkers.engine.model import Context, Outcome
from checkers.sandbox.runner import InProcessRunner

KERAS_MODELS = "seqgrade:keras_models"
CALL_REINITIALISED = "seqgrade:call_reinitialised"
CALL_REINITIALISED_MANY = "seqgrade:call_reinitialised_many"
# Recurrent layers: anything whose class derives from keras.layers.RNN, and the wrappers
# and cells a Keras user writes by hand.
RECURRENT_CLASSES = frozenset({"RNN", "SimpleRNN", "GRU", "LSTM", "Bidirectional",
                               "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "CuDNNGRU",
                               "CuDNNLSTM"})
INSPECT_TIMEOUT = 180.0


class Caller(Protocol):
    """How a probe calls the submission: ``call(func, *args, timeout=None, **kwargs)`` as
    ``ctx.call``, and ``call.many(func, [args, ...])``: the values of ``func(*args)`` for
    each tuple, in one round trip (a probe making many cheap calls should use it)."""

    def __call__(self, func: str, *args: Any, timeout: float | None = None,
                 **kwargs: Any) -> Any: ...

    def many(self, func: str, calls: Sequence[tuple], *,
             timeout: float | None = None) -> list[Any]: ...


@dataclass(frozen=True)
class ModelFile:
    """One ``*.keras`` file of the submission, as the worker described it."""

    file: str
    loaded: bool
    error: str | None
    layers: tuple[str, ...]  # class names, nested models and wrapped layers included
    recurrent: tuple[str, ...]  # the recurrent ones among them
    inputs: tuple[tuple[int | None, ...], ...]
    outputs: tuple[tuple[int | None, ...], ...]
    params: int

    def summary(self) -> str:
        """``file (Embedding, GRU, Dense; 3,401 weights)`` for feedback."""
        shown = [c for c in dict.fromkeys(self.layers) if c != "InputLayer"]
        return f"{self.file} ({', '.join(shown) or 'no layers'}; {self.params:,} weights)"


def _shape(value: object) -> tuple[int | None, ...]:
    if not isinstance(value, list | tuple):
        return ()
    return tuple(d if isinstance(d, int) and not isinstance(d, bool) else None for d in value)


def _model_file(entry: object) -> ModelFile | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
        return None
    layers = entry.get("layers") if isinstance(entry.get("layers"), list) else []
    names, recurrent = [], []
    for layer in layers:
        if not isinstance(layer, dict):
            continue
        name = str(layer.get("class", ""))
        mro = layer.get("mro") if isinstance(layer.get("mro"), list) else []
        names.append(name)
        if name in RECURRENT_CLASSES or "RNN" in [str(m) for m in mro]:
            recurrent.append(name)
    params = entry.get("params")
    return ModelFile(
        file=entry["file"], loaded=entry.get("ok") is True,
        error=str(entry["error"]) if entry.get("error") else None,
        layers=tuple(names), recurrent=tuple(recurrent),
        inputs=tuple(_shape(s) for s in entry.get("inputs") or [] if isinstance(s, list)),
        outputs=tuple(_shape(s) for s in entry.get("outputs") or [] if isinstance(s, list)),
        params=params if isinstance(params, int) and not isinstance(params, bool) else 0,
    )


def model_files(ctx: Context) -> list[ModelFile]:
    """The submission's ``*.keras`` files, each loaded in safe mode inside the worker."""
    entries = expect_list(ctx.call(KERAS_MODELS, timeout=INSPECT_TIMEOUT),
                          "the description of your model files")
    return [f for f in map(_model_file, entries) if f is not None]


class _RealCaller:
    """``ctx.call`` itself: the submission with its own weights."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def __call__(self, func: str, *args: Any, timeout: float | None = None,
                 **kwargs: Any) -> Any:
        return self.ctx.call(func, *args, timeout=timeout, **kwargs)

    def many(self, func: str, calls: Sequence[tuple], *,
             timeout: float | None = None) -> list[Any]:
        return list(self.ctx.call_many(func, calls, timeout=timeout))


class _ReinitialisedCaller:
    """Calls into a copy of the submission whose Keras weights are re-drawn."""

    def __init__(self, ctx: Context, seed: int) -> None:
        self.ctx, self.seed = ctx, seed

    def __call__(self, func: str, *args: Any, timeout: float | None = None,
                 **kwargs: Any) -> Any:
        return self.ctx.call(CALL_REINITIALISED, self.seed, func, list(args), dict(kwargs),
                             timeout=timeout)

    def many(self, func: str, calls: Sequence[tuple], *,
             timeout: float | None = None) -> list[Any]:
        # One re-initialisation for every call (the weights are the same each time).
        values = self.ctx.call(CALL_REINITIALISED_MANY, self.seed, func,
                               [list(args) for args in calls], timeout=timeout)
        return expect_list(values, f"the answers of {func}", length=len(calls))


def real_caller(ctx: Context) -> Caller:
    """``ctx.call`` itself: the submission with its own weights."""
    return _RealCaller(ctx)


def reinitialised_caller(ctx: Context, key: object = "reinitialise") -> Caller:
    """Like ``ctx.call``, in a copy of the submission whose Keras weights are re-drawn."""
    return _ReinitialisedCaller(ctx, ctx.seed_for(key) % 2**31)


@dataclass(frozen=True)
class Probe:
    """A model-backed measurement, and what the ablation must do to it.

    ``measure(call)`` returns the figure (accuracy, exact match, loss...) computed from
    answers obtained through ``call`` (same signature as ``ctx.call``). With the weights
    re-drawn the figure must be at chance level (``<= chance_up_to`` when higher is
    better, ``>= chance_up_to`` otherwise), and with the real weights better than that
    by at least ``min_gap``.
    """

    label: str
    measure: Callable[[Caller], float]
    higher_is_better: bool
    chance: float
    chance_up_to: float
    min_gap: float
    unit: str = ""

    def fmt(self, value: float) -> str:
        """A figure with its unit."""
        return f"{value:.4f}{self.unit}"

    def at_chance(self, value: float) -> bool:
        """Whether ``value`` is no better than chance level."""
        return value <= self.chance_up_to if self.higher_is_better else value >= self.chance_up_to

    def gap(self, real: float, ablated: float) -> float:
        """How much better the real weights do than re-drawn ones."""
        return real - ablated if self.higher_is_better else ablated - real


def _ablated(probe: Probe, call: Caller) -> tuple[float, str]:
    """The figure with re-drawn weights; a crash or a malformed answer is chance level."""
    try:
        return probe.measure(call), ""
    except Violation as violation:
        return probe.chance, f" (its answers were unusable: {str(violation)[:160]})"


def _in_process(ctx: Context) -> bool:
    """Whether the checks run in the submission's own process (the self-check)."""
    runner = ctx.runner
    for _ in range(4):  # the self-check wraps its runner (to record errors)
        if isinstance(runner, InProcessRunner):
            return True
        runner = getattr(runner, "runner", None)
    return False


def _files_problem(files: Sequence[ModelFile], expected: str, functions: str) -> str | None:
    if not files:
        return (f"no trained model found beside your file: save your trained Keras model as "
                f"{expected} and compute the answers of {functions} with it (loaded with "
                "keras.models.load_model). This check proves that the graded answers come "
                "from a trained network")
    broken = [f for f in files if not f.loaded]
    if broken:
        f = broken[0]
        return (f"{f.file} cannot be loaded with keras.models.load_model(..., safe_mode=True): "
                f"{f.error}. Safe mode refuses Lambda layers and custom objects that are not "
                "registered (keras.saving.register_keras_serializable): use built-in layers, "
                "or a registered Layer subclass defined in your file")
    return None


def trained_model_outcome(
    ctx: Context,
    *,
    expected: str,
    functions: str,
    shape_problem: Callable[[list[ModelFile]], str | None],
    probes: Sequence[Probe],
) -> Outcome:
    """The whole ``trained_model`` check (see the module docstring).

    The real figures come first: a function that is not implemented or raises fails the
    check as it does everywhere else (a :class:`SubmissionError` for the engine).
    """
    reals = []
    for probe in probes:
        try:
            reals.append(probe.measure(real_caller(ctx)))
        except Violation as violation:
            return Outcome.failed(f"{probe.label}: {violation} (see the accuracy checks)")
    if _in_process(ctx):  # a notebook's self-check: no worker to examine the files in
        return Outcome.judged_by_check_only(
            "the self-check runs in your notebook's process; `seqgrade check` loads your "
            "model files in the sandbox and re-initialises their weights")
    try:
        files = model_files(ctx)
    except (SubmissionError, Violation) as error:
        return Outcome.failed(f"your model files could not be examined: {error}")
    problem = _files_problem(files, expected, functions)
    if problem is None:
        problem = shape_problem(files)
    if problem:
        return Outcome.failed(problem)
    metrics: dict[str, float] = {}
    lines = []
    ablated_call = reinitialised_caller(ctx)
    for index, (probe, real) in enumerate(zip(probes, reals, strict=True)):
        try:
            ablated, note = _ablated(probe, ablated_call)
        except SubmissionError as error:
            return Outcome.failed(f"{probe.label}: running {functions} with the weights of "
                                  f"your model re-initialised failed: {error.message}")
        metrics[f"real_{index}"], metrics[f"reinitialised_{index}"] = real, ablated
        figures = (f"{probe.fmt(real)} with your weights, {probe.fmt(ablated)} with them "
                   f"re-initialised{note} (chance: about {probe.fmt(probe.chance)})")
        if not probe.at_chance(ablated):
            return Outcome.failed(
                f"{probe.label}: {figures}. With every weight of your model files "
                "re-initialised inside the grader the answers are as good: they do not come "
                f"from the saved model. Compute the answers of {functions} with the model "
                "you trained and saved", **metrics)
        if probe.gap(real, ablated) < probe.min_gap:
            return Outcome.failed(
                f"{probe.label}: {figures}. Your saved model does no better than an "
                "untrained one: train it before saving it (or, if it is trained, see the "
                "accuracy checks: the answers are lost on the way out)", **metrics)
        lines.append(f"{probe.label}: {figures}")
    kept = "; ".join(f.summary() for f in files)
    return Outcome.passed(f"{kept}. " + ". ".join(lines), **metrics)


def recurrent_problem(files: Sequence[ModelFile], expected: str) -> str | None:
    """The usual shape rule: some file holds a recurrent layer."""
    if any(f.recurrent for f in files):
        return None
    shown = "; ".join(f.summary() for f in files)
    return (f"no recurrent layer (SimpleRNN, GRU, LSTM, RNN, Bidirectional) in your model "
            f"files: {shown}. This exercise is about training an RNN: save it as {expected}")
