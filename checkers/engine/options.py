"""Grading options, typed: the engine's own, and those an exercise declares for itself.

The engine's options (:class:`GradingOptions`) come from the command line
(``--data-dir``, ``--timeout-scale``, ``--config``, ``--allow-unisolated``), the course
file (``heldout``) and the grading itself (``deadline``). An exercise declares its own
with :class:`Option` in ``Exercise.options``; their values travel in
``GradingOptions.exercise`` and a check reads one with ``ctx.option(name)`` (the declared
default when none was given)::

    EXERCISE = Exercise(..., options=(Option("hidden_size", int, 2000, "hidden set size"),))

    size = ctx.option("hidden_size")

Callers that still hold a dict (``{"data_dir": ...}``) pass it to :meth:`GradingOptions.of`:
keys that are fields of :class:`GradingOptions` go there, every other key is an option of
the exercise, checked against its declaration when grading starts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from checkers.engine.errors import ConfigError


@dataclass(frozen=True)
class Option:
    """An option an exercise declares: a name (as given on the course file's
    ``[X.options]`` table or in an options dict), its type, its default and what it does."""

    name: str
    type: type
    default: Any
    help: str = ""

    def coerce(self, value: Any, where: str) -> Any:
        """``value`` as this option's type; :class:`ConfigError` when it is not one."""
        if value is None:
            return self.default
        if self.type is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        # bool is an int subclass: True is no hidden-set size.
        if not isinstance(value, self.type) or (isinstance(value, bool)
                                                and self.type is not bool):
            raise ConfigError(f"{where}: option {self.name} must be {self.type.__name__}, "
                              f"not {value!r}")
        return value


@dataclass(frozen=True)
class GradingOptions:
    """What a grading run is given, beyond the exercise, the submission and the seed."""

    # Folder of the data sets (--data-dir / SEQGRADE_DATA_DIR).
    data_dir: str | None = None
    # Multiplies every per-call time limit and the time budget (--timeout-scale).
    timeout_scale: float = 1.0
    # The course file (--config): points, limits and options per exercise.
    config_path: str | None = None
    # An official grade (`grade`, `check --config`, the autograder): must be isolated ...
    official: bool = False
    # ... unless this is set (--allow-unisolated).
    allow_unisolated: bool = False
    # Extra environment of the worker (tests switch isolation layers off with it).
    worker_env: Mapping[str, str] = field(default_factory=dict)
    # A private held-out text named by the course file (``heldout``), read by the grader only.
    heldout_path: str | None = None
    # time.monotonic() by which the submission's time budget is spent (set by grading).
    deadline: float | None = None
    # The exercise's own options (Exercise.options), by name.
    exercise: Mapping[str, Any] = field(default_factory=dict)
    # A text exercise's submission as its ``read_text`` returned it, or why that could not
    # read it (set by grading; None for code exercises).
    answers: Any = None
    answers_error: str | None = None

    @classmethod
    def of(cls, value: GradingOptions | Mapping[str, Any] | None) -> GradingOptions:
        """Options from ``value``: these options, a dict of the same keys (every key that
        is not a field is an exercise option), or None (the defaults)."""
        if isinstance(value, GradingOptions):
            return value
        fields = {f.name for f in dataclasses.fields(cls)} - {"exercise"}
        given = dict(value or {})
        own = {k: v for k, v in given.items() if k in fields and v is not None}
        extra = {k: v for k, v in given.items() if k not in fields}
        extra.update(given.get("exercise") or {})
        if "timeout_scale" in own:
            own["timeout_scale"] = float(own["timeout_scale"])
        for flag in ("official", "allow_unisolated"):
            if flag in own:
                own[flag] = bool(own[flag])
        if "worker_env" in own:
            own["worker_env"] = {str(k): str(v) for k, v in own["worker_env"].items()}
        return cls(**own, exercise=extra)

    def replace(self, **changes: Any) -> GradingOptions:
        """These options with ``changes``; ``exercise`` options are merged, not replaced."""
        if "exercise" in changes:
            changes["exercise"] = {**self.exercise, **changes["exercise"]}
        return dataclasses.replace(self, **changes)

    def for_exercise(self, declared: tuple[Option, ...], name: str) -> GradingOptions:
        """These options with the exercise's own checked against its ``declared`` ones
        and given their types (:class:`ConfigError` for an unknown or mistyped one)."""
        known = {o.name: o for o in declared}
        unknown = sorted(set(self.exercise) - set(known))
        if unknown:
            raise ConfigError(f"exercise {name} has no option {', '.join(unknown)} "
                              f"(its options: {', '.join(known) or 'none'})")
        typed = {key: known[key].coerce(value, f"exercise {name}")
                 for key, value in self.exercise.items()}
        return dataclasses.replace(self, exercise=typed)

    def to_dict(self) -> dict[str, Any]:
        """The options that differ from the defaults, as a plain dict (what :meth:`of`
        reads back)."""
        default = GradingOptions()
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
               if f.name != "exercise" and getattr(self, f.name) != getattr(default, f.name)}
        out.update(self.exercise)
        return out
