"""Mutation score of the grader: mutate the reference solutions, grade, classify.

Every non-model function a student writes (see ``bench/mutation/targets.py``) is mutated
by a small AST mutator (``bench/mutation/mutator.py``); each mutant is graded in-process
(a forked child per mutant, :class:`~checkers.sandbox.runner.InProcessRunner`) on the
checks of the mutated function and of its callers. A mutant is *killed* when a check of
its own function loses points, *equivalent* when listed in ``bench/mutation_equivalent.yaml``
(with the reason), else it *survived*; any other check that loses points is *collateral*,
except a check left ``blocked`` (it could observe nothing because the mutated function's
check fails first: 0 points, the check to fix named), counted apart as *blocked*.

Run: ``python bench/bench_mutation.py [--exercise NAME ...] [--sample N] [--json FILE]``
(the full run takes about 10 minutes of one core; ``--rerun FILE`` grades again only
the mutants an earlier ``--json FILE`` did not show killed cleanly; the last full run is
kept in ``bench/mutation_results.json``).
Prints the score per exercise (killed / non-equivalent mutants), the survivors and the
collateral losses.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.mutation.grade import (  # noqa: E402 - after the path fix
    all_mutants,
    as_dicts,
    classify,
    load_equivalents,
    summary,
)
from bench.mutation.targets import TARGETS  # noqa: E402


def main() -> None:
    """Grade the mutants and print the scores."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--exercise", action="append", choices=sorted(TARGETS))
    parser.add_argument("--sample", type=int, default=0,
                        help="grade only every k-th mutant, k chosen to keep about N each")
    parser.add_argument("--only", help="grade only mutants whose key contains one of these "
                        "comma-separated texts")
    parser.add_argument("--rerun", type=Path, help="grade only the mutants that were not "
                        "killed cleanly in this earlier --json file")
    parser.add_argument("--json", type=Path, help="write every result to this file")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--with-model", action="store_true",
                        help="also grade the checks that load or train a model (slow)")
    args = parser.parse_args()
    equivalents = load_equivalents()
    report: dict[str, dict] = {}
    for exercise in args.exercise or sorted(TARGETS):
        chosen = all_mutants(exercise)
        if args.only:
            chosen = [m for m in chosen if any(t in m.key for t in args.only.split(","))]
        if args.rerun:
            earlier = json.loads(args.rerun.read_text(encoding="utf-8"))
            again = {r["key"] for e in earlier.values() for r in e["results"]
                     if r["status"] != "killed" or r["collateral"]}
            chosen = [m for m in chosen if m.key in again]
        if args.sample:
            step = max(1, len(chosen) // args.sample)
            chosen = chosen[::step][: args.sample]
        started = time.perf_counter()
        results = []
        for mutant in chosen:
            result = classify(mutant, equivalents, seed=args.seed, with_model=args.with_model)
            results.append(result)
            if result.status not in ("killed", "equivalent") or result.collateral \
                    or result.blocked:
                print(f"  {result.status:9} {result.key:45} line {result.line}: {result.change}"
                      + (f"  collateral: {result.collateral}" if result.collateral else "")
                      + (f"  blocked: {result.blocked}" if result.blocked else "")
                      + (f"  ({result.reason.splitlines()[-1]})" if result.reason
                         and result.status == "error" else ""), flush=True)
        counts = summary(results)
        counts["seconds"] = round(time.perf_counter() - started, 1)
        report[exercise] = {"summary": counts, "results": as_dicts(results)}
        print(f"{exercise:16} score {counts['score']:.1%}  killed {counts['killed']}  survived "
              f"{counts['survived']}  equivalent {counts['equivalent']}  errors "
              f"{counts['error'] + counts['equivalent-but-killed']}  collateral "
              f"{counts['collateral']}  blocked {counts['blocked']}  ({counts['total']} mutants, "
              f"{counts['seconds']} s)",
              flush=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
