# expect: textgen.generate_text
# Resets the GRU state at every step: each new character only sees the previous one.
# ruff: noqa: F821  (appended to the reference solution, which defines these names)
def generate_text(prompt, num_chars, temperature, seed):
    rng = np.random.default_rng(seed)
    logits, _ = _run(text_to_ids(prompt, MODEL_VOCAB))
    out = []
    for _ in range(num_chars):
        next_id = sample_next_id(logits[-1], temperature, rng)
        out.append(next_id)
        logits, _ = _run([next_id])
    return prompt + ids_to_text(out, MODEL_VOCAB)
