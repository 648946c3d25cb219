# expect: wordgen.pad_punctuation
# checks: wordgen.pad_punctuation wordgen.tokenize wordgen.vocab wordgen.sampling
# Pads every mark but never collapses the runs of spaces it creates ("a, b" -> "a ,  b").
# ruff: noqa: F821  (appended to the reference solution, which defines these names)
def pad_punctuation(s):
    return re.sub(f"([{re.escape(string.punctuation)}])", r" \1 ", s)
