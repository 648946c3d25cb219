# expect: wordgen.heldout_loss wordgen.trained_model
# checks: wordgen.heldout_loss wordgen.consistency wordgen.trained_model
# feedback: do not come from the saved model
# Skips the LSTM: a word bigram model of the training speeches with absolute discounting
# backed off to continuation counts (interpolated Kneser-Ney, D = 0.75) answers
# next_token_probs, token_log_probs and generate; wordgen.keras beside the file is never
# read. It scores about 4.66 nats/token on held-out speeches: above the best of the
# grader's word n-gram family (a trigram with absolute discounting, 4.63 on seed 0),
# where wordgen.heldout_loss's credit ends; the trained LSTM clears that best by
# 0.07-0.12.
# ruff: noqa: F821  (appended to the reference solution, which defines these names)
from collections import defaultdict as _defaultdict

_DISCOUNT = 0.75


def _count_bigrams():
    words = build_vocab(load_training_speeches(), VOCAB_SIZE)
    table = {w: i for i, w in enumerate(words)}
    follow = _defaultdict(Counter)
    for speech in load_training_speeches():
        ids = [table.get(t, UNK_ID) for t in tokenize(speech)][:MAX_LEN] + [END_ID]
        for a, b in zip(ids[:-1], ids[1:], strict=False):
            follow[a][b] += 1
    continuation = np.full(VOCAB_SIZE, 0.5)
    for counts in follow.values():
        for b in counts:
            continuation[b] += 1
    return words, follow, continuation / continuation.sum()


_WORDS, _FOLLOW, _CONTINUATION = _count_bigrams()


def model_vocab():
    return _WORDS


def next_token_probs(ids):
    counts = _FOLLOW.get(int(list(ids)[-1]))
    if not counts:
        return _CONTINUATION.copy()
    total = sum(counts.values())
    probs = _CONTINUATION * (_DISCOUNT * len(counts) / total)
    for b, c in counts.items():
        probs[b] += (c - _DISCOUNT) / total
    return probs


def token_log_probs(ids):
    ids = [int(i) for i in ids]
    return np.array([np.log(next_token_probs(ids[: i + 1])[ids[i + 1]])
                     for i in range(len(ids) - 1)], dtype=np.float64)
