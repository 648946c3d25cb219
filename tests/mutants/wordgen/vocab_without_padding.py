# expect: wordgen.vocab
# checks: wordgen.pad_punctuation wordgen.tokenize wordgen.vocab wordgen.sampling
# Forgets the padding entry "": every id is one too small, and the list one too short
# of max_tokens' worth of words.
# ruff: noqa: F821  (appended to the reference solution, which defines these names)
_reference_build_vocab = build_vocab


def build_vocab(texts, max_tokens=VOCAB_SIZE):
    return _reference_build_vocab(texts, max_tokens)[1:]
