"""What is mutated in each reference solution, and which checks judge each function.

Only the non-model functions a student writes are mutated (the stub's functions, plus
private helpers they call). ``OWN`` maps each to the checks that judge it: a mutant is
killed when one of those loses points, and any other check that loses points is a
collateral loss (one bug should cost the checks of one function only).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import solutions

SOLUTIONS = Path(solutions.__file__).resolve().parent


@dataclass(frozen=True)
class Target:
    """One exercise: its reference file, the functions mutated and the checks of each."""

    exercise: str
    own: dict[str, tuple[str, ...]]
    # checks never graded by the bench (they need a trained model, or train one)
    model_checks: tuple[str, ...] = ()

    @property
    def path(self) -> Path:
        """The reference solution."""
        return SOLUTIONS / f"{self.exercise}.py"

    def source(self) -> str:
        """The reference solution's text."""
        return self.path.read_text(encoding="utf-8")

    @property
    def functions(self) -> list[str]:
        """The mutated functions, in file order of ``own``."""
        return list(self.own)

    def callers(self) -> dict[str, set[str]]:
        """function -> every function of the module that calls it, directly or not."""
        tree = ast.parse(self.source())
        defs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
        calls = {name: {c.func.id for c in ast.walk(node) if isinstance(c, ast.Call)
                        and isinstance(c.func, ast.Name) and c.func.id in defs}
                 for name, node in defs.items()}
        result: dict[str, set[str]] = {}
        for name in defs:
            found: set[str] = set()
            frontier = {name}
            while frontier:
                frontier = {caller for caller, callees in calls.items()
                            if callees & frontier and caller not in found}
                found |= frontier
            result[name] = found
        return result

    def checks_for(self, function: str) -> tuple[list[str], list[str]]:
        """(own checks, checks of the functions that call it) for one mutated function."""
        own = list(self.own[function])
        others: list[str] = []
        for caller in sorted(self.callers()[function]):
            for check in self.own.get(caller, ()):
                if check not in own and check not in others:
                    others.append(check)
        return own, others


TARGETS = {
    "reber": Target(
        "reber",
        {
            "generate_string": ("reber.generate_valid", "reber.generate_coverage"),
            "generate_corrupted_string": ("reber.corrupted",),
            "_matches": ("reber.corrupted",),
            "_is_valid": ("reber.corrupted",),
            "string_to_ids": ("reber.string_to_ids",),
            "generate_dataset": ("reber.dataset",),
        },
    ),
    "dates": Target(
        "dates",
        {
            "random_dates": ("dates.random_dates",),
            "date_str_to_ids": ("dates.encoding",),
            "prepare_date_strs": ("dates.encoding",),
            "ids_to_date_strs": ("dates.encoding",),
            "shifted_output_sequences": ("dates.shifted_outputs",),
        },
    ),
    "shifted_targets": Target(
        "shifted_targets",
        {
            "vectorize": ("shifted_targets.encoding", "shifted_targets.alignment"),
            "targets_are_shifted": ("shifted_targets.detector",),
        },
        model_checks=("shifted_targets.functional",),
    ),
    "textgen": Target(
        "textgen",
        {
            "build_vocab": ("textgen.vocab",),
            "text_to_ids": ("textgen.vocab",),
            "ids_to_text": ("textgen.vocab",),
            "split_input_target": ("textgen.split_input_target",),
            "sample_next_id": ("textgen.sampling",),
            "pad_punctuation": ("textgen.pad_punctuation",),
            # model functions: never mutated, but their checks judge callers' mutants
            "next_char_distribution": ("textgen.consistency",),
            "sequence_log_probs": ("textgen.heldout_loss", "textgen.consistency"),
            "generate_text": ("textgen.generate_text",),
        },
        model_checks=("textgen.heldout_loss", "textgen.consistency", "textgen.generate_text"),
    ),
}
MODEL_FUNCTIONS = {"textgen": ("next_char_distribution", "sequence_log_probs", "generate_text")}


def mutated_functions(exercise: str) -> list[str]:
    """The functions of ``exercise`` whose mutants the bench grades."""
    skip = set(MODEL_FUNCTIONS.get(exercise, ()))
    return [f for f in TARGETS[exercise].functions if f not in skip]
