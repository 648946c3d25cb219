# expect: textgen.pretrained
# may-lose: textgen.pretrained_sampling
# Never seeds torch: the same seed gives other texts on every call. Its sampling is
# therefore drawn afresh on every grading, and the chi-square test of pretrained_sampling
# (level 1e-4 per plan) fails it now and then, as it would a correct but unseeded sampler
# (seen once in CI at p = 9.8e-05).
# ruff: noqa: F821  (appended to the reference solution, which defines these names)
def generate_with_pretrained(prompt, model_name_or_path, num_return_sequences, max_new_tokens,
                             temperature, top_p, seed):
    import torch

    tokenizer, model = _load_pretrained(model_name_or_path)
    inputs = tokenizer(prompt, return_tensors="pt")
    with torch.no_grad():
        out = model.generate(**inputs, do_sample=True, temperature=temperature, top_p=top_p,
                             num_return_sequences=num_return_sequences,
                             max_new_tokens=max_new_tokens, pad_token_id=0)
    return tokenizer.batch_decode(out, skip_special_tokens=True)
