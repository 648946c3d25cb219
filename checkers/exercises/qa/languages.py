"""The language of an answer, and the symbolic reading the judge makes of a sentence.

An answer may be written in English, Chinese, Hebrew, Bulgarian or Swedish
(:func:`detect_language`). Whatever the language, a sentence is read into a :class:`Frame`:
whether it is negated, and for each role / antonym pair of the question (``lexicon.yaml``:
stateful ↔ stateless, encoder ↔ decoder, training ↔ inference, …) which side it names — or,
for pairs marked ``order``, in which order it names both. Two frames disagree on a claim when
the number of reversals between them (:func:`reversals`: a negation on one side only, a side
exchanged, two roles in swapped order) is odd; two reversals cancel ("a stateless RNN cannot
learn long patterns" states the same as "a stateful RNN can").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import yaml

from checkers.authoring import GraderSetupError
from checkers.exercises.qa import text as qa_text

LEXICON_FILE = Path(__file__).with_name("lexicon.yaml")
LANGUAGES = ("en", "zh", "he", "bg", "sv")
LANGUAGE_NAMES = {"en": "English", "zh": "Chinese", "he": "Hebrew", "bg": "Bulgarian",
                  "sv": "Swedish"}
_SWEDISH = frozenset(
    "och att är det som inte en ett av för med till på kan måste eftersom vid när så den de "
    "man blir sig bara även också utan mycket varje alla eller får ger".split()
)


@lru_cache(maxsize=1)
def lexicon() -> dict:
    """The validated word lists (``lexicon.yaml``)."""
    try:
        data = yaml.safe_load(LEXICON_FILE.read_text(encoding="utf-8"))
        for lang in LANGUAGES:
            for word in data["negation"][lang]:
                re.compile(word)
        for pairs in data["pairs"].values():
            for pair in pairs:
                for side in ("a", "b"):
                    for word in pair[side]["en"]:
                        re.compile(word)
    except (OSError, yaml.YAMLError, KeyError, TypeError, re.error) as error:
        raise GraderSetupError(f"qa lexicon {LEXICON_FILE.name} is malformed: {error}") from error
    return data


def detect_language(text: str) -> str:
    """``"zh"``, ``"he"``, ``"bg"``, ``"sv"`` or ``"en"``: script first, then Swedish
    function words (an answer in any other language is read as English)."""
    han = hebrew = cyrillic = latin = 0
    for ch in text:
        o = ord(ch)
        if 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF:
            han += 1
        elif 0x0590 <= o <= 0x05FF:
            hebrew += 1
        elif 0x0400 <= o <= 0x04FF:
            cyrillic += 1
        elif ch.isalpha():
            latin += 1
    if han >= 4 and han * 3 >= latin:
        return "zh"
    if hebrew >= max(4, latin // 2):
        return "he"
    if cyrillic >= max(4, latin // 2):
        return "bg"
    words = qa_text.tokens(text.casefold())
    swedish = sum(w in _SWEDISH for w in words)
    if words and swedish >= 2 and swedish / len(words) >= 0.08:
        return "sv"
    return "en"


def _pattern(words: list[str], lang: str) -> re.Pattern[str]:
    body = "|".join(f"(?:{w})" for w in words)
    if lang in ("zh", "he"):
        return re.compile(body)
    return re.compile(rf"(?<![^\W_])(?:{body})")


@cache
def _negation(lang: str) -> tuple[re.Pattern[str], tuple[str, ...]]:
    data = lexicon()
    return (_pattern(data["negation"][lang], lang),
            tuple(data.get("not_negation", {}).get(lang) or ()))


@cache
def _pairs(question_id: str,
           lang: str) -> tuple[tuple[re.Pattern[str], re.Pattern[str], bool], ...]:
    out = []
    for pair in lexicon()["pairs"].get(question_id) or ():
        a = pair["a"].get(lang) or pair["a"]["en"]
        b = pair["b"].get(lang) or pair["b"]["en"]
        out.append((_pattern(a, lang), _pattern(b, lang), bool(pair.get("order"))))
    return tuple(out)


@cache
def _compounds(lang: str) -> tuple[str, ...]:
    found = lexicon().get("compounds", {})
    return tuple(found.get(lang) or ()) + (tuple(found.get("en") or ()) if lang != "en" else ())


@dataclass(frozen=True)
class Frame:
    """What the symbolic tests read from a sentence: negated or not, and per pair of the
    question the side it names: ``None``, ``"a"``, ``"b"``, ``"both"``, or ``"ab"`` /
    ``"ba"`` (both, in that order) for pairs whose order carries the roles."""

    negated: bool
    sides: tuple[str | None, ...]

    def inherit(self, parent: Frame) -> Frame:
        """This clause with the sides it leaves open taken from its sentence ("its
        batches" in a sentence about a stateful RNN is about a stateful RNN)."""
        sides = tuple(
            own if own is not None else (theirs if theirs in ("a", "b") else None)
            for own, theirs in zip(self.sides, parent.sides, strict=True)
        )
        return Frame(self.negated, sides)

    @property
    def named(self) -> int:
        """How many pairs the sentence names."""
        return sum(side is not None for side in self.sides)


def frame(text: str, question_id: str, lang: str) -> Frame:
    """The :class:`Frame` of normalised ``text`` in ``lang`` for ``question_id``."""
    for compound in _compounds(lang):
        text = text.replace(compound, " ▪ ")
    sides: list[str | None] = []
    pairs = _pairs(question_id, lang)
    for side_a, side_b, order in pairs:
        found_a, found_b = side_a.search(text), side_b.search(text)
        if found_a and found_b:
            if order:
                sides.append("ab" if found_a.start() < found_b.start() else "ba")
            else:
                sides.append("both")
        else:
            sides.append("a" if found_a else "b" if found_b else None)
    # Negation cues inside the pair words ("without state" = stateless) are not negations.
    for side_a, side_b, _ in pairs:
        text = side_a.sub(" ", side_b.sub(" ", text))
    cues, exempt = _negation(lang)
    for word in exempt:
        text = text.replace(word, " ")
    return Frame(bool(cues.search(text)), tuple(sides))


@cache
def role_words(question_id: str) -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    """The question's role / antonym pairs as plain English words, each as (words of one
    side, words of the other) (``lexicon.yaml``'s pairs, then the rubric's ``antonyms``),
    for rewriting sentences."""
    from checkers.exercises.qa.keypoints import QUESTION_BY_ID

    plain = re.compile(r"^[a-z][a-z .'-]*$")

    def words(patterns: list[str]) -> tuple[str, ...]:
        found = (w.replace("\\b", "").strip() for w in patterns)
        return tuple(w for w in found if plain.match(w))

    out: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
    for pair in lexicon()["pairs"].get(question_id) or ():
        a, b = words(pair["a"]["en"]), words(pair["b"]["en"])
        if a and b:
            out.append((a, b))
    question = QUESTION_BY_ID.get(question_id)
    out += [((a,), (b,)) for a, b in (question.antonyms if question else ())]
    return tuple(dict.fromkeys(out))


def _whole_word(word: str) -> str:
    return rf"(?<![\w-]){re.escape(word)}(?![\w-])"  # not part of "encoder-decoder"


def exchange_role(sentence: str,
                  pair: tuple[tuple[str, ...], tuple[str, ...]]) -> str | None:
    """``sentence`` with the two sides of ``pair`` exchanged wherever their words stand
    alone (a word of one side becomes the first word of the other: "a stateless RNN keeps
    its state" → "a stateful RNN keeps its state"), or None when it names neither."""
    side_a, side_b = pair
    longest_first = sorted(side_a + side_b, key=len, reverse=True)
    found = re.compile("|".join(f"({_whole_word(w)})" for w in longest_first))
    if not found.search(sentence):
        return None
    swapped = found.sub(lambda m: side_b[0] if m.group(0) in side_a else side_a[0], sentence)
    return swapped if swapped != sentence else None


def role_exchanges(sentence: str, question_id: str) -> list[str]:
    """Every rewrite of ``sentence`` with one role / antonym pair of the question exchanged."""
    out = (exchange_role(sentence, pair) for pair in role_words(question_id))
    return list(dict.fromkeys(s for s in out if s))


def strip_negation(text: str, lang: str) -> str:
    """``text`` without its negation cues ("does not help" → "does help"; "不能" → "能")."""
    if lang == "en":
        return qa_text.strip_negation(text)
    cues, _ = _negation(lang)
    return " ".join(cues.sub(" ", text).split())


def reversals(unit: Frame, statement: Frame) -> int:
    """How many times ``unit`` reverses ``statement`` (odd: it states the opposite)."""
    count = int(unit.negated != statement.negated)
    for mine, theirs in zip(unit.sides, statement.sides, strict=True):
        if mine is None or theirs is None or "both" in (mine, theirs):
            continue
        if mine != theirs and len(mine) == len(theirs):
            count += 1
    return count


_SENTENCE = re.compile(r"(?<=[.!?;])\s+|[。！？；]\s*|\s+(?:[-*•–—]|\d{1,2}[.)])\s+")
_CLAUSE = re.compile(r"[,，、:：]\s*|\s+-\s+")


def units_any_language(text: str, max_units: int = 120) -> list[str]:
    """Sentences, clauses, adjacent clause pairs and adjacent sentence pairs of normalised
    text in any of the languages (Chinese and Hebrew punctuation included)."""
    sentences = [s.strip(" .!?;,") for s in _SENTENCE.split(text)]
    sentences = [s for s in sentences if qa_text.tokens(s)]
    found: dict[str, None] = {}
    for i, sentence in enumerate(sentences):
        found[sentence] = None
        clauses = [c.strip() for c in _CLAUSE.split(sentence) if qa_text.tokens(c)]
        if len(clauses) > 1:
            for clause in clauses:
                if len(clause) >= 4:
                    found[clause] = None
            for j in range(len(clauses) - 1):
                found[f"{clauses[j]}, {clauses[j + 1]}"] = None
        if i + 1 < len(sentences):
            found[f"{sentence}. {sentences[i + 1]}"] = None
    return list(found)[:max_units]
