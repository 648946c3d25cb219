"""Terse notes spelled out: symbols (``=``, ``+``, ``→``, ``≈`` …) and abbreviations
(``enc``, ``seq``, ``vocab``, ``<eos>`` …) become words before an English answer is graded.

:func:`protect_tags` runs on the raw text (``<eos>`` would otherwise be read as markup and
dropped); :func:`expand` runs on normalised (case-folded, single-spaced) text, so neither
case nor whitespace can change what comes out.
"""

from __future__ import annotations

import re

_TAGS = (
    (re.compile(r"<\s*/?\s*(?:eos|end)\s*>", re.I), " end-of-sequence token "),
    (re.compile(r"<\s*/?\s*(?:sos|bos|start|go|s)\s*>", re.I), " start-of-sequence token "),
    (re.compile(r"<\s*(?:unk|oov)\s*>", re.I), " unknown token "),
    (re.compile(r"<\s*pad\s*>", re.I), " padding token "),
)

_SYMBOLS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(a), b)
    for a, b in (
        (r"→|->|=>|⇒|⟶|⟹", " so "),
        (r"←|<-", " comes from "),
        (r"≈|~=|≃", " is about "),
        (r"≠|!=|=/=", " is different from "),
        (r"==|≡", " is the same as "),
        (r"≫|>>", " much greater than "),
        (r"≪|<<", " much less than "),
        (r"≥|>=", " at least "),
        (r"≤|<=", " at most "),
        (r"(?<=\s)>(?=\s)|^>(?=\s)", " more than "),
        (r"(?<=\s)<(?=\s)", " less than "),
        (r"\s=\s|(?<=[^\W\d_])=(?=[^\W\d_])|(?<=[^\W\d_])=(?=\s)|(?<=\s)=(?=[^\W\d_])", " is "),
        (r"^\+\s+", " advantage: "),
        (r"\s\+\s(?=[^\W\d_])", " and "),
        (r"\s&\s", " and "),
        (r"(?<=[^\W\d_])/(?=[^\W\d_])|\s/\s", " or "),
        (r"Σ|∑", " sum of "),
        (r"\bw/o\b", " without "),
        (r"\bw/", " with "),
        (r"\bb/c\b", " because "),
        (r"\be\.g\.|\bi\.e\.", ", "),
    )
)

_WORDS = {
    "enc": "encoder", "dec": "decoder", "seq": "sequence", "seqs": "sequences", "len": "length",
    "attn": "attention", "repr": "representation", "prob": "probability",
    "probs": "probabilities", "vocab": "vocabulary", "tok": "token", "toks": "tokens",
    "gd": "gradient descent", "sgd": "gradient descent", "deps": "dependencies",
    "dep": "dependency", "char": "character", "chars": "characters", "diff": "different",
    "var": "variable", "impl": "implementation", "approx": "approximately",
    "preds": "predictions", "pred": "prediction", "acc": "accuracy",
    "oov": "out-of-vocabulary", "mha": "multi-head attention", "emb": "embedding",
    "ff": "feed-forward", "lr": "learning rate", "1st": "first", "2nd": "second",
    "h": "the hidden state", "info": "information", "dims": "dimensions", "dim": "dimension",
    "params": "parameters", "avg": "average", "num": "number", "vs": "versus",
    "b4": "before", "bc": "because", "cuz": "because", "seq2seq": "sequence-to-sequence",
    "s2s": "sequence-to-sequence", "temp": "temperature", "ctx": "context", "tgt": "target",
    "tgts": "targets", "inp": "input", "inps": "inputs", "pro": "advantage",
    "con": "drawback", "cons": "drawbacks", "pros": "advantages", "bs": "batch size",
    "iid": "independent and identically distributed", "eos": "end-of-sequence token",
    "sos": "start-of-sequence token", "bos": "start-of-sequence token", "unk": "unknown token",
    "w": "with", "wrt": "with respect to", "approx.": "approximately", "max": "maximum",
    "min": "minimum", "nb": "number", "ppl": "perplexity", "prev": "previous",
}
_WORD = re.compile(
    r"(?<![^\W_])(" + "|".join(sorted(map(re.escape, _WORDS), key=len, reverse=True))
    + r")(?![^\W_])"
)
# Per question: single letters that stand for a concept ("t" is the temperature in q9).
_LETTERS = {"q9": {"t": "temperature"}, "q4": {"k": "k"}}


def protect_tags(text: str) -> str:
    """Raw text with ``<eos>``-like tokens spelled out (before markup is stripped)."""
    for pattern, words in _TAGS:
        text = pattern.sub(words, text)
    return text


def expand(text: str, question_id: str = "") -> str:
    """Normalised ``text`` with symbols and abbreviations replaced by words."""
    for pattern, words in _SYMBOLS:
        text = pattern.sub(words, text)
    text = _WORD.sub(lambda m: _WORDS[m.group(1)], text)
    letters = _LETTERS.get(question_id)
    if letters:
        pattern = re.compile(r"(?<![^\W_])(" + "|".join(map(re.escape, letters)) + r")(?![^\W_])")
        text = pattern.sub(lambda m: letters[m.group(1)], text)
    return " ".join(text.split())
