"""The multilingual claim reader (issue 26): does a sentence in any language state a key
point, state it wrongly, or neither?

A linear probe over the sentence's multilingual-e5 vector (:mod:`.multilingual`): for point
``k`` the logits of :data:`LABELS` are ``(W + W_k) x + b_k``, a direction shared by every
point plus one of the point's own. It is trained by ``bench/qa/train_probe.py`` on
hand-written sentences only (English, Chinese, Hebrew, Bulgarian, Swedish; no labelled
answer) and shipped as ``probe.npz``. The judge reads the answers it cannot give to the
English cross-encoder with it (:class:`.encoders.Multilingual`).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

from checkers.authoring import GraderSetupError

PROBE_FILE = Path(__file__).with_name("probe.npz")
LABELS = ("neutral", "entail", "contradict")
ENTAIL, CONTRADICT = 1, 2


class Probe:
    """The trained probe: ``probabilities(vectors, point_id)``."""

    def __init__(self, points: list[str], shared: np.ndarray, per_point: np.ndarray,
                 bias: np.ndarray, summary: dict[str, object]) -> None:
        """``shared`` (3, d), ``per_point`` (points, 3, d), ``bias`` (points, 3)."""
        self.index = {p: n for n, p in enumerate(points)}
        self.shared = shared
        self.per_point = per_point
        self.bias = bias
        self.summary = summary

    def probabilities(self, vectors: np.ndarray, point_id: str) -> np.ndarray:
        """``(len(vectors), 3)`` probabilities of :data:`LABELS` for unit-norm e5 vectors."""
        k = self.index[point_id]
        z = vectors @ (self.shared + self.per_point[k]).T + self.bias[k]
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)


@lru_cache(maxsize=1)
def load(path: Path | None = None) -> Probe | None:
    """The committed probe, or None when the file is absent (the judge then reads other
    languages by similarity alone). A damaged file is a setup error."""
    path = path or PROBE_FILE
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            return Probe([str(p) for p in data["points"]], data["shared"],
                         data["per_point"], data["bias"], json.loads(str(data["summary"])))
    except (OSError, KeyError, ValueError) as error:
        raise GraderSetupError(f"cannot read the qa probe {path}: {error}") from None
