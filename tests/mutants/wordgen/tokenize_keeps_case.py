# expect: wordgen.tokenize wordgen.vocab
# checks: wordgen.pad_punctuation wordgen.tokenize wordgen.vocab wordgen.sampling
# Forgets to lower-case: "The" and "the" become two tokens (TextVectorization's
# standardize="lower" does it for you).
# ruff: noqa: F821  (appended to the reference solution, which defines these names)
def tokenize(text):
    return pad_punctuation(text).split()
