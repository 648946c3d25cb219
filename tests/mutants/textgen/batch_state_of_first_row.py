# expect: textgen.generate_batch
# checks: textgen.generate_batch
# feedback: one state per row
# Keeps a single GRU state (the first row's) and hands it to every row at every step: rows
# forget their own prompts.
def generate_batch(prompts, num_chars, temperature, seed):
    rng = np.random.default_rng(seed)
    _get_model()
    ids = np.array([text_to_ids(p, MODEL_VOCAB) for p in prompts], dtype=np.int32)
    state = np.zeros((len(prompts), _state_size()), dtype=np.float32)
    logits, state = _forward(ids, state)
    out = [[] for _ in prompts]
    for _ in range(num_chars):
        last = np.asarray(logits, dtype=np.float64)[:, -1]
        step = np.array([[sample_next_id(row, temperature, rng)] for row in last], dtype=np.int32)
        for row, (next_id,) in enumerate(step):
            out[row].append(int(next_id))
        shared = np.repeat(np.asarray(state)[:1], len(prompts), axis=0)
        logits, state = _forward(step, shared)
    return [p + ids_to_text(o, MODEL_VOCAB) for p, o in zip(prompts, out)]
