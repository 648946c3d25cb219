# expect: textgen.pretrained_end_token
# checks: textgen.pretrained textgen.pretrained_end_token textgen.pretrained_sampling
# feedback: skip_special_tokens=True
# Decodes without skip_special_tokens: the end token shows up in the returned texts.
def generate_with_pretrained(prompt, model_name_or_path, num_return_sequences, max_new_tokens,
                             temperature, top_p, seed):
    import torch
    from transformers import set_seed

    tokenizer, model = _load_pretrained(model_name_or_path)
    inputs = tokenizer(prompt, return_tensors="pt")
    pad_id = tokenizer.pad_token_id
    if pad_id is None:
        pad_id = tokenizer.eos_token_id if tokenizer.eos_token_id is not None else 0
    set_seed(seed)
    with torch.no_grad():
        out = model.generate(
            **inputs, do_sample=True, temperature=temperature, top_p=top_p,
            num_return_sequences=num_return_sequences, max_new_tokens=max_new_tokens,
            pad_token_id=pad_id,
        )
    return tokenizer.batch_decode(out, skip_special_tokens=False)
