# expect: wordgen.tokenize
# checks: wordgen.pad_punctuation wordgen.tokenize wordgen.vocab wordgen.sampling
# Decodes the end id 0 as "" and joins it in: a trailing space (or two spaces in a row).
# ruff: noqa: F821  (appended to the reference solution, which defines these names)
def ids_to_text(ids, vocab):
    return " ".join(vocab[int(i)] for i in ids)
