"""A fast sample of the grader's mutation score (the full run: ``bench/bench_mutation.py``).

A few automatic mutants of each reference solution's non-model functions are graded
in-process on the checks of the mutated function and of its callers: each must lose
points on a check of its own function (or be listed as equivalent) and on no other check.
"""

from __future__ import annotations

import ast

import pytest

from bench.mutation.grade import (
    all_mutants,
    checks_to_grade,
    classify,
    grade_isolated,
    load_equivalents,
)
from bench.mutation.mutator import mutants
from bench.mutation.targets import TARGETS

PER_EXERCISE = 2


def _sample(exercise: str) -> list:
    """``PER_EXERCISE`` mutants spread over the list (a fixed choice: the run is stable)."""
    equivalents = load_equivalents()
    found = [m for m in all_mutants(exercise) if m.key not in equivalents]
    step = max(1, len(found) // PER_EXERCISE)
    return found[step // 2 :: step][:PER_EXERCISE]


SAMPLE = [m for exercise in sorted(TARGETS) for m in _sample(exercise)]


@pytest.mark.slow
@pytest.mark.parametrize("exercise", sorted(TARGETS))
def test_reference_keeps_every_graded_check(exercise: str) -> None:
    """The unmutated reference loses nothing on the checks the bench grades."""
    target = TARGETS[exercise]
    checks = sorted({c for own in target.own.values() for c in own} - set(target.model_checks))
    state, answer = grade_isolated(exercise, target.source(), checks)
    assert (state, answer) == ("ok", {"lost": {}, "blocked": []})


@pytest.mark.parametrize("mutant", SAMPLE, ids=[m.key for m in SAMPLE])
def test_sampled_mutant_costs_its_own_checks_only(mutant) -> None:
    """Killed by a check of the mutated function, and no other check loses points."""
    result = classify(mutant, load_equivalents())
    own, _ = checks_to_grade(mutant)
    assert result.status == "killed", f"{result.key} ({result.change}) {result.status}: " \
                                      f"{result.lost} {result.reason}"
    assert set(result.lost) & set(own)
    assert not result.collateral, f"{result.key} ({result.change}) also lost {result.collateral}"


def test_equivalent_list_names_current_mutants() -> None:
    """Every listed equivalent mutant still exists with the change it was listed for."""
    current = {m.key: m.mutation.description for e in TARGETS for m in all_mutants(e)}
    for key, entry in load_equivalents().items():
        assert key in current, f"{key} is listed as equivalent but no longer exists"
        assert entry["change"] == current[key], f"{key} now means {current[key]!r}"
        assert entry.get("reason", "").strip(), f"{key} has no reason"


def test_mutator_makes_one_distinct_compilable_change() -> None:
    """Each mutant compiles, differs from the original and from every other mutant."""
    source = '''
def f(xs, n):
    """Doc."""
    total = 0
    for i in range(len(xs)):
        if xs[i] > n and i != 0:
            total += xs[i - 1]
    return total == n
'''
    found = mutants("toy", source, ["f"])
    texts = [m.source for m in found]
    assert len(set(texts)) == len(texts)
    assert ast.unparse(ast.parse(source)) not in texts
    kinds = {m.mutation.kind for m in found}
    assert {"binop", "compare", "boolop", "constant", "index", "remove", "return"} <= kinds
    assert all(ast.get_docstring(ast.parse(t).body[0]) == "Doc." for t in texts)
    for text in texts:
        compile(text, "<mutant>", "exec")
