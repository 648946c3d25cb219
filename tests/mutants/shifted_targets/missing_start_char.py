# expect: shifted_targets.alignment
# may-lose: shifted_targets.functional
# The "\t" is stripped from the decoder input: it starts at the first real character (the
# targets are still one step ahead of that input), so the decoder never learns what to
# produce after the start character it is fed at inference time.
def vectorize(input_texts, target_texts, input_token_index, target_token_index,
              max_encoder_seq_length, max_decoder_seq_length):
    n = len(input_texts)
    enc = np.zeros((n, max_encoder_seq_length, len(input_token_index)), dtype="float32")
    dec_in = np.zeros((n, max_decoder_seq_length, len(target_token_index)), dtype="float32")
    dec_out = np.zeros_like(dec_in)
    for i, (input_text, target_text) in enumerate(zip(input_texts, target_texts, strict=True)):
        for t, char in enumerate(input_text):
            enc[i, t, input_token_index[char]] = 1.0
        enc[i, len(input_text):, input_token_index[" "]] = 1.0
        text = target_text.lstrip("\t")
        for t, char in enumerate(text):
            dec_in[i, t, target_token_index[char]] = 1.0
            if t > 0:
                dec_out[i, t - 1, target_token_index[char]] = 1.0
        dec_in[i, len(text):, target_token_index[" "]] = 1.0
        dec_out[i, len(text) - 1:, target_token_index[" "]] = 1.0
    return enc, dec_in, dec_out
# ruff: noqa: F821 (appended to solutions/shifted_targets.py, which defines these names)
