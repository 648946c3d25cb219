"""Agreement between the ``qa`` grader and the labelled calibration answers.

    python bench/bench_qa.py            # report on the held-out split (committed thresholds)
    python bench/bench_qa.py --tune     # tune on the tune split, write the thresholds, report
    python bench/bench_qa.py --json out.json

The labelled answers live in ``tests/qa_calibration/*.yaml`` (question, kind, covered key
points). The split is fixed: within each kind, answers alternate tune / held-out in file
order. Tuning only ever looks at the tune split; the figures printed for the held-out split
are the honest ones. Reported: quadratic weighted kappa on per-question scores (0–10,
rounded), per-point accuracy, per-kind mean scores, and the grading time per answer.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from checkers.exercises.qa.keypoints import QUESTION_BY_ID  # noqa: E402
from checkers.exercises.qa.scoring import PARAMS_FILE, Params, load_params, point_similarities  # noqa: E402

CALIBRATION_DIR = ROOT / "tests" / "qa_calibration"
MARGINS = (0.01, 0.02, 0.04)
NEG_MARGINS = (0.0, 0.02, 0.04)
POLARITY = ("any", "parity", "none")
SALAD_RATIOS = (0.1,)
SALAD_TOKENS = (4,)
TOP_K = (1, 2)
SLACKS = (1.0, 0.1, 0.05)
POINT_WINDOWS = (0.0, 0.03, 0.06, 0.1)
THRESHOLD_GRID = tuple(round(x, 2) for x in np.arange(0.40, 0.91, 0.01))


@dataclass(frozen=True)
class Labelled:
    """One labelled answer: question, kind, text, the key points a human credits, split."""

    index: int
    question: str
    kind: str
    text: str
    covered: frozenset[str]
    split: str

    def label_score(self) -> float:
        """The score (0–10) the labels give: weighted share of the covered points."""
        q = QUESTION_BY_ID[self.question]
        weight = sum(p.weight for p in q.points if p.id in self.covered)
        return 10.0 * weight / q.total_weight


def load_calibration(directory: Path = CALIBRATION_DIR) -> list[Labelled]:
    """All labelled answers, with the fixed tune / held-out split."""
    rows: list[dict] = []
    for path in sorted(directory.glob("*.yaml")):
        rows.extend(yaml.safe_load(path.read_text()))
    per_kind: dict[str, int] = defaultdict(int)
    out = []
    for i, row in enumerate(rows):
        q = QUESTION_BY_ID[row["q"]]
        ids = {p.id for p in q.points}
        covered = frozenset(f"{q.id}.{c}" for c in row["covered"])
        if not covered <= ids:
            raise ValueError(f"answer {i}: unknown key points {sorted(covered - ids)}")
        split = "tune" if per_kind[row["kind"]] % 2 == 0 else "heldout"
        per_kind[row["kind"]] += 1
        out.append(Labelled(i, q.id, row["kind"], row["text"], covered, split))
    return out


def quadratic_weighted_kappa(a: list[int], b: list[int], n_ratings: int = 11) -> float:
    """Cohen's kappa with quadratic weights for integer ratings 0 … n_ratings-1."""
    observed = np.zeros((n_ratings, n_ratings))
    for x, y in zip(a, b, strict=True):
        observed[x, y] += 1
    hist_a, hist_b = observed.sum(1), observed.sum(0)
    expected = np.outer(hist_a, hist_b) / max(1, len(a))
    idx = np.arange(n_ratings)
    weights = (idx[:, None] - idx[None, :]) ** 2 / (n_ratings - 1) ** 2
    denominator = (weights * expected).sum()
    if denominator == 0:
        return 1.0
    return float(1.0 - (weights * observed).sum() / denominator)


def features(rows: list[Labelled], params: Params) -> dict[int, dict[str, float]]:
    """Best surviving similarity per (answer, key point) under ``params``."""
    return {
        r.index: {k: v[0] for k, v in point_similarities(r.question, r.text, params=params).items()}
        for r in rows
    }


def evaluate(
    rows: list[Labelled], feats: dict[int, dict[str, float]], params: Params
) -> dict[str, object]:
    """Kappa, per-point accuracy and per-kind means for ``rows`` under ``params``."""
    got, want, correct, total = [], [], 0, 0
    by_kind: dict[str, list[tuple[float, float]]] = defaultdict(list)
    per_point: dict[str, list[bool]] = defaultdict(list)
    for r in rows:
        q = QUESTION_BY_ID[r.question]
        weight = 0.0
        for p in q.points:
            covered = feats[r.index][p.id] >= params.threshold(p.id)
            weight += p.weight if covered else 0.0
            ok = covered == (p.id in r.covered)
            correct += ok
            total += 1
            per_point[p.id].append(ok)
        score = 10.0 * weight / q.total_weight
        got.append(int(np.floor(score + 0.5)))
        want.append(int(np.floor(r.label_score() + 0.5)))
        by_kind[r.kind].append((score, r.label_score()))
    return {
        "n_answers": len(rows),
        "qwk": quadratic_weighted_kappa(want, got),
        "point_accuracy": correct / max(1, total),
        "n_points": total,
        "mean_abs_error": float(np.mean(np.abs(np.array(got) - np.array(want)))),
        "by_kind": {
            k: {
                "n": len(v),
                "grader": float(np.mean([g for g, _ in v])),
                "labels": float(np.mean([w for _, w in v])),
            }
            for k, v in sorted(by_kind.items())
        },
        "per_point_accuracy": {k: float(np.mean(v)) for k, v in sorted(per_point.items())},
    }


def _pairs(
    rows: list[Labelled], feats: dict[int, dict[str, float]]
) -> list[tuple[str, float, bool]]:
    return [
        (p.id, feats[r.index][p.id], p.id in r.covered)
        for r in rows
        for p in QUESTION_BY_ID[r.question].points
    ]


def _accuracy(pairs: list[tuple[str, float, bool]], threshold: float) -> float:
    return float(np.mean([(s >= threshold) == y for _, s, y in pairs])) if pairs else 0.0


def _point_thresholds(
    pairs: list[tuple[str, float, bool]], default: float, window: float
) -> dict[str, float]:
    """Per-point thresholds within ``window`` of ``default`` (ties: closest to default)."""
    out = {}
    for point_id in sorted({p for p, _, _ in pairs}):
        mine = [x for x in pairs if x[0] == point_id]
        grid = [t for t in THRESHOLD_GRID if abs(t - default) <= window + 1e-9]
        out[point_id] = max((_accuracy(mine, t), -abs(t - default), t) for t in grid)[2]
    return out


def _choose_window(
    rows: list[Labelled], feats: dict[int, dict[str, float]], default: float
) -> float:
    """How far per-point thresholds may move from the global one: 2-fold CV on ``rows``."""
    folds = [rows[0::2], rows[1::2]]
    scores = []
    for window in POINT_WINDOWS:
        accs = []
        for k in (0, 1):
            fitted = _point_thresholds(_pairs(folds[k], feats), default, window)
            test = _pairs(folds[1 - k], feats)
            accs.append(np.mean([(s >= fitted.get(p, default)) == y for p, s, y in test]))
        scores.append((float(np.mean(accs)), -window, window))
    return max(scores)[2]


def tune(rows: list[Labelled]) -> tuple[Params, float]:
    """Choose the flip margins, polarity rule, salad limits, top-k and slack (best tune
    kappa, then best per-point accuracy), with the global threshold that maximises per-point
    accuracy, then per-point thresholds near it — all on the tune rows only."""
    best: tuple[tuple[float, float], Params] | None = None
    grid = [
        (m, n, par, r, st, k, sl)
        for m in MARGINS
        for n in NEG_MARGINS
        for par in POLARITY
        for r in SALAD_RATIOS
        for st in SALAD_TOKENS
        for k in TOP_K
        for sl in SLACKS
    ]
    for margin, neg_margin, parity, ratio, salad_tokens, top_k, slack in grid:
        params = Params(
            margin=margin,
            neg_margin=neg_margin,
            polarity=parity,
            salad_min_ratio=ratio,
            salad_min_tokens=salad_tokens,
            top_k=top_k,
            exclusive_slack=slack,
        )
        feats = features(rows, params)
        pairs = _pairs(rows, feats)
        accs = [(_accuracy(pairs, t), -abs(t - 0.6), t) for t in THRESHOLD_GRID]
        acc, _, threshold = max(accs)
        params.default_threshold = threshold
        qwk = float(evaluate(rows, feats, params)["qwk"])  # type: ignore[arg-type]
        print(f"  margin={margin:.2f} neg_margin={neg_margin:.2f} polarity={parity:6} "
              f"salad={ratio:.2f}/{salad_tokens} top_k={top_k} slack={slack} "
              f"threshold={threshold:.2f} point accuracy={acc:.3f} kappa={qwk:.3f}")
        if best is None or (qwk, acc) > best[0]:
            best = ((qwk, acc), params)
    assert best is not None
    params = best[1]
    feats = features(rows, params)
    window = _choose_window(rows, feats, params.default_threshold)
    print(f"  per-point threshold window (2-fold CV on the tune split): ±{window:.2f}")
    thresholds = _point_thresholds(_pairs(rows, feats), params.default_threshold, window)
    params.thresholds = thresholds
    return params, best[0][1]


def per_answer_cost(rows: list[Labelled], params: Params) -> float:
    """Mean seconds to grade one answer with a cold text cache (model already loaded)."""
    from checkers.exercises.qa.embed import Embedder, get_embedder

    get_embedder().embed(["warm up"])
    fresh = Embedder()
    fresh.embed(["warm up"])
    sample = rows[:30]
    start = time.perf_counter()
    for r in sample:
        point_similarities(r.question, r.text, params=params, embedder=fresh)
    return (time.perf_counter() - start) / max(1, len(sample))


def _print_report(name: str, result: dict[str, object]) -> None:
    print(f"\n== {name}: {result['n_answers']} answers, {result['n_points']} (answer, point) "
          "pairs ==")
    print(f"quadratic weighted kappa (per-question scores 0-10): {result['qwk']:.3f}")
    print(f"per-point accuracy: {result['point_accuracy']:.3f}")
    print(f"mean absolute score error (0-10): {result['mean_abs_error']:.2f}")
    print("mean score by kind (grader / labels):")
    for kind, v in result["by_kind"].items():  # type: ignore[union-attr]
        print(f"  {kind:14s} n={v['n']:3d}  {v['grader']:5.2f} / {v['labels']:5.2f}")


def main(argv: list[str] | None = None) -> int:
    """Command line: ``--tune`` to recalibrate, ``--json FILE`` to save the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tune", action="store_true", help="tune on the tune split first")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    rows = load_calibration()
    tune_rows = [r for r in rows if r.split == "tune"]
    held = [r for r in rows if r.split == "heldout"]
    print(f"calibration set: {len(rows)} answers; tune {len(tune_rows)}, held-out {len(held)}")
    if args.tune:
        print("tuning on the tune split:")
        params, acc = tune(tune_rows)
        data = params.to_json()
        data["_comment"] = (
            f"Tuned by bench/bench_qa.py --tune on the tune split ({len(tune_rows)} answers); "
            "never on the held-out split."
        )
        PARAMS_FILE.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
        print(f"wrote {PARAMS_FILE.relative_to(ROOT)}")
    params = load_params()
    results = {}
    for name, subset in (("tune", tune_rows), ("held-out", held)):
        results[name] = evaluate(subset, features(subset, params), params)
        _print_report(name, results[name])
    cost = per_answer_cost(held, params)
    results["seconds_per_answer"] = cost
    print(f"\ngrading cost: {cost:.3f} s per answer (model loaded, nothing cached); "
          f"a 10-answer submission ≈ {10 * cost:.1f} s plus model load")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
