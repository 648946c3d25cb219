"""Text handling for ``qa`` grading: normalisation, sentence/clause units, word lists.

Everything is computed on the normalised text (NFKC, case-folded, markup stripped,
whitespace collapsed), so case and whitespace changes cannot move a score.
"""

from __future__ import annotations

import re
import unicodedata

MAX_WORDS = 300  # only the first MAX_WORDS words of an answer are graded
MAX_SENTENCE_WORDS = 45

FUNCTION_WORDS = frozenset(
    """a an the this that these those it its it's they them their there here i you we he she
    is are was were be been being am do does did done have has had having will would can
    could should shall may might must not no never nor neither cannot can't won't don't
    doesn't isn't aren't wasn't didn't of in on at to for from by with without into onto
    over under about across between through during before after since until than then
    so such as if because while whereas but and or also only just even still yet very too
    more most less least much many few some any all each every other another which what
    who whom whose when where why how both either one ones instead rather what's that's
    up out off down again once further own same s t""".split()
)

_NEGATION_STRIP = (
    (re.compile(r"\bcannot\b"), "can"),
    (re.compile(r"\bcan't\b"), "can"),
    (re.compile(r"\bwon't\b"), "will"),
    (re.compile(r"\bwithout\b"), "with"),
    (re.compile(r"\bunable to\b"), "able to"),
    (re.compile(r"\bno longer\b"), "still"),
    (re.compile(r"n't\b"), ""),
    (re.compile(r"\b(?:not|never|neither|nor)\b ?"), ""),
    (re.compile(r"\bno\b ?"), ""),
)

_TAG = re.compile(r"<[^<>]{0,200}>")
_MARKUP = re.compile(r"[*_`#|~\\]+|^\s*>+|\[(?=[^\]]*\]\()|\]\([^)]*\)")
_SENTENCE_SPLIT = re.compile(
    r"(?<=[.!?;])\s+|\s+(?:[-*•–—]|\d{1,2}[.)])\s+|^(?:[-*•–—]|\d{1,2}[.)])\s+"
)
_CLAUSE_SPLIT = re.compile(
    r",\s*(?:but|whereas|while|however|although|though|yet|and|so)\s+|"
    r"\s+(?:but|whereas|however|although|though)\s+|;\s*|:\s+|\s+-\s+"
)
_ABBREVIATION = re.compile(r"\b(?:e\.g\.|i\.e\.|vs\.|etc\.|cf\.|resp\.)")
_TOKEN = re.compile(r"[^\W_]+(?:['\-][^\W_]+)*")


def normalize(text: str) -> str:
    """Case-folded, NFKC, markup-free, single-spaced text (the only form ever graded)."""
    text = unicodedata.normalize("NFKC", text)
    text = unicodedata.normalize("NFKC", text.casefold())
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = "".join(
        " " if unicodedata.category(ch).startswith("C") else ch for ch in text
    )
    text = _TAG.sub(" ", text)
    text = " ".join(text.split())
    text = _MARKUP.sub(" ", text)
    return " ".join(text.split())


def tokens(text: str) -> list[str]:
    """Word tokens of (normalised) text."""
    return _TOKEN.findall(text)


def stem(word: str) -> str:
    """A crude stem (drops common suffixes) for comparing words with the question."""
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def content_stems(text: str) -> set[str]:
    """Stems of the content (non-function) words of ``text``."""
    return {stem(t) for t in tokens(text) if t not in FUNCTION_WORDS}


def truncate_words(text: str, limit: int = MAX_WORDS) -> tuple[str, bool]:
    """The first ``limit`` words of normalised text, and whether anything was cut."""
    words = text.split()
    if len(words) <= limit:
        return text, False
    return " ".join(words[:limit]), True


def _chunks(sentence: str) -> list[str]:
    words = sentence.split()
    if len(words) <= MAX_SENTENCE_WORDS:
        return [sentence]
    step = MAX_SENTENCE_WORDS * 2 // 3
    return [
        " ".join(words[i : i + MAX_SENTENCE_WORDS])
        for i in range(0, max(1, len(words) - MAX_SENTENCE_WORDS + step), step)
    ]


def sentences(text: str) -> list[str]:
    """Sentences (and list items) of normalised text; long ones are cut into chunks."""
    out: list[str] = []
    text = _ABBREVIATION.sub(lambda m: m.group(0).replace(".", ""), text)
    for part in _SENTENCE_SPLIT.split(text):
        part = part.strip(" .!?;,-*•–—")
        if part and tokens(part):
            out.extend(_chunks(part))
    return out


def units(text: str, max_units: int = 120) -> list[str]:
    """What is compared with the key points: sentences, their clauses, adjacent pairs."""
    sents = sentences(text)
    found: dict[str, None] = {}
    for i, sentence in enumerate(sents):
        found[sentence] = None
        clauses = [c.strip(" .,;:") for c in _CLAUSE_SPLIT.split(sentence)]
        clauses = [c for c in clauses if tokens(c)]
        if len(clauses) > 1:
            for clause in clauses:
                found[clause] = None
        if i + 1 < len(sents):
            found[f"{sentence}. {sents[i + 1]}"] = None
    return list(found)[:max_units]


def strip_negation(text: str) -> str:
    """``text`` with its negation cues removed ("cannot learn" → "can learn")."""
    for pattern, replacement in _NEGATION_STRIP:
        text = pattern.sub(replacement, text)
    return " ".join(text.split())


def function_word_ratio(text: str) -> float:
    """Share of function words among the tokens (keyword salad has almost none)."""
    toks = tokens(text)
    if not toks:
        return 0.0
    return sum(t in FUNCTION_WORDS for t in toks) / len(toks)
