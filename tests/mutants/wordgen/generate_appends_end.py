# expect: wordgen.generate
# checks: wordgen.generate
# feedback: end id 0
# Foster's loop appends the sampled id before testing it: the end id 0 ends up in the output.
# ruff: noqa: F821  (appended to the reference solution, which defines these names)
def generate(start_prompt, max_tokens, temperature, seed):
    rng = np.random.default_rng(seed)
    ids = text_to_ids(start_prompt, model_vocab())
    token = None
    while len(ids) < max_tokens and token != END_ID:
        token, _ = sample_from(next_token_probs(ids), temperature, rng)
        ids.append(token)
    return ids
