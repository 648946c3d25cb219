# expect: shifted_targets.encoding
# may-lose: shifted_targets.functional
# Shifted correctly, but the steps after each text are left as rows of zeros instead of
# the one-hot space character (the older version of the Keras example did this).
def vectorize(input_texts, target_texts, input_token_index, target_token_index,
              max_encoder_seq_length, max_decoder_seq_length):
    n = len(input_texts)
    enc = np.zeros((n, max_encoder_seq_length, len(input_token_index)), dtype="float32")
    dec_in = np.zeros((n, max_decoder_seq_length, len(target_token_index)), dtype="float32")
    dec_out = np.zeros_like(dec_in)
    for i, (input_text, target_text) in enumerate(zip(input_texts, target_texts, strict=True)):
        for t, char in enumerate(input_text):
            enc[i, t, input_token_index[char]] = 1.0
        for t, char in enumerate(target_text):
            dec_in[i, t, target_token_index[char]] = 1.0
            if t > 0:
                dec_out[i, t - 1, target_token_index[char]] = 1.0
    return enc, dec_in, dec_out
# ruff: noqa: F821 (appended to solutions/shifted_targets.py, which defines these names)
