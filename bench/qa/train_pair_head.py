"""Train the experimental pair head (:mod:`bench.qa.pairhead`, written to
``bench/qa/pair_head.json``) on key-point / sentence pairs generated from the rubric
(:mod:`bench.qa.pairs`), reproducibly (seeded). Not shipped: fed to the judge's head it did
not raise the tune split's cross-validated band QWK (docs/QA.md).

    python bench/qa/train_pair_head.py [--seed 0] [--dry-run]

The ridge penalty of each of the two logistic models (states the point / states its
opposite) is chosen by leave-one-question-out cross-validation on the generated pairs
(a question's statements never help to judge its own pairs), so what is chosen is what
carries over to key points the model did not see. No labelled answer is used.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.qa import pairhead  # noqa: E402
from bench.qa.pairs import Pair, generate  # noqa: E402
from checkers.exercises.qa import judge, languages  # noqa: E402
from checkers.exercises.qa.embed import embed_fixed, get_embedder  # noqa: E402
from checkers.exercises.qa.keypoints import QUESTION_BY_ID  # noqa: E402

# Ridge penalty on the [u*v, |u-v|] block (the few scalar features get SCALAR_PENALTY).
PENALTIES = (100.0, 300.0, 1000.0, 3000.0, 1e4, 1e6)
SCALAR_PENALTY = 1.0


def pair_features(pairs: list[Pair]) -> tuple[np.ndarray, list[str]]:
    """Feature matrix of the pairs (as the judge computes them) and the prepared texts."""
    embedder = get_embedder()
    texts = [judge.prepare(QUESTION_BY_ID[p.question], p.text)[1] for p in pairs]
    vectors = embedder.embed(texts)
    rows = []
    for p, text, vec in zip(pairs, texts, vectors, strict=True):
        question = QUESTION_BY_ID[p.question]
        s_texts, s_frames = judge._statements(question, p.point)
        s_vectors = embed_fixed(embedder, list(s_texts))
        sims = s_vectors @ vec
        if p.left_out is not None:
            sims = np.where(np.array([t == p.left_out for t in s_texts]), -np.inf, sims)
        frame = languages.frame(text, p.question, "en")
        rows.append(pairhead.features(vec, frame, s_vectors, s_frames, sims))
    return np.array(rows), texts


def fit_logistic(X: np.ndarray, y: np.ndarray, penalty: float,
                 iterations: int = 30) -> np.ndarray:
    """Ridge logistic regression (Newton); X already has the bias column last."""
    w = np.zeros(X.shape[1])
    reg = np.diag(np.r_[np.full(X.shape[1] - 1 - pairhead.N_SCALARS, penalty),
                        np.full(pairhead.N_SCALARS, SCALAR_PENALTY), 0.0])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(X @ w, -40, 40)))
        gradient = X.T @ (p - y) + reg @ w
        hessian = X.T @ (X * (p * (1 - p))[:, None]) + reg + 1e-6 * np.eye(len(w))
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if float(np.abs(step).max()) < 1e-6:
            break
    return w


def _standardise(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = X.mean(axis=0)
    scale = X.std(axis=0) + 1e-6
    return mean, scale


def _design(X: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    return np.hstack([(X - mean) / scale, np.ones((len(X), 1))])


def cross_validate(X: np.ndarray, y: np.ndarray, groups: list[str],
                   penalty: float) -> tuple[float, float]:
    """Leave-one-question-out log loss and accuracy."""
    losses, hits = [], []
    for g in sorted(set(groups)):
        test = np.array([x == g for x in groups])
        mean, scale = _standardise(X[~test])
        w = fit_logistic(_design(X[~test], mean, scale), y[~test], penalty)
        p = 1.0 / (1.0 + np.exp(-np.clip(_design(X[test], mean, scale) @ w, -40, 40)))
        p = np.clip(p, 1e-6, 1 - 1e-6)
        losses += list(-(y[test] * np.log(p) + (1 - y[test]) * np.log(1 - p)))
        hits += list((p >= 0.5) == (y[test] == 1))
    return float(np.mean(losses)), float(np.mean(hits))


def main(argv: list[str] | None = None) -> int:
    """Generate, choose the penalties by cross-validation, train, write the head."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dry-run", action="store_true", help="do not write the head")
    args = parser.parse_args(argv)
    np.random.seed(args.seed)
    pairs = generate(args.seed)
    X, _ = pair_features(pairs)
    groups = [p.question for p in pairs]
    kinds = sorted({p.kind for p in pairs})
    print(f"{len(pairs)} generated pairs: "
          + ", ".join(f"{k} {sum(p.kind == k for p in pairs)}" for k in kinds))
    mean, scale = _standardise(X)
    weights = {}
    for name in ("entail", "contra"):
        y = np.array([float(getattr(p, name)) for p in pairs])
        scores = {pen: cross_validate(X, y, groups, pen) for pen in PENALTIES}
        for pen, (loss, acc) in scores.items():
            print(f"  {name}: penalty {pen:6.0f}  leave-one-question-out log loss {loss:.3f}"
                  f"  accuracy {acc:.3f}")
        best = min(scores, key=lambda pen: scores[pen][0])
        print(f"  {name}: chose penalty {best}")
        weights[name] = fit_logistic(_design(X, mean, scale), y, best)
        p = 1.0 / (1.0 + np.exp(-np.clip(_design(X, mean, scale) @ weights[name], -40, 40)))
        for k in kinds:
            sel = np.array([q.kind == k for q in pairs])
            print(f"    fitted mean P({name}) on {k:13s} {float(p[sel].mean()):.3f}")
    if not args.dry_run:
        data = {
            "_comment": (f"Trained by bench/qa/train_pair_head.py --seed {args.seed} on "
                         f"{len(pairs)} pairs generated from the rubric (no labelled answers);"
                         " see bench/qa/pairhead.py."),
            "mean": [round(float(v), 6) for v in mean],
            "scale": [round(float(v), 6) for v in scale],
            "entail": [round(float(v), 5) for v in weights["entail"]],
            "contra": [round(float(v), 5) for v in weights["contra"]],
        }
        pairhead.PAIR_HEAD_FILE.write_text(json.dumps(data) + "\n")
        print(f"wrote {pairhead.PAIR_HEAD_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
