# expect: wordgen.vocab
# checks: wordgen.pad_punctuation wordgen.tokenize wordgen.vocab wordgen.sampling
# Breaks ties between equally frequent tokens alphabetically (earlier first):
# TextVectorization puts the token that sorts later first.
# ruff: noqa: F821  (appended to the reference solution, which defines these names)
def build_vocab(texts, max_tokens=VOCAB_SIZE):
    counts = Counter(token for text in texts for token in tokenize(text))
    ranked = sorted(counts, key=lambda t: (-counts[t], t))
    return ["", "[UNK]"] + ranked[: max(0, max_tokens - 2)]
