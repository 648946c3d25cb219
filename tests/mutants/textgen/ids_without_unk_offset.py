# expect: textgen.vocab
# may-lose: textgen.heldout_loss textgen.consistency textgen.generate_text textgen.trained_model textgen.generate_batch
# vocab.index(c): forgets that id 0 is [UNK], so every id is one too small.
# ruff: noqa: F821  (appended to the reference solution, which defines these names)
def text_to_ids(text, vocab):
    return [vocab.index(c) if c in vocab else 0 for c in text]
