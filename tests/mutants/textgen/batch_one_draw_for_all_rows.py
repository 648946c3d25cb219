# expect: textgen.generate_batch
# checks: textgen.generate_batch
# feedback: Sample each row on its own
# Draws one id per step for the whole batch (from the first row's logits) and feeds it to
# every row: five ROMEO: prompts give five copies of one text.
def generate_batch(prompts, num_chars, temperature, seed):
    rng = np.random.default_rng(seed)
    _get_model()
    ids = np.array([text_to_ids(p, MODEL_VOCAB) for p in prompts], dtype=np.int32)
    state = np.zeros((len(prompts), _state_size()), dtype=np.float32)
    logits, state = _forward(ids, state)
    out = []
    for _ in range(num_chars):
        next_id = sample_next_id(np.asarray(logits, dtype=np.float64)[0, -1], temperature, rng)
        out.append(next_id)
        logits, state = _forward(np.full((len(prompts), 1), next_id, dtype=np.int32),
                                 np.asarray(state))
    return [p + ids_to_text(out, MODEL_VOCAB) for p in prompts]
