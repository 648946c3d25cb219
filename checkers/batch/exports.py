"""Gradebook exports: a CSV gradebook, a Canvas gradebook import, and one Gradescope
``results.json`` per submission."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from checkers.batch.autograder import gradescope_results, hidden_checks
from checkers.batch.gradebook import Row


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
    """Write ``out/STUDENT/results.json`` for every row: the autograder's results.json
    (:func:`checkers.batch.autograder.gradescope_results`)."""
    out = Path(out)
    written = []
    for row in rows:
        folder = out / _safe_name(row.student)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / "results.json"
        data = gradescope_results(row.report, hidden=_hidden_checks(row.exercise))
        target.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n",
                          encoding="utf-8")
        written.append(target)
    return written


def _hidden_checks(exercise: str) -> frozenset[str]:
    """The exercise's checks on hidden data (none for an exercise no longer installed)."""
    from checkers.engine.errors import GraderError

    try:
        return hidden_checks(exercise)
    except (GraderError, KeyError):
        return frozenset()


def _safe_name(student: str) -> str:
    name = "".join(ch if ch.isalnum() or ch in "-_.@+" else "_" for ch in student)
    return name.strip(".") or "_"


CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")


def _key(name: str) -> str:
    """A name as Canvas writes it in file names: lower case, letters and digits only
    (``"Liddell, Alice"`` -> ``liddellalice``)."""
    return "".join(ch for ch in name.lower() if ch.isalnum())


def load_roster(path: Path) -> dict[str, dict[str, str]]:
    """A roster CSV: student -> Canvas columns (Student, ID, SIS User ID, SIS Login ID,
    Section). A Canvas gradebook export works as it is; a plain CSV needs a ``student``
    column (the gradebook's names) and may give ``id``, ``sis_user_id``, ``sis_login_id``,
    ``section``. Rows are found by the student's name (``Liddell, Alice`` or ``Alice
    Liddell``), its Canvas file-name form (``liddellalice``) or the Canvas id."""
    aliases = {"student": "Student", "name": "Student", "id": "ID", "canvas id": "ID",
               "sis user id": "SIS User ID", "sis_user_id": "SIS User ID",
               "sis id": "SIS User ID", "sis login id": "SIS Login ID",
               "sis_login_id": "SIS Login ID", "login": "SIS Login ID", "section": "Section"}
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        roster: dict[str, dict[str, str]] = {}
        for row in reader:
            entry = {c: "" for c in CANVAS_COLUMNS}
            for name, value in row.items():
                column = aliases.get((name or "").strip().lower())
                if column:
                    entry[column] = (value or "").strip()
            if not entry["Student"] or "points possible" in entry["Student"].lower():
                continue
            name = entry["Student"]
            last, _, first = name.partition(",")
            given_first = f"{first.strip()} {last.strip()}" if first else name
            for key in (name, _key(name), given_first, _key(given_first), entry["ID"]):
                if key:
                    roster.setdefault(key, entry)
    return roster


def _roster_entry(student: str, roster: dict[str, dict[str, str]]) -> dict[str, str] | None:
    for key in (student, _key(student), student.rsplit("_", 1)[-1]):
        if key in roster:
            return roster[key]
    return None


def export_canvas(rows: list[Row], roster: dict[str, dict[str, str]] | None = None) -> str:
    """A CSV that Canvas's gradebook imports: its identity columns, a "Points Possible" row,
    then one row per student with the total. With a roster (:func:`load_roster`) the ID and
    SIS columns are filled in and named as the roster names them; students missing from the
    roster keep empty ids (Canvas then matches them by name, or reports them)."""
    exercise = rows[0].exercise if rows else "seqgrade"
    title = f"{exercise} (seqgrade)"
    possible = max((r.max_score for r in rows), default=0.0)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*CANVAS_COLUMNS, title])
    writer.writerow(["    Points Possible", "", "", "", "", f"{possible:g}"])
    for row in rows:
        found = _roster_entry(row.student, roster or {})
        ids = found or {c: "" for c in CANVAS_COLUMNS}
        writer.writerow([ids["Student"] or row.student, ids["ID"], ids["SIS User ID"],
                         ids["SIS Login ID"], ids["Section"], f"{row.score:g}"])
    return buffer.getvalue()
