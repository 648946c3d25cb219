# expect: wordgen.generate
# checks: wordgen.generate
# Never stops at the end id: when 0 is drawn it draws again, so every text runs to
# max_tokens.
# ruff: noqa: F821  (appended to the reference solution, which defines these names)
def generate(start_prompt, max_tokens, temperature, seed):
    rng = np.random.default_rng(seed)
    ids = text_to_ids(start_prompt, model_vocab())
    while len(ids) < max_tokens:
        token, _ = sample_from(next_token_probs(ids), temperature, rng)
        if token != END_ID:
            ids.append(token)
    return ids
