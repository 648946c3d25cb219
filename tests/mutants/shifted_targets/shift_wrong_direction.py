# expect: shifted_targets.alignment shifted_targets.functional
# The targets lag one step behind the decoder inputs instead of running one step ahead.
def vectorize(input_texts, target_texts, input_token_index, target_token_index,
              max_encoder_seq_length, max_decoder_seq_length):
    n = len(input_texts)
    enc = np.zeros((n, max_encoder_seq_length, len(input_token_index)), dtype="float32")
    dec_in = np.zeros((n, max_decoder_seq_length, len(target_token_index)), dtype="float32")
    for i, (input_text, target_text) in enumerate(zip(input_texts, target_texts, strict=True)):
        for t, char in enumerate(input_text):
            enc[i, t, input_token_index[char]] = 1.0
        enc[i, len(input_text):, input_token_index[" "]] = 1.0
        for t, char in enumerate(target_text):
            dec_in[i, t, target_token_index[char]] = 1.0
        dec_in[i, len(target_text):, target_token_index[" "]] = 1.0
    dec_out = np.zeros_like(dec_in)
    dec_out[:, 1:] = dec_in[:, :-1]
    dec_out[:, 0, target_token_index[" "]] = 1.0
    return enc, dec_in, dec_out
# ruff: noqa: F821 (appended to solutions/shifted_targets.py, which defines these names)
