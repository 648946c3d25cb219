# expect: textgen.sampling textgen.generate_text
# checks: textgen.sampling textgen.generate_text textgen.generate_batch
# Two bugs: sample_next_id multiplies by the temperature (textgen.sampling), and
# generate_text resets the GRU state at every step, a bug of its own. Replaying the
# submission's own sample_next_id does not give generate_text's output, so the wrong
# sampler excuses nothing there: generate_text is judged as it is (issue 30).
# ruff: noqa: F821  (appended to the reference solution, which defines these names)
def sample_next_id(logits, temperature, rng, banned_ids=(0,)):
    scaled = np.asarray(logits, dtype=np.float64).reshape(-1) * temperature
    scaled[list(banned_ids)] = -np.inf
    probs = np.exp(scaled - scaled.max())
    return int(rng.choice(len(probs), p=probs / probs.sum()))


def generate_text(prompt, num_chars, temperature, seed):
    rng = np.random.default_rng(seed)
    logits, _ = _run(text_to_ids(prompt, MODEL_VOCAB))
    out = []
    for _ in range(num_chars):
        next_id = sample_next_id(logits[-1], temperature, rng)
        out.append(next_id)
        logits, _ = _run([next_id])
    return prompt + ids_to_text(out, MODEL_VOCAB)
