# expect: textgen.pad_punctuation
# Pads every mark but forgets to collapse the runs of spaces it creates.
# ruff: noqa: F821  (appended to the reference solution, which defines these names)
def pad_punctuation(s):
    return re.sub(f"([{re.escape(string.punctuation)}])", r" \1 ", s)
