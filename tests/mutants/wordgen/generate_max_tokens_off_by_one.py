# expect: wordgen.generate
# checks: wordgen.generate
# Counts max_tokens as new tokens only: the prompt is not counted.
# ruff: noqa: F821  (appended to the reference solution, which defines these names)
def generate(start_prompt, max_tokens, temperature, seed):
    rng = np.random.default_rng(seed)
    ids = text_to_ids(start_prompt, model_vocab())
    for _ in range(max_tokens):
        token, _ = sample_from(next_token_probs(ids), temperature, rng)
        if token == END_ID:
            break
        ids.append(token)
    return ids
