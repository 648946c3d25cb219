"""Key-point / sentence pairs generated from the rubric (issue 13), to train the pair head.

For every statement ``s`` of a key point (the rubric's statements and reference sentences):

- positives (states the point): ``s`` itself read against the point's *other* statements
  (leave-one-out: a paraphrase) and a terse rewrite of ``s`` (``→``, ``=``, ``+``, ``w/``,
  abbreviations, no articles);
- contradictions (states the opposite): ``s`` negated, ``s`` with one role / antonym of the
  question exchanged (``lexicon.yaml`` pairs, the rubric's antonyms), wrong numbers;
- neutral (states neither): the statements of the question's other points, ``s``'s subject
  with a predicate taken from another question (a made-up mechanism in the right
  vocabulary), a statement of another question.

Everything is deterministic given the seed.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from checkers.exercises.qa import languages
from checkers.exercises.qa import text as qa_text
from checkers.exercises.qa.keypoints import QUESTIONS, Question


@dataclass(frozen=True)
class Pair:
    """One generated example: ``text`` read against ``point``; ``left_out`` is the
    statement it was made from (not used as a reference for it)."""

    question: str
    point: str
    text: str
    entail: int
    contra: int
    left_out: str | None
    kind: str


_NEGATE = tuple((re.compile(a), b) for a, b in (
    (r"\bcannot\b", "can"), (r"\bcan not\b", "can"), (r"\bcan't\b", "can"),
    (r"\bdoes not\b", "does"), (r"\bdo not\b", "do"), (r"\bdon't\b", "do"),
    (r"\bdoesn't\b", "does"), (r"\bis not\b", "is"), (r"\bare not\b", "are"),
    (r"\bmust not\b", "must"), (r"\bnever\b", "always"), (r"\bno longer\b", "still"),
    (r"\bhas not\b", "has"), (r"\bnot\b", ""), (r"\bno\b", "some"),
    (r"\bcan\b", "cannot"), (r"\bmust\b", "does not need to"), (r"\bshould\b", "should not"),
    (r"\bwill\b", "will not"), (r"\bis\b", "is not"), (r"\bare\b", "are not"),
    (r"\bhave to\b", "do not have to"), (r"\bneeds\b", "does not need"),
    (r"\bneed\b", "do not need"),
))
_VERB_S = re.compile(
    r"\b(keeps|makes|lets|finds|turns|controls|changes|produces|outputs|helps|captures|reads"
    r"|generates|maintains|explores|tracks|computes|approximates|identifies|avoids|gives"
    r"|uses|remembers|learns|stops|picks|takes|chooses|adds|divides|rescales|focuses"
    r"|extends|looks|decides|summarises|compresses|creates|allows|works|depends|sees"
    r"|becomes|avoids|shows|means|predicts|feeds|ignores|scores)\b")
_TERSE = tuple((re.compile(a), b) for a, b in (
    (r",? so that\b|,? so\b|,? therefore\b|,? which means\b|,? hence\b", " →"),
    (r"\band\b", "+"), (r"\bwith\b", "w/"), (r"\bwithout\b", "w/o"), (r"\bis\b", "="),
    (r"\bare\b", "="), (r"\bbecause\b", "b/c"), (r"\bsequences\b", "seqs"),
    (r"\bsequence\b", "seq"), (r"\bencoder\b", "enc"), (r"\bdecoder\b", "dec"),
    (r"\bvocabulary\b", "vocab"), (r"\bprobability\b", "prob"), (r"\bcharacters\b", "chars"),
    (r"\bdependencies\b", "deps"), (r"\bthe\b|\ba\b|\ban\b", ""), (r"\blength\b", "len"),
    (r"\brepresentation\b", "repr"), (r"\battention\b", "attn"), (r"\bpredictions\b", "preds"),
    (r"\btemperature\b", "t"), (r"\bdifferent\b", "diff"),
))
_NUMBERS = tuple((re.compile(a), b) for a, b in (
    (r"t\s*\+\s*1", "t - 1"), (r"\bone step\b", "two steps"), (r"\bleft\b", "right"),
    (r"\bk best\b", "single best"), (r"\bhighest\b", "lowest"), (r"\bzero\b", "one"),
    (r"\btens of thousands\b", "a handful"), (r"\bfew dozen\b", "hundreds of thousands"),
))
_SUBJECT = re.compile(
    r"^(.*?)\b(is|are|can|cannot|must|keeps|makes|lets|uses|needs|does|do|has|have|gives"
    r"|controls|changes|turns|produces|finds|helps|reads|generates|computes|will|should)\b")


def negate(sentence: str) -> str | None:
    """``sentence`` with its claim negated (first rule that applies), or None."""
    for pattern, replacement in _NEGATE:
        if pattern.search(sentence):
            return " ".join(pattern.sub(replacement, sentence, count=1).split())
    found = _VERB_S.search(sentence)
    if found:
        verb = found.group(1)
        base = verb[:-2] if verb.endswith(("shes", "ches", "sses")) else verb[:-1]
        return sentence[:found.start()] + f"does not {base}" + sentence[found.end():]
    return None


def swap_roles(sentence: str, question: Question, rng: random.Random) -> str | None:
    """``sentence`` with the words of one role / antonym pair exchanged, or None."""
    candidates = [pair for pair in languages.role_words(question.id)
                  if languages.exchange_role(sentence, pair)]
    if not candidates:
        return None
    return languages.exchange_role(sentence, rng.choice(candidates))


def terse_rewrite(sentence: str) -> str:
    """A note-style rewrite of ``sentence`` (what a student jots down)."""
    for pattern, replacement in _TERSE:
        sentence = pattern.sub(replacement, sentence)
    return " ".join(sentence.replace(" ,", ",").split()).strip(" .")


def wrong_number(sentence: str) -> str | None:
    """``sentence`` with a number / direction made wrong, or None."""
    for pattern, replacement in _NUMBERS:
        if pattern.search(sentence):
            return pattern.sub(replacement, sentence, count=1)
    return None


def invented(sentence: str, other: str) -> str | None:
    """The subject of ``sentence`` with the predicate of ``other`` (another question's
    statement): right vocabulary, made-up mechanism."""
    mine, theirs = _SUBJECT.match(sentence), _SUBJECT.match(other)
    if not mine or not theirs or not mine.group(1).strip():
        return None
    return f"{mine.group(1).strip()} {other[theirs.start(2):]}"


def generate(seed: int = 0) -> list[Pair]:
    """All generated pairs (deterministic for a seed)."""
    rng = random.Random(seed)
    pairs: list[Pair] = []
    all_statements = [(q, s) for q in QUESTIONS for p in q.points
                      for s in q.statements_for(p)]
    for question in QUESTIONS:
        for point in question.points:
            others = [p for p in question.points if p.id != point.id]
            for raw in question.statements_for(point):
                s = qa_text.normalize(raw)
                add = lambda text, e, c, kind, lo=s, pid=point.id, qid=question.id: (  # noqa: E731
                    pairs.append(Pair(qid, pid, text, e, c, lo, kind)))
                add(s, 1, 0, "paraphrase")
                add(terse_rewrite(s), 1, 0, "terse")
                neg = negate(s)
                if neg:
                    add(neg, 0, 1, "negated")
                swapped = swap_roles(s, question, rng)
                if swapped:
                    add(swapped, 0, 1, "swap")
                number = wrong_number(s)
                if number:
                    add(number, 0, 1, "number")
                for other_q, other_s in rng.sample(all_statements, 6):
                    if other_q.id == question.id:
                        continue
                    made_up = invented(s, qa_text.normalize(other_s))
                    if made_up:
                        add(made_up, 0, 0, "invented")
                        break
                other_q, other_s = rng.choice(all_statements)
                if other_q.id != question.id:
                    add(qa_text.normalize(other_s), 0, 0, "off_topic", None)
                for other in others:
                    add(s, 0, 0, "other_point", None, other.id)
    return pairs
