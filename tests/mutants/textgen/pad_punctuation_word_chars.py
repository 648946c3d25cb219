# expect: textgen.pad_punctuation
# Pads every non-word character (\W): also newlines, tabs and non-ASCII marks.
# ruff: noqa: F821  (appended to the reference solution, which defines these names)
def pad_punctuation(s):
    s = re.sub(r"([^\w ])", r" \1 ", s)
    return re.sub(" +", " ", s)
