"""docs/EXERCISES.md, the maintained contract, agrees with the code on check ids and points."""

from __future__ import annotations

import re
from pathlib import Path

from checkers.engine.registry import available_exercises

DOC = Path(__file__).resolve().parent.parent / "docs" / "EXERCISES.md"


def test_every_check_id_is_documented_with_its_points() -> None:
    text = DOC.read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\|\s*`([\w.]+)`\s*\|.*\|\s*([\d.]+)\s*\|\s*$", text, flags=re.M))
    for exercise in available_exercises():
        if exercise.name == "qa":  # ten checks of 10 points, described in one sentence
            assert "`qa.q1` … `qa.q10`, 10 points each" in text
            assert [c.points for c in exercise.checks] == [10] * 10
            continue
        for check in exercise.checks:
            assert check.id in rows, f"{check.id} is missing from docs/EXERCISES.md"
            assert float(rows[check.id]) == check.points, check.id
        assert exercise.max_score == 100
