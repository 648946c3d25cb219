"""``seqgrade review``: the flagged grades of a gradebook, and the instructor's scores.

    seqgrade review --db grades.sqlite                  # interactive (a terminal), else a list
    seqgrade review --db grades.sqlite --list [--all]   # the flagged checks, with verdicts
    seqgrade review --db grades.sqlite --set alice X.q3=7 X.q5=4 --reason "reads fine"
    seqgrade review --db grades.sqlite --clear alice X.q3
    seqgrade review --db grades.sqlite --serve [--port N]   # the review page, in a browser

The flagged checks come grouped by question (in the exercise's check order, a header line
where the question changes), the lowest confidence first, each with the sentence that
decided it (``decided by: "…"``).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from checkers.cli.common import EXIT_OK, EXIT_USAGE

if TYPE_CHECKING:
    from checkers.batch.gradebook import Gradebook
    from checkers.batch.review import Flagged


def install_review(commands: argparse._SubParsersAction) -> None:
    """Register ``seqgrade review``."""
    review = commands.add_parser(
        "review", help="grades flagged 'needs review': see the key-point verdicts, set scores")
    review.add_argument("--db", required=True)
    review.add_argument("--exercise", help="when the gradebook holds several exercises")
    review.add_argument("--list", action="store_true", help="only list the flagged checks")
    review.add_argument("--all", action="store_true",
                        help="also list checks whose score was already set")
    review.add_argument("--set", nargs="+", action="append", metavar="STUDENT CHECK=SCORE",
                        help="set scores without prompting: a student, then CHECK=SCORE ...")
    review.add_argument("--reason", default="", help="why (kept with the score, shown to "
                                                     "the student)")
    review.add_argument("--clear", nargs=2, action="append", metavar=("STUDENT", "CHECK"),
                        help="drop a score set earlier (the grader's counts again)")
    review.add_argument("--serve", action="store_true",
                        help="serve the review page on 127.0.0.1 (its address, with a "
                             "secret token, is printed)")
    review.add_argument("--port", type=int, default=0,
                        help="with --serve: the port (default: any free one)")
    review.add_argument("--who", default="",
                        help="the reviewer's name in the audit trail (default: "
                             "SEQGRADE_REVIEWER, else the login name)")
    review.set_defaults(run=_cmd_review)


def _cmd_review(args: argparse.Namespace) -> int:
    from checkers.batch.gradebook import Gradebook, pick_exercise

    if not Path(args.db).exists():
        print(f"seqgrade: no gradebook at {args.db}", file=sys.stderr)
        return EXIT_USAGE
    with Gradebook(args.db) as book:
        try:
            exercise = pick_exercise(book, args.exercise)
            if args.serve and (args.set or args.clear or args.list):
                raise ValueError("--serve does not go with --set, --clear or --list")
            if args.set or args.clear:
                return _non_interactive(book, exercise, args)
        except ValueError as error:
            print(f"seqgrade: {error}", file=sys.stderr)
            return EXIT_USAGE
        if args.serve:
            return _serve(book.path, exercise, args.port, args.who)
        if args.list or not sys.stdin.isatty():
            return _list(book, exercise, args.all)
        return _interactive(book, exercise, input)


def _non_interactive(book, exercise: str, args: argparse.Namespace) -> int:
    from checkers.batch.review import set_scores

    for student, check_id in args.clear or ():
        found = book.clear_override(exercise, student, check_id, who=args.who)
        print(f"{student} {check_id}: " + ("instructor score removed" if found
                                            else "had no instructor score"))
    for group in args.set or ():
        if len(group) < 2:
            raise ValueError("--set takes a student and at least one CHECK=SCORE")
        student, assignments = group[0], group[1:]
        for check_id, score in set_scores(book, exercise, student, assignments, args.reason,
                                          args.who):
            print(f"{student} {check_id}: score set to {score:g}")
    return EXIT_OK


def _serve(db: Path, exercise: str, port: int, who: str) -> int:
    from checkers.batch.review_server import ReviewServer

    if not 0 <= port <= 65535:
        print("seqgrade: --port must be between 0 and 65535", file=sys.stderr)
        return EXIT_USAGE
    try:
        server = ReviewServer(db, exercise, port=port, who=who)
    except OSError as error:
        print(f"seqgrade: cannot serve on 127.0.0.1:{port}: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(f"reviewing {exercise} in {db} as {server.who or '(no name)'}")
    print(f"open {server.url}", flush=True)
    print("(local only; the token is required on every request; Ctrl-C stops)", flush=True)
    server.serve_forever()
    return EXIT_OK


def _describe(item: Flagged, index: int, total: int) -> str:
    """One flagged check for the terminal: student, check, score and confidence, the
    sentence that decided it (``decided by: "…"``), the answer, the verdicts."""
    from checkers.batch.review import answer_text

    confidence = "" if item.confidence is None else f", confidence {item.confidence:.2f}"
    state = " [score set by the instructor]" if item.overridden else ""
    lines = [f"[{index}/{total}] {item.student}  {item.check_id}: "
             f"{item.score:g}/{item.max_score:g}{confidence}{state}"]
    if item.deciding:
        lines.append(f'  decided by: "{item.deciding}"')
    answer = answer_text(item)
    if answer:
        lines.append("  answer: " + " ".join(answer.split())[:600])
    feedback = item.feedback
    for verdict in ("covered", "missing", "contradicted"):
        feedback = feedback.replace(f". {verdict}:", f".\n{verdict}:")
    for part in feedback.splitlines():
        if part.strip():
            lines.append("  " + part.strip())
    return "\n".join(lines)


def _headers(items: list[Flagged]) -> dict[int, str]:
    """Index → the header line printed before it, where the question changes:
    ``== <exercise>.<check> (4 flagged) ==`` (the items come grouped by check, :func:`flagged`)."""
    counts = Counter((item.exercise, item.check_id) for item in items)
    out, previous = {}, None
    for n, item in enumerate(items):
        group = (item.exercise, item.check_id)
        if group != previous:
            out[n] = f"== {item.check_id} ({counts[group]} flagged) =="
            previous = group
    return out


def _list(book: Gradebook, exercise: str, include_overridden: bool) -> int:
    from checkers.batch.review import flagged

    items = flagged(book.rows(exercise), include_overridden=include_overridden)
    if not items:
        print(f"no {exercise} grades need review")
        return EXIT_OK
    headers = _headers(items)
    for n, item in enumerate(items, 1):
        if n - 1 in headers:
            print(headers[n - 1])
            print()
        print(_describe(item, n, len(items)))
        print()
    print(f"{len(items)} flagged; set a score with: seqgrade review --db {book.path} "
          f"--set STUDENT CHECK=SCORE --reason TEXT")
    return EXIT_OK


def _interactive(book: Gradebook, exercise: str, ask: Callable[[str], str]) -> int:
    from checkers.batch.review import flagged, reviewer

    items = flagged(book.rows(exercise))
    if not items:
        print(f"no {exercise} grades need review")
        return EXIT_OK
    headers = _headers(items)
    for n, item in enumerate(items, 1):
        if n - 1 in headers:
            print(headers[n - 1] + "\n")
        print(_describe(item, n, len(items)))
        while True:
            try:
                reply = ask(f"score 0-{item.max_score:g} (Enter: keep {item.score:g}, "
                            "q: quit) > ").strip()
            except EOFError:
                return EXIT_OK
            if reply.lower() in ("q", "quit"):
                return EXIT_OK
            if not reply:
                score = item.score
            else:
                try:
                    score = float(reply)
                except ValueError:
                    print("  a number, Enter or q")
                    continue
            if not 0.0 <= score <= item.max_score:
                print(f"  between 0 and {item.max_score:g}")
                continue
            break
        reason = "" if not reply else ask("reason (optional) > ").strip()
        book.set_override(exercise, item.student, item.check_id, score,
                          reason or ("grade confirmed" if not reply else ""), who=reviewer())
        print(f"  {item.student} {item.check_id}: {score:g}\n")
    return EXIT_OK
