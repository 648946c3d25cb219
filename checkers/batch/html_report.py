"""The instructor's class report: one self-contained HTML page with inline SVG plots.

No script, no external file, no network: a Content-Security-Policy forbids loading
anything, and every text from a submission (feedback quotes what students' code returned)
is HTML-escaped. Sections: summary figures, score distribution, outcome of each check
(pass rate), the most frequent failure messages with an example counterexample each, and
the gradebook as a table.
"""

from __future__ import annotations

import html
import re
import statistics
import time
from collections import Counter
from dataclasses import dataclass

from checkers.batch.exports import check_columns
from checkers.batch.gradebook import Row
from checkers.engine.registry import review_metrics

COLORS = {"passed": "#2e7d32", "failed": "#ef6c00", "error": "#b71c1c", "timeout": "#f9a825",
          "blocked": "#6a1b9a", "missing": "#b71c1c", "not_implemented": "#b71c1c",
          "skipped": "#1565c0"}
BAR_COLOR = "#3366cc"
FAILURE_COLOR = "#8e24aa"
_DIGITS = re.compile(r"\d+(\.\d+)?")


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _percent(row: Row) -> float:
    return 100.0 * row.score / row.max_score if row.max_score > 0 else 0.0


def histogram_svg(values: list[float], bins: int = 10, width: int = 560,
                  height: int = 260) -> str:
    """An SVG histogram of percentages (0–100) in ``bins`` equal bins."""
    counts = [0] * bins
    for value in values:
        counts[min(bins - 1, max(0, int(value * bins / 100.0)))] += 1
    left, bottom, top = 40, 30, 14
    plot_w, plot_h = width - left - 10, height - bottom - top
    peak = max(counts) or 1
    bar_w = plot_w / bins
    parts = [f'<svg class="plot" role="img" aria-label="score distribution" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}">',
             f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" '
             f'y2="{top + plot_h}" stroke="#333"/>',
             f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#333"/>']
    for i, count in enumerate(counts):
        h = plot_h * count / peak
        x = left + i * bar_w
        parts.append(f'<rect class="bar" x="{x + 2:.1f}" y="{top + plot_h - h:.1f}" '
                     f'width="{bar_w - 4:.1f}" height="{h:.1f}" fill="{BAR_COLOR}">'
                     f'<title>{i * 100 // bins}–{(i + 1) * 100 // bins}%: {count}</title></rect>')
        if count:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h - h - 3:.1f}" '
                         f'text-anchor="middle" font-size="11">{count}</text>')
        parts.append(f'<text x="{x:.1f}" y="{top + plot_h + 14}" font-size="10" '
                     f'text-anchor="middle">{i * 100 // bins}</text>')
    parts.append(f'<text x="{left + plot_w:.1f}" y="{top + plot_h + 14}" font-size="10" '
                 f'text-anchor="middle">100</text>')
    parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 2}" font-size="11" '
                 f'text-anchor="middle">score (% of the maximum)</text>')
    parts.append(f'<text x="12" y="{top + plot_h / 2:.1f}" font-size="11" text-anchor="middle" '
                 f'transform="rotate(-90 12 {top + plot_h / 2:.1f})">submissions</text>')
    parts.append("</svg>")
    return "".join(parts)


def outcomes_svg(rows: list[Row], checks: list[str], width: int = 760) -> str:
    """Per check, a stacked bar of the statuses (passed, failed, error, timeout, blocked)."""
    label_w, row_h, top = 230, 26, 24
    plot_w = width - label_w - 70
    height = top + row_h * len(checks) + 10
    parts = [f'<svg class="plot" role="img" aria-label="pass rate per check" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}">']
    x = label_w
    for status, color in COLORS.items():
        parts.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{color}"/>'
                     f'<text x="{x + 16}" y="14" font-size="11">{status}</text>')
        x += 90
    for i, check_id in enumerate(checks):
        statuses = Counter(c.status for row in rows for c in row.report.checks
                           if c.id == check_id)
        total = sum(statuses.values()) or 1
        y = top + i * row_h
        parts.append(f'<text x="{label_w - 6}" y="{y + 16}" font-size="12" '
                     f'text-anchor="end">{_e(check_id)}</text>')
        x = float(label_w)
        for status, color in COLORS.items():
            w = plot_w * statuses.get(status, 0) / total
            if w > 0:
                parts.append(f'<rect class="seg-{status}" x="{x:.1f}" y="{y + 3}" '
                             f'width="{w:.1f}" height="{row_h - 8}" fill="{color}">'
                             f'<title>{_e(check_id)}: {statuses[status]} {status}</title></rect>')
            x += w
        rate = 100.0 * statuses.get("passed", 0) / total
        parts.append(f'<text x="{label_w + plot_w + 6}" y="{y + 16}" font-size="12">'
                     f'{rate:.0f}%</text>')
    parts.append("</svg>")
    return "".join(parts)


@dataclass
class FailureGroup:
    """Submissions that failed one check with the same message (numbers aside)."""

    check_id: str
    message: str
    count: int
    students: list[str]
    counterexample: str | None


def failure_groups(rows: list[Row], limit: int = 12) -> list[FailureGroup]:
    """The most frequent failure messages, per check, most frequent first."""
    groups: dict[tuple[str, str], FailureGroup] = {}
    for row in rows:
        if row.status in ("missing", "grader_error"):  # listed on their own, not per check
            continue
        for check in row.report.checks:
            if check.status == "passed":
                continue
            first = (check.feedback.strip().splitlines() or ["(no feedback)"])[0]
            key = (check.id, _DIGITS.sub("#", first)[:160])
            group = groups.get(key)
            if group is None:
                group = groups[key] = FailureGroup(check.id, first[:300], 0, [], None)
            group.count += 1
            group.students.append(row.student)
            if group.counterexample is None and check.counterexample:
                group.counterexample = check.counterexample[:400]
    ordered = sorted(groups.values(), key=lambda g: (-g.count, g.check_id, g.message))
    return ordered[:limit]


def failures_svg(groups: list[FailureGroup], width: int = 760) -> str:
    """A horizontal bar per frequent failure message, labelled by its rank and check."""
    row_h, label_w = 22, 190
    plot_w = width - label_w - 60
    height = row_h * len(groups) + 8
    peak = max((g.count for g in groups), default=1)
    parts = [f'<svg class="plot" role="img" aria-label="most frequent failures" '
             f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">']
    for i, group in enumerate(groups):
        y = 4 + i * row_h
        w = plot_w * group.count / peak
        parts.append(f'<text x="{label_w - 6}" y="{y + 14}" font-size="12" '
                     f'text-anchor="end">#{i + 1} {_e(group.check_id.split(".", 1)[-1])}</text>'
                     f'<rect class="failure" x="{label_w}" y="{y + 2}" width="{w:.1f}" '
                     f'height="{row_h - 6}" fill="{FAILURE_COLOR}">'
                     f'<title>{_e(group.check_id)}: {_e(group.message)}</title></rect>'
                     f'<text x="{label_w + w + 6:.1f}" y="{y + 14}" font-size="12">'
                     f'{group.count}</text>')
    parts.append("</svg>")
    return "".join(parts)


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 24px; color: #222; background: #fff; }
h1 { margin-bottom: 4px; } h2 { margin-top: 32px; border-bottom: 1px solid #ccc; }
.figures { display: flex; gap: 16px; flex-wrap: wrap; }
.figure { background: #f3f6fb; border-radius: 6px; padding: 10px 16px; min-width: 110px; }
.figure b { display: block; font-size: 22px; }
table { border-collapse: collapse; font-size: 13px; }
td, th { border: 1px solid #ddd; padding: 3px 6px; vertical-align: top; }
th { background: #f0f0f0; }
td.num { text-align: right; }
td.passed { background: #c8e6c9; } td.failed { background: #ffe0b2; }
td.error { background: #ffcdd2; } td.timeout { background: #fff59d; }
td.blocked { background: #e1bee7; }
pre { white-space: pre-wrap; margin: 0; font-size: 12px; max-width: 520px; }
.muted { color: #666; }
"""


def _summary(rows: list[Row]) -> str:
    scores = [_percent(r) for r in rows] or [0.0]
    statuses = Counter(r.status for r in rows)
    figures = [("submissions", len(rows)), ("mean", f"{statistics.fmean(scores):.1f}%"),
               ("median", f"{statistics.median(scores):.1f}%"),
               ("min", f"{min(scores):.1f}%"), ("max", f"{max(scores):.1f}%")]
    figures += [(status, count) for status, count in sorted(statuses.items())]
    return '<div class="figures">' + "".join(
        f'<div class="figure"><span class="muted">{_e(k)}</span><b>{_e(v)}</b></div>'
        for k, v in figures) + "</div>"


def _failure_table(groups: list[FailureGroup]) -> str:
    lines = ["<table><tr><th>#</th><th>check</th><th>count</th><th>message</th>"
             "<th>example counterexample</th><th>students</th></tr>"]
    for i, group in enumerate(groups, start=1):
        students = ", ".join(group.students[:8]) + (" …" if len(group.students) > 8 else "")
        lines.append(f"<tr><td>{i}</td><td>{_e(group.check_id)}</td>"
                     f'<td class="num">{group.count}</td><td><pre>{_e(group.message)}</pre></td>'
                     f"<td><pre>{_e(group.counterexample or '')}</pre></td>"
                     f"<td>{_e(students)}</td></tr>")
    lines.append("</table>")
    return "".join(lines)


def _first_note(row: Row) -> str:
    text = "\n".join(row.report.notes).strip()
    return text.splitlines()[0][:300] if text else ""


def _ungraded_list(rows: list[Row]) -> str:
    ungraded = [r for r in rows if r.status in ("missing", "grader_error")]
    if not ungraded:
        return ""
    items = "".join(f"<li><b>{_e(r.student)}</b> ({_e(r.status)}): {_e(_first_note(r))}</li>"
                    for r in ungraded)
    return f"<h3>Submissions that could not be graded</h3><ul>{items}</ul>"


def _gradebook_table(rows: list[Row], checks: list[str]) -> str:
    header = "".join(f"<th>{_e(c.split('.', 1)[-1])}</th>" for c in checks)
    lines = [f"<table><tr><th>student</th><th>score</th><th>status</th>{header}</tr>"]
    for row in rows:
        results = {c.id: c for c in row.report.checks}
        review = review_metrics(row.exercise)
        cells = []
        for check_id in checks:
            result = results.get(check_id)
            if result is None:
                cells.append("<td></td>")
                continue
            tip = _e(result.feedback.strip().splitlines()[0][:200] if result.feedback else "")
            mark = (" ✎" if result.metrics.get("overridden")
                    else " ?" if review is not None and review.flagged(result.metrics)
                    else "")
            cells.append(f'<td class="num {_e(result.status)}" title="{tip}">'
                         f"{result.score:g}/{result.max_score:g}{mark}</td>")
        lines.append(f"<tr><td>{_e(row.student)}</td>"
                     f'<td class="num">{row.score:g}/{row.max_score:g}</td>'
                     f"<td>{_e(row.status)}</td>{''.join(cells)}</tr>")
    lines.append("</table>")
    return "".join(lines)


def render_html(rows: list[Row], *, exercise: str, title: str | None = None) -> str:
    """The class report for the gradebook rows of one exercise, as one HTML page."""
    checks = check_columns(rows)
    groups = failure_groups(rows)
    versions = sorted({r.report.grader_version for r in rows})
    generated = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    title = title or f"seqgrade class report: {exercise}"
    failures = (failures_svg(groups) + _failure_table(groups)) if groups else \
        "<p>No check failed.</p>"
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="muted">generated {generated} · grader {_e(", ".join(versions))}</p>',
        _summary(rows),
        "<h2>Score distribution</h2>",
        histogram_svg([_percent(r) for r in rows]),
        "<h2>Pass rate per check</h2>",
        outcomes_svg(rows, checks),
        "<h2>Most frequent failures</h2>",
        failures,
        _ungraded_list(rows),
        "<h2>Gradebook</h2>",
        '<p class="muted">✎ score set by the instructor · ? needs review '
        "(seqgrade review)</p>",
        _gradebook_table(rows, checks),
        "</body></html>",
    ])
