"""Agreement between the ``qa`` grader and the labelled answers, per kind, with the targets
of issue 13; ``--tune`` trains the judge's head on the tune split.

    python bench/bench_qa.py            # figures on the held-out split (committed head)
    python bench/bench_qa.py --tune     # train the head on the tune split, write judge.json
    python bench/bench_qa.py --json out.json
    python bench/bench_qa.py --cv [--generated]   # cross-validated band QWK on tune only

The labelled answers live in ``tests/qa_calibration/*.yaml``. Three sets:

- ``answers_q*.yaml`` (the first set: correct, partial, padded, mixed, wrong, negated,
  keyword salad, off-topic, copied question): within each kind, answers alternate
  tune / held-out in file order (the split the first grader was tuned with);
- ``hard_q*.yaml`` (issue 13: right words with a wrong claim — ``swap``, ``invented`` —,
  ``negated``, ``terse``, ``partial``, and answers in Chinese, Hebrew, Bulgarian and
  Swedish, correct and wrong), each labelled with a band ``grade`` (0 bottom, 1 middle,
  2 top) and the key points a teacher credits. Written before any tuning and split before
  any design: within each (kind, language) the answers, ordered by the SHA-256 of their
  text, alternate held-out / tune.
- ``fresh_q*.yaml``: a third split, ``fresh`` (same fields as ``hard_``), written after the
  held-out split had been looked at three times, from the rubric alone and without running
  the judge on it; nothing is trained or chosen on it.

Only the tune split is ever used to train or choose anything. Bands of a score out of 10:
bottom < 2, middle < 7, top ≥ 7 (``checkers.exercises.qa.judge.band``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from checkers.exercises.qa import judge  # noqa: E402
from checkers.exercises.qa.keypoints import QUESTION_BY_ID  # noqa: E402
from checkers.exercises.qa.scoring import grade_reading, read_answer  # noqa: E402

CALIBRATION_DIR = ROOT / "tests" / "qa_calibration"
LANGS = ("zh", "he", "bg", "sv")
L2 = 0.1  # ridge penalty of the head (on the tune split only)
# Contradiction margins, chosen on the tune split (best band QWK).
OTHER_MARGINS = (0.0, 0.01, 0.02, 0.03, 0.05)
ENGLISH_MARGINS = (0.0, 0.01, 0.02, 0.03)
# Least support similarity of a covered point, chosen likewise.
ENGLISH_FLOORS = (0.5, 0.55, 0.6)
OTHER_FLOORS = (0.8, 0.83, 0.86)


@dataclass(frozen=True)
class Labelled:
    """One labelled answer."""

    index: int
    question: str
    kind: str
    text: str
    covered: frozenset[str]
    split: str
    lang: str = "en"

    def label_score(self) -> float:
        """The score (0–10) the labels give: weighted share of the covered points."""
        q = QUESTION_BY_ID[self.question]
        return 10.0 * sum(p.weight for p in q.points if p.id in self.covered) / q.total_weight

    @property
    def grade(self) -> int:
        """The band the labels give (0, 1, 2)."""
        return judge.band(self.label_score())

    @property
    def group(self) -> str:
        """Kind, with the language for answers not in English."""
        return self.kind if self.lang == "en" else f"{self.kind}_{self.lang}"


def _hash_split(rows: list[dict]) -> list[str]:
    strata: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        strata[(r["kind"], r.get("lang", "en"))].append(i)
    out = [""] * len(rows)
    for members in strata.values():
        members.sort(key=lambda i: hashlib.sha256(rows[i]["text"].encode()).hexdigest())
        for n, i in enumerate(members):
            out[i] = "heldout" if n % 2 == 0 else "tune"
    return out


def load_calibration(directory: Path = CALIBRATION_DIR) -> list[Labelled]:
    """All labelled answers with their fixed split (see the module docstring)."""
    first: list[dict] = []
    hard: list[dict] = []
    fresh: list[dict] = []
    unseen: list[dict] = []
    for path in sorted(directory.glob("*.yaml")):
        rows = yaml.safe_load(path.read_text())
        if path.name.startswith("fresh_"):
            fresh.extend(rows)
        elif path.name.startswith("unseen_"):
            unseen.extend(rows)
        else:
            (hard if path.name.startswith("hard_") else first).extend(rows)
    splits: list[str] = []
    per_kind: dict[str, int] = defaultdict(int)
    for row in first:
        splits.append("tune" if per_kind[row["kind"]] % 2 == 0 else "heldout")
        per_kind[row["kind"]] += 1
    splits += _hash_split(hard)
    splits += ["fresh"] * len(fresh) + ["unseen"] * len(unseen)
    out = []
    for i, (row, split) in enumerate(zip(first + hard + fresh + unseen, splits,
                                         strict=True)):
        q = QUESTION_BY_ID[row["q"]]
        covered = frozenset(f"{q.id}.{c}" for c in row["covered"])
        if not covered <= {p.id for p in q.points}:
            raise ValueError(f"answer {i}: unknown key points {sorted(covered)}")
        item = Labelled(i, q.id, row["kind"], row["text"], covered, split, row.get("lang", "en"))
        if "grade" in row and row["grade"] != item.grade:
            raise ValueError(f"answer {i}: grade {row['grade']} but its points give {item.grade}")
        out.append(item)
    return out


def generated_rows(seed: int = 0, start: int = 100_000) -> list[Labelled]:
    """One-sentence answers generated from the rubric (:mod:`bench.qa.pairs`): a paraphrase
    or terse rewrite of a statement covers its point; a negation, role swap, wrong number or
    made-up mechanism covers nothing. Split ``generated``; no labelled answer is involved."""
    from bench.qa.pairs import generate

    out: list[Labelled] = []
    seen: set[tuple[str, str]] = set()
    for pair in generate(seed):
        if pair.kind in ("other_point", "off_topic") or (pair.question, pair.text) in seen:
            continue
        seen.add((pair.question, pair.text))
        covered = frozenset({pair.point} if pair.entail else ())
        out.append(Labelled(start + len(out), pair.question, f"generated_{pair.kind}",
                            pair.text, covered, "generated"))
    return out


def readings(rows: list[Labelled], cache: Path | None = None) -> dict[int, judge.Reading]:
    """The judge's reading of every row (optionally kept in a pickle keyed by the texts)."""
    store: dict[str, judge.Reading] = {}
    if cache and cache.is_file():
        store = pickle.loads(cache.read_bytes())
    out = {}
    for r in rows:
        key = hashlib.sha256(f"{r.question}\x1f{r.text}".encode()).hexdigest()
        if key not in store:
            store[key] = read_answer(r.question, r.text)
        out[r.index] = store[key]
    if cache:
        cache.write_bytes(pickle.dumps(store))
    return out


def quadratic_weighted_kappa(a: list[int], b: list[int], n_ratings: int) -> float:
    """Cohen's kappa with quadratic weights for integer ratings 0 … n_ratings-1."""
    observed = np.zeros((n_ratings, n_ratings))
    for x, y in zip(a, b, strict=True):
        observed[x, y] += 1
    expected = np.outer(observed.sum(1), observed.sum(0)) / max(1, len(a))
    idx = np.arange(n_ratings)
    weights = (idx[:, None] - idx[None, :]) ** 2 / (n_ratings - 1) ** 2
    denominator = (weights * expected).sum()
    return 1.0 if denominator == 0 else float(1.0 - (weights * observed).sum() / denominator)


def evaluate(rows: list[Labelled], reads: dict[int, judge.Reading],
             head: judge.Head) -> dict[str, object]:
    """QWK (bands and 0–10), confusion matrix, per-point accuracy, per-kind band counts,
    the issue-13 targets, and how well the review flag catches the band errors."""
    bands_got, bands_want, got10, want10 = [], [], [], []
    confusion = np.zeros((3, 3), int)
    by_kind: dict[str, Counter] = defaultdict(Counter)
    terse_top = terse_correct = 0  # terse notes a teacher puts in the top band
    point_ok = point_n = 0
    flagged = flagged_wrong = wrong = 0
    for r in rows:
        result = grade_reading(r.question, reads[r.index], head)
        g, w = judge.band(result.score), r.grade
        bands_got.append(g)
        bands_want.append(w)
        got10.append(int(np.floor(result.score + 0.5)))
        want10.append(int(np.floor(r.label_score() + 0.5)))
        confusion[w, g] += 1
        by_kind[r.group][g] += 1
        if r.group == "terse" and w == 2:
            terse_correct += 1
            terse_top += g == 2
        for p in result.points:
            point_ok += p.covered == (p.point.id in r.covered)
            point_n += 1
        flagged += result.needs_review
        wrong += g != w
        flagged_wrong += result.needs_review and g != w
    kinds = {k: {"n": sum(c.values()), "bottom": c[0], "middle": c[1], "top": c[2]}
             for k, c in sorted(by_kind.items())}

    def share(groups: list[str], band: int) -> tuple[float, int]:
        n = sum(kinds[g]["n"] for g in groups if g in kinds)
        hit = sum(kinds[g][("bottom", "middle", "top")[band]] for g in groups if g in kinds)
        return (hit / n if n else float("nan")), n

    wrong_claim = ["swap", "invented", "negated"]
    targets = {
        "qwk_bands >= 0.85": quadratic_weighted_kappa(bands_want, bands_got, 3),
        "wrong-claim & negated in bottom >= 0.90": share(wrong_claim, 0)[0],
        "wrong-claim & negated in top == 0": share(wrong_claim, 2)[0],
        "terse correct in top >= 0.85": (terse_top / terse_correct if terse_correct
                                          else float("nan")),
        "partial (issue 13) in middle >= 0.70": share(["partial"], 1)[0],
    }
    for lang in LANGS:
        targets[f"correct {lang} in top >= 0.80"] = share([f"correct_{lang}"], 2)[0]
    return {
        "n_answers": len(rows),
        "qwk_bands": quadratic_weighted_kappa(bands_want, bands_got, 3),
        "qwk_0_10": quadratic_weighted_kappa(want10, got10, 11),
        "point_accuracy": point_ok / max(1, point_n),
        "confusion": confusion.tolist(),
        "by_kind": kinds,
        "targets": targets,
        "review": {"flagged": flagged, "band_errors": wrong, "errors_flagged": flagged_wrong},
    }


def _meets(name: str, value: float) -> bool:
    if "== 0" in name:
        return value == 0
    return value >= float(name.rsplit(">=", 1)[1])


def fit_head(rows: list[Labelled], reads: dict[int, judge.Reading]) -> judge.Head:
    """Train the logistic head on the tune rows' (answer, point) pairs (ridge, Newton)."""
    weights = {}
    for name, english, pairs in (("english", True, True), ("plain", True, False),
                                 ("other", False, False)):
        X, y = [], []
        for r in rows:
            reading = reads[r.index]
            if (reading.language == "en") != english:
                continue
            for j in reading.points:
                if pairs and j.entail is None:
                    break
                X.append(judge.Head.features(
                    j.support, j.contra, j.overlap, english,
                    judge.elsewhere(reading, j.point.id),
                    j.entail if pairs else None, j.refute if pairs else None))
                y.append(float(j.point.id in r.covered))
        weights[name] = _logistic(np.array(X), np.array(y)) if X else []
    head = judge.Head(tuple(weights["english"] or weights["plain"]), tuple(weights["other"]),
                      english_plain=tuple(weights["plain"]))
    best = max(
        (float(evaluate(rows, reads, replace(head, other_margin=m, english_margin=e,
                                             english_floor=fe, other_floor=fo))
               ["qwk_bands"]), -m - e, m, e, fe, fo)
        for m in OTHER_MARGINS for e in ENGLISH_MARGINS
        for fe in ENGLISH_FLOORS for fo in OTHER_FLOORS)
    head = replace(head, other_margin=best[2], english_margin=best[3], english_floor=best[4],
                   other_floor=best[5])
    return _choose_review_threshold(rows, reads, head)


def cross_validate(rows: list[Labelled], reads: dict[int, judge.Reading], folds: int = 5,
                   seed: int = 0, extra: tuple[Labelled, ...] = ()) -> float:
    """Band QWK of the head fitted on the other folds (tune rows only; folds drawn with
    ``seed``): how well a head of this design carries over to answers it was not fitted on."""
    order = np.random.default_rng(seed).permutation(len(rows))
    want, got = [], []
    for f in range(folds):
        test = [rows[i] for i in order[f::folds]]
        train = [r for r in rows if r not in test] + list(extra)
        head = fit_head(train, reads)
        for r in test:
            want.append(r.grade)
            got.append(judge.band(grade_reading(r.question, reads[r.index], head).score))
    return quadratic_weighted_kappa(want, got, 3)


def _logistic(X: np.ndarray, y: np.ndarray, iterations: int = 50) -> list[float]:
    w = np.zeros(X.shape[1])
    penalty = L2 * np.eye(X.shape[1])
    penalty[-1, -1] = 0.0  # no penalty on the bias
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(X @ w, -40, 40)))
        gradient = X.T @ (p - y) + penalty @ w
        hessian = X.T @ (X * (p * (1 - p))[:, None]) + penalty + 1e-9 * np.eye(len(w))
        w -= np.linalg.solve(hessian, gradient)
    return [round(float(v), 4) for v in w]


def _choose_review_threshold(rows: list[Labelled], reads: dict[int, judge.Reading],
                             head: judge.Head) -> judge.Head:
    """The review threshold that catches most band errors on the tune split while
    flagging at most a fifth of the answers."""
    best = (-1.0, 0.0)
    results = [(grade_reading(r.question, reads[r.index], head), r) for r in rows]
    for threshold in np.arange(0.5, 0.96, 0.025):
        flagged = [res.confidence < threshold for res, _ in results]
        if sum(flagged) > 0.2 * len(results):
            continue
        caught = sum(f and judge.band(res.score) != r.grade
                     for f, (res, r) in zip(flagged, results, strict=True))
        best = max(best, (caught - 0.1 * sum(flagged), round(float(threshold), 3)))
    return replace(head, review_below=best[1] or head.review_below)


def write_head(head: judge.Head, n_tune: int, n_generated: int = 0) -> None:
    """Write ``judge.json``."""
    how = (f" and {n_generated} one-sentence answers generated from the rubric (--generated)"
           if n_generated else "")
    data = {
        "_comment": (f"Trained by bench/bench_qa.py --tune on the tune split ({n_tune} answers)"
                     f"{how};"
                     " features: support, contra, max(0, support-contra),"
                     " contradiction elsewhere [, overlap (English)]"
                     " [, cross-encoder entail, refute (English)], bias;"
                     " english_plain: English without the cross-encoder."),
        # Every field of the head (judge.load_head reads them all, strictly).
        **{name: list(value) if isinstance(value, tuple) else value
           for name, value in asdict(head).items()},
    }
    judge.HEAD_FILE.write_text(json.dumps(data, indent=2) + "\n")


def time_one_file() -> float:
    """Wall seconds to grade the reference answers file in a fresh process, model loading
    included (two threads, as on a 2-core machine)."""
    env = dict(os.environ, SEQGRADE_QA_THREADS="2", HF_HUB_OFFLINE="1")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "from checkers.engine.grading import grade;"
                    f"grade('qa', {str(ROOT / 'solutions' / 'qa_answers.md')!r})"],
                   check=True, env=env, cwd=ROOT)
    return time.perf_counter() - start


def _print(name: str, result: dict) -> None:
    print(f"\n== {name}: {result['n_answers']} answers ==")
    print(f"QWK, bands 0/1/2: {result['qwk_bands']:.3f}   QWK, scores 0-10: "
          f"{result['qwk_0_10']:.3f}   per-point accuracy: {result['point_accuracy']:.3f}")
    print("confusion (rows: labels bottom/middle/top; columns: grader):")
    for label, row in zip(("bottom", "middle", "top"), result["confusion"], strict=True):
        print(f"  {label:7s}" + "".join(f"{v:6d}" for v in row))
    print("bands per kind (bottom / middle / top):")
    for kind, v in result["by_kind"].items():
        print(f"  {kind:16s} n={v['n']:3d}   {v['bottom']:3d} {v['middle']:3d} {v['top']:3d}")
    print("issue-13 targets:")
    for target, value in result["targets"].items():
        mark = "ok  " if _meets(target, value) else "MISS"
        print(f"  {mark} {target:42s} {value:.3f}")
    rev = result["review"]
    print(f"needs review: {rev['flagged']} answers flagged; {rev['errors_flagged']} of the "
          f"{rev['band_errors']} band errors among them")


def main(argv: list[str] | None = None) -> int:
    """Command line: ``--tune`` to train the head, ``--json FILE`` to save the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tune", action="store_true", help="train the head on the tune split")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--cache", type=Path, help="keep the judge's readings in this pickle")
    parser.add_argument("--no-timing", action="store_true", help="skip the one-file timing")
    parser.add_argument("--cv", action="store_true",
                        help="5-fold cross-validation of the head on the tune split (three "
                        "seeds): how a design carries over within tune")
    parser.add_argument("--generated", action="store_true",
                        help="with --tune / --cv: also fit on one-sentence answers generated "
                        "from the rubric (bench/qa/pairs.py)")
    parser.add_argument("--only", choices=("tune", "held-out", "fresh", "unseen"),
                        help="report one split only (design work looks at tune only)")
    args = parser.parse_args(argv)
    rows = load_calibration()
    tune_rows = [r for r in rows if r.split == "tune"]
    held = [r for r in rows if r.split == "heldout"]
    fresh = [r for r in rows if r.split == "fresh"]
    unseen = [r for r in rows if r.split == "unseen"]
    print(f"labelled answers: {len(rows)}; tune {len(tune_rows)}, held-out {len(held)}, "
          f"fresh {len(fresh)}, unseen {len(unseen)}")
    extra = generated_rows() if args.generated else []
    if args.cv:
        reads = readings(tune_rows + extra, args.cache)
        for use in ((), tuple(extra)) if extra else ((),):
            qwks = [cross_validate(tune_rows, reads, seed=s, extra=use) for s in range(3)]
            print(f"tune 5-fold CV band QWK ({len(use)} generated answers added to each "
                  "training fold): "
                  + " ".join(f"{q:.3f}" for q in qwks) + f"  mean {np.mean(qwks):.3f}")
        return 0
    if args.tune:
        reads = readings(tune_rows + extra, args.cache)
        head = fit_head(tune_rows + extra, reads)
        write_head(head, len(tune_rows), len(extra))
        print(f"wrote {judge.HEAD_FILE.relative_to(ROOT)}: {head}")
    head = judge.load_head()
    results: dict[str, object] = {}
    for name, subset in (("tune", tune_rows), ("held-out", held), ("fresh", fresh),
                         ("unseen", unseen)):
        if args.only and name != args.only:
            continue
        results[name] = evaluate(subset, readings(subset, args.cache), head)
        _print(name, results[name])  # type: ignore[arg-type]
    if not args.no_timing:
        seconds = time_one_file()
        results["one_file_seconds"] = seconds
        print(f"\none answers file (10 answers), fresh process, model loading included: "
              f"{seconds:.1f} s (target <= 15 s on 2 cores)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
