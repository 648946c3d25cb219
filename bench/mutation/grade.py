"""Grade mutants in-process and classify them: killed, survived, equivalent.

Each mutant's module runs in a forked child (a mutant cannot disturb the next one, and a
hung one is ended) through :class:`checkers.sandbox.runner.InProcessRunner` and
:func:`checkers.engine.grading.grade_with_runner`: the same checks, the same calls and
the same data conversion as the sandbox, without its worker start-up. Only the checks of
the mutated function and of the functions that call it are graded (model checks only
with ``with_model``).
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .mutator import Mutant, mutants
from .targets import TARGETS, mutated_functions

EQUIVALENT_FILE = Path(__file__).resolve().parent.parent / "mutation_equivalent.yaml"
HANG_LIMIT_S = 240.0


@dataclass
class Result:
    """What grading one mutant showed."""

    key: str
    function: str
    kind: str
    line: int
    change: str
    status: str  # killed | survived | equivalent | equivalent-but-killed | error
    lost: dict[str, float] = field(default_factory=dict)  # check id -> points lost
    collateral: list[str] = field(default_factory=list)  # lost checks of other functions
    # checks of other functions left `blocked` (they could observe nothing because the
    # mutated function's check fails): counted apart from kills and collateral
    blocked: list[str] = field(default_factory=list)
    graded: list[str] = field(default_factory=list)
    reason: str = ""
    seconds: float = 0.0


def load_equivalents(path: Path = EQUIVALENT_FILE) -> dict[str, dict[str, str]]:
    """``key -> {"change": ..., "reason": ...}`` from the committed equivalent-mutant list."""
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): dict(v) for k, v in data.items()}


@functools.lru_cache(maxsize=8)
def _mutants_of(exercise: str, source: str) -> tuple[Mutant, ...]:
    return tuple(mutants(exercise, source, mutated_functions(exercise)))


def all_mutants(exercise: str) -> list[Mutant]:
    """Every mutant of the exercise's mutated functions."""
    return list(_mutants_of(exercise, TARGETS[exercise].source()))


def checks_to_grade(mutant: Mutant, with_model: bool = False) -> tuple[list[str], list[str]]:
    """(own checks, dependants' checks) to grade for ``mutant``."""
    target = TARGETS[mutant.exercise]
    own, others = target.checks_for(mutant.mutation.function)
    if not with_model:
        own = [c for c in own if c not in target.model_checks]
        others = [c for c in others if c not in target.model_checks]
    return own, others


def _options() -> dict[str, Any]:
    options: dict[str, Any] = {"timeout_scale": 0.25}
    data_dir = os.environ.get("SEQGRADE_DATA_DIR")
    if data_dir:
        options["data_dir"] = data_dir
    return options


def grade_source(exercise: str, source: str, checks: list[str], seed: int = 0
                 ) -> dict[str, Any]:
    """``{"lost": points lost per graded check, "blocked": the checks left blocked}``
    when the module ``source`` is the submission."""
    from checkers.engine.grading import grade_with_runner
    from checkers.engine.registry import get_exercise
    from checkers.sandbox.runner import InProcessRunner

    target = TARGETS[exercise]
    namespace: dict[str, Any] = {"__name__": f"seqgrade_mutant_{exercise}",
                                 "__file__": str(target.path)}
    exec(compile(source, str(target.path), "exec"), namespace)  # noqa: S102 - the point
    report = grade_with_runner(get_exercise(exercise), InProcessRunner(namespace),
                               submission_label="mutant", seed=seed, options=_options(),
                               checks=checks)
    return {"lost": {r.id: round(r.max_score - r.score, 2) for r in report.checks
                     if r.score < r.max_score},
            "blocked": [r.id for r in report.checks if r.status == "blocked"]}


def _child(exercise: str, source: str, checks: list[str], seed: int, queue: Any) -> None:
    try:
        queue.put(("ok", grade_source(exercise, source, checks, seed)))
    except BaseException:  # noqa: BLE001 - reported to the parent
        queue.put(("error", traceback.format_exc(limit=3)))


def grade_isolated(exercise: str, source: str, checks: list[str], seed: int = 0,
                   limit_s: float = HANG_LIMIT_S) -> tuple[str, dict[str, Any] | str]:
    """:func:`grade_source` in a forked child: ``("ok", lost)``, ``("error", text)``
    or ``("hang", text)``."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_child, args=(exercise, source, checks, seed, queue))
    child.start()
    deadline = time.monotonic() + limit_s
    reply = None
    while reply is None and time.monotonic() < deadline:
        try:
            reply = queue.get(timeout=0.5)
        except Exception:  # noqa: BLE001 - queue.Empty: keep waiting while it lives
            if not child.is_alive():
                break
    if reply is None:
        if child.is_alive():
            child.kill()
        child.join(5)
        return ("hang", f"no answer within {limit_s:.0f} s") if child.exitcode is None or \
            child.exitcode < 0 else ("error", f"the child exited with {child.exitcode}")
    child.join(5)
    return reply


def classify(mutant: Mutant, equivalents: dict[str, dict[str, str]], seed: int = 0,
             with_model: bool = False) -> Result:
    """Grade ``mutant`` and name what happened."""
    own, others = checks_to_grade(mutant, with_model)
    started = time.perf_counter()
    state, answer = grade_isolated(mutant.exercise, mutant.source, own + others, seed)
    m = mutant.mutation
    result = Result(mutant.key, m.function, m.kind, m.line, m.description, "error",
                    graded=own + others, seconds=round(time.perf_counter() - started, 2))
    listed = equivalents.get(mutant.key)
    if state != "ok":
        result.reason = str(answer)
        if state == "hang":  # a real grading would time out: every graded check is lost
            result.status = "killed"
            result.lost = {c: float("nan") for c in own}
        return result
    assert isinstance(answer, dict)
    lost, blocked = answer["lost"], set(answer["blocked"])
    result.lost = lost
    result.blocked = sorted(c for c in blocked if c not in own)
    result.collateral = sorted(c for c in lost if c not in own and c not in blocked)
    killed = any(c in lost and c not in blocked for c in own)
    if listed is not None:
        result.reason = listed.get("reason", "")
        result.status = "equivalent-but-killed" if lost else "equivalent"
        if listed.get("change") and listed["change"] != m.description:
            result.status = "error"
            result.reason = (f"stale entry in {EQUIVALENT_FILE.name}: listed as "
                             f"{listed['change']!r}, now {m.description!r}")
    else:
        result.status = "killed" if killed else "survived"
    return result


def summary(results: list[Result]) -> dict[str, Any]:
    """Counts and the score: killed / (killed + survived), equivalent mutants left out;
    ``blocked``: mutants that left some other function's check blocked (not collateral)."""
    count = {s: sum(r.status == s for r in results) for s in
             ("killed", "survived", "equivalent", "equivalent-but-killed", "error")}
    judged = count["killed"] + count["survived"]
    return {**count, "total": len(results),
            "score": round(count["killed"] / judged, 4) if judged else 1.0,
            "collateral": sum(bool(r.collateral) for r in results),
            "blocked": sum(bool(r.blocked) for r in results)}


def as_dicts(results: list[Result]) -> list[dict[str, Any]]:
    """Plain data for a JSON file."""
    return [asdict(r) for r in results]
