"""Gradebook exports: a CSV gradebook, and one Gradescope ``results.json`` per submission."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from checkers.batch.gradebook import Row
from checkers.engine.report import to_gradescope


def check_columns(rows: list[Row]) -> list[str]:
    """The check ids present in the rows, in the exercise's order (unknown ids last)."""
    from checkers.engine.registry import get_exercise

    seen: dict[str, None] = {}
    for row in rows:
        for check in row.report.checks:
            seen.setdefault(check.id, None)
    order: list[str] = []
    for exercise in dict.fromkeys(r.exercise for r in rows):
        try:
            order += [c.id for c in get_exercise(exercise).checks]
        except KeyError:
            pass
    known = [c for c in order if c in seen]
    return known + [c for c in seen if c not in known]


def export_csv(rows: list[Row]) -> str:
    """The CSV gradebook: student, total, max_score, one column per check (points), status.

    A check that was not graded for a student is an empty cell.
    """
    columns = check_columns(rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", "total", "max_score", *columns, "status"])
    for row in rows:
        scores = {c.id: c.score for c in row.report.checks}
        writer.writerow([row.student, f"{row.score:g}", f"{row.max_score:g}",
                         *(f"{scores[c]:g}" if c in scores else "" for c in columns),
                         row.status])
    return buffer.getvalue()


def export_gradescope(rows: list[Row], out: Path) -> list[Path]:
    """Write ``out/STUDENT/results.json`` (Gradescope's format) for every row."""
    out = Path(out)
    written = []
    for row in rows:
        folder = out / _safe_name(row.student)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / "results.json"
        data = to_gradescope(row.report)
        target.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n",
                          encoding="utf-8")
        written.append(target)
    return written


def _safe_name(student: str) -> str:
    name = "".join(ch if ch.isalnum() or ch in "-_.@+" else "_" for ch in student)
    return name.strip(".") or "_"
