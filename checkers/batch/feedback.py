"""Feedback for each student of a graded class: one self-contained HTML page per student.

A page shows the score, every check (points, status, feedback, the counterexample, the
figures it measured) and, where a check stored a series of figures, an inline SVG plot
(accuracy by string length, loss per held-out passage against the threshold, ...). A series
is a family of metrics named ``FAMILY[LABEL]`` (``accuracy_by_length[10-14]``), with an
optional ``FAMILY.threshold``; the exercise says how to plot it (``Exercise.series``: title,
axes), else the family's name titles it.

Like the class report, a page runs no script and loads nothing (a Content-Security-Policy
forbids it), and every text that comes from a submission is HTML-escaped.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from checkers.batch.gradebook import Row
from checkers.engine.errors import GraderError
from checkers.engine.model import SeriesPlot
from checkers.engine.report import CheckResult

COLORS = {"passed": "#2e7d32", "failed": "#ef6c00", "error": "#b71c1c", "timeout": "#f9a825",
          "blocked": "#6a1b9a", "missing": "#b71c1c", "not_implemented": "#b71c1c",
          "skipped": "#1565c0"}
SERIES_COLOR = "#3366cc"
THRESHOLD_COLOR = "#d81b60"
_SERIES = re.compile(r"^(?P<family>[A-Za-z_][\w]*)\[(?P<label>[^\]]+)\]$")

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;
max-width:980px;color:#222;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ddd}
.muted{color:#666}.score{font-size:2.2em;font-weight:bold}
table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #ccc;padding:4px 8px;
text-align:left;vertical-align:top}th{background:#f4f4f4}td.num{text-align:right}
pre{white-space:pre-wrap;word-break:break-word;margin:0;background:#f8f8f8;padding:.5em}
.badge{display:inline-block;padding:1px 8px;border-radius:8px;color:#fff;font-size:.85em}
.check{border:1px solid #ddd;border-radius:6px;padding:.3em 1em 1em;margin:1em 0}
.bar{height:14px;background:#eee;border-radius:7px;overflow:hidden;max-width:480px}
.bar>span{display:block;height:100%}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def series_of(check: CheckResult) -> dict[str, tuple[list[str], list[float], float | None]]:
    """The plottable series of a check: family -> (labels, values, threshold or None)."""
    found: dict[str, tuple[list[str], list[float], float | None]] = {}
    for key, value in check.metrics.items():
        match = _SERIES.match(key)
        if match:
            labels, values, _ = found.setdefault(match["family"], ([], [], None))
            labels.append(match["label"])
            values.append(float(value))
    for family, (labels, values, _) in list(found.items()):
        threshold = check.metrics.get(f"{family}.threshold")
        found[family] = (labels, values, float(threshold) if threshold is not None else None)
    return found


def series_svg(family: str, labels: list[str], values: list[float],
               threshold: float | None = None, width: int = 620, height: int = 250,
               plot: SeriesPlot | None = None) -> str:
    """A bar chart of one series, with a dashed line at the threshold when there is one;
    ``plot`` (the exercise's) names it and its axes."""
    plot = plot or SeriesPlot(family, family.replace("_", " "), "", family)
    title, x_label, y_label, unit_range = (plot.title, plot.x_label, plot.y_label,
                                           plot.unit_range)
    top_value = 1.0 if unit_range else max([*values, threshold or 0.0, 1e-9]) * 1.15
    left, bottom, top = 56, 42, 26
    plot_w, plot_h = width - left - 16, height - bottom - top
    step = plot_w / max(1, len(values))

    def y_of(value: float) -> float:
        return top + plot_h * (1.0 - min(max(value, 0.0), top_value) / top_value)

    parts = [f'<svg class="plot" role="img" aria-label="{_e(title)}" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}">',
             f'<text x="{left}" y="16" font-size="13" font-weight="bold">{_e(title)}</text>',
             f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
             'stroke="#333"/>',
             f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#333"/>']
    for tick in (0.0, 0.5, 1.0):
        value = tick * top_value
        parts.append(f'<text x="{left - 4}" y="{y_of(value) + 4:.1f}" font-size="10" '
                     f'text-anchor="end">{value:.3g}</text>')
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = left + i * step
        y = y_of(value)
        parts.append(f'<rect class="series" x="{x + step * 0.15:.1f}" y="{y:.1f}" '
                     f'width="{step * 0.7:.1f}" height="{top + plot_h - y:.1f}" '
                     f'fill="{SERIES_COLOR}"><title>{_e(label)}: {value:.4g}</title></rect>')
        parts.append(f'<text x="{x + step / 2:.1f}" y="{top + plot_h + 14}" font-size="10" '
                     f'text-anchor="middle">{_e(label)}</text>')
    if threshold is not None:
        y = y_of(threshold)
        parts.append(f'<line class="threshold" x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" '
                     f'y2="{y:.1f}" stroke="{THRESHOLD_COLOR}" stroke-width="3" '
                     'stroke-dasharray="8 4"/>')
        parts.append(f'<text x="{left + plot_w}" y="{y - 4:.1f}" font-size="10" '
                     f'text-anchor="end" fill="{THRESHOLD_COLOR}">threshold '
                     f'{threshold:.4g}</text>')
    parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 4}" font-size="11" '
                 f'text-anchor="middle">{_e(x_label)}</text>')
    parts.append(f'<text x="12" y="{top + plot_h / 2:.1f}" font-size="11" '
                 f'text-anchor="middle" transform="rotate(-90 12 {top + plot_h / 2:.1f})">'
                 f'{_e(y_label)}</text></svg>')
    return "".join(parts)


def _badge(status: str) -> str:
    return (f'<span class="badge" style="background:{COLORS.get(status, "#555")}">'
            f"{_e(status)}</span>")


def _check_section(check: CheckResult, plots: dict[str, SeriesPlot]) -> str:
    parts = [f'<div class="check" id="{_e(check.id)}"><h3>{_e(check.name)} {_badge(check.status)}'
             f'</h3><p class="muted">{_e(check.id)} · {check.score:g} of {check.max_score:g} '
             "points</p>", f"<pre>{_e(check.feedback.strip() or '(no feedback)')}</pre>"]
    if check.counterexample:
        parts.append(f"<p><b>Smallest failing input</b></p><pre>{_e(check.counterexample)}"
                     "</pre>")
    scalars = {k: v for k, v in check.metrics.items()
               if not _SERIES.match(k) and not k.endswith(".threshold")}
    if scalars:
        parts.append("<table><tr><th>measured</th><th>value</th></tr>" + "".join(
            f'<tr><td>{_e(k)}</td><td class="num">{v:.4g}</td></tr>'
            for k, v in scalars.items()) + "</table>")
    for family, (labels, values, threshold) in series_of(check).items():
        parts.append(series_svg(family, labels, values, threshold, plot=plots.get(family)))
    parts.append("</div>")
    return "".join(parts)


def _plots(exercise: str) -> dict[str, SeriesPlot]:
    """The exercise's series plots by family (none when it is not installed here)."""
    from checkers.engine.registry import get_exercise

    try:
        return {plot.family: plot for plot in get_exercise(exercise).series}
    except GraderError:
        return {}


def render_feedback(row: Row) -> str:
    """One student's feedback page (self-contained HTML)."""
    report = row.report
    share = report.score / report.max_score if report.max_score > 0 else 0.0
    color = COLORS["passed"] if share >= 0.999 else COLORS["failed"] if share >= 0.5 \
        else COLORS["error"]
    summary = "".join(
        f'<tr><td><a href="#{_e(c.id)}">{_e(c.name)}</a></td>'
        f'<td class="num">{c.score:g}/{c.max_score:g}</td><td>{_badge(c.status)}</td></tr>'
        for c in report.checks)
    notes = "".join(f"<li>{_e(n)}</li>" for n in report.notes)
    title = f"{report.exercise}: feedback for {row.student}"
    plots = _plots(report.exercise)
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="muted">graded {_e(row.graded_at)} · seed {report.seed} · grader '
        f"{_e(report.grader_version)} · gradebook status {_e(row.status)}</p>",
        f'<p class="score">{report.score:g} / {report.max_score:g}</p>',
        f'<div class="bar"><span style="width:{100 * share:.1f}%;background:{color}"></span>'
        "</div>",
        f"<h2>Notes</h2><ul>{notes}</ul>" if notes else "",
        "<h2>Checks</h2>",
        f"<table><tr><th>check</th><th>points</th><th>status</th></tr>{summary}</table>",
        *(_check_section(c, plots) for c in report.checks),
        "</body></html>",
    ])


def page_name(student: str) -> str:
    """The file name of a student's page (letters, digits and ``-_.@+`` kept)."""
    name = "".join(ch if ch.isalnum() or ch in "-_.@+" else "_" for ch in student)
    return (name.strip(".") or "_") + ".html"


def write_feedback(rows: list[Row], out: Path, *, exercise: str) -> list[Path]:
    """Write one page per row into ``out`` and an ``index.html`` linking them."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written, taken = [], set()
    links = []
    for row in rows:
        name = page_name(row.student)
        stem = name[: -len(".html")]
        n = 1
        while name in taken or name == "index.html":
            n += 1
            name = f"{stem}-{n}.html"
        taken.add(name)
        target = out / name
        target.write_text(render_feedback(row), encoding="utf-8")
        written.append(target)
        links.append(f'<tr><td><a href="{_e(name)}">{_e(row.student)}</a></td>'
                     f'<td class="num">{row.score:g}/{row.max_score:g}</td>'
                     f"<td>{_e(row.status)}</td></tr>")
    index = "\n".join([
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'\">",
        f"<title>{_e(exercise)}: feedback</title><style>{_STYLE}</style></head><body>",
        f"<h1>{_e(exercise)}: feedback pages</h1>",
        "<table><tr><th>student</th><th>score</th><th>status</th></tr>", *links,
        "</table></body></html>"])
    (out / "index.html").write_text(index, encoding="utf-8")
    return written
