# expect: dates.v2_accuracy
# may-lose: dates.beam_search dates.trained_model
# feedback: Some wrong conversions (input → expected → got)
def predict_date_strs(date_strs):
    # "greedy decoding" that never feeds its predictions back: the decoder sees SOS then
    # padding, as if every previous character had been id 0
    if not date_strs:
        return []
    model = _load(V2_FILE)
    X = prepare_date_strs_padded(date_strs)
    X_dec = np.zeros((len(X), OUTPUT_LENGTH), dtype=np.int32)
    X_dec[:, 0] = SOS_ID
    probs = model.predict([X, X_dec], verbose=0, batch_size=512)
    return ids_to_date_strs(np.argmax(probs, axis=-1))
# ruff: noqa: F821 (appended to solutions/dates.py, which defines these names)
