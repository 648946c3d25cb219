"""Exercise ``qa``: ten conceptual questions graded by key-point coverage.

The submission is a text file (``answers.md`` with ``## qN`` headings, or YAML/JSON), never
executed. The engine reads it with :func:`checkers.exercises.qa.answers.load_answers` and
passes the result as ``ctx.options.answers`` (``qN`` → text) or the reading error as
``ctx.options.answers_error``. Each check ``qa.qN`` grades one answer with
:func:`checkers.exercises.qa.scoring.grade_answer`; the exercise's ``prepare`` embeds every
answer of the file at once first. The option ``qa_model_path`` may name another
sentence-embedding model folder. Metrics: ``similarity_<point>`` and
``probability_<point>`` per key point, ``confidence`` (probability that the score's band is
right) and ``needs_review`` (1.0 when the confidence is below the review threshold: the
instructor sees it in ``seqgrade review``).
"""

from __future__ import annotations

from collections.abc import Callable

from checkers.authoring import Check, Context, Exercise, Option, Outcome, ReviewMetrics
from checkers.exercises.qa.answers import load_answers
from checkers.exercises.qa.keypoints import QUESTIONS
from checkers.exercises.qa.scoring import POINTS_PER_QUESTION, grade_answer, prefetch_answers

MODEL_OPTION = Option("qa_model_path", str, None,
                      "another sentence-embedding model folder")


def _prefetch(ctx: Context) -> None:
    """Embed the file's English answers together (fewer, larger batches), once per file."""
    answers = ctx.options.answers or {}
    if not ctx.options.answers_error and isinstance(answers, dict):
        prefetch_answers(answers, model_path=ctx.option(MODEL_OPTION.name))


def _make_check(question_id: str) -> Callable[[Context], Outcome]:
    """The check function for one question."""

    def run(ctx: Context) -> Outcome:
        error = ctx.options.answers_error
        if error:
            return Outcome.failed(f"Your answers could not be read: {error}")
        answers = ctx.options.answers or {}
        text = answers.get(question_id, "") if isinstance(answers, dict) else ""
        result = grade_answer(question_id, text, model_path=ctx.option(MODEL_OPTION.name))
        metrics = {f"similarity_{p.point.id}": p.similarity for p in result.points}
        metrics.update({f"probability_{p.point.id}": p.probability for p in result.points})
        metrics["score"] = result.score
        metrics["confidence"] = result.confidence
        metrics["needs_review"] = float(result.needs_review)
        return Outcome(result.fraction, result.feedback(), None, metrics)

    run.__name__ = f"check_{question_id}"
    run.__doc__ = f"Grade the answer to {question_id} by key-point coverage."
    return run


CHECKS: tuple[Check, ...] = tuple(
    Check(
        f"qa.{q.id}",
        f"{q.id}: {q.text}",
        POINTS_PER_QUESTION,
        _make_check(q.id),
        call_timeout=120,
    )
    for q in QUESTIONS
)

EXERCISE = Exercise(
    name="qa",
    title="Conceptual questions on sequence models",
    checks=CHECKS,
    stub_file="qa.md",
    solution_file="qa_answers.md",
    grades="text",
    read_text=load_answers,
    options=(MODEL_OPTION,),
    prepare=_prefetch,
    extras=("qa",),
    review=ReviewMetrics(flag="needs_review", confidence="confidence"),
)
