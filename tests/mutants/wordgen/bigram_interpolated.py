# expect: wordgen.heldout_loss wordgen.trained_model
# checks: wordgen.heldout_loss wordgen.consistency wordgen.trained_model
# feedback: do not come from the saved model
# Skips the LSTM: a word bigram model (counts of the training speeches, interpolated with
# the unigram, 0.7 / 0.3) answers next_token_probs, token_log_probs and generate.
# wordgen.keras beside the file is never read. It scores about 4.78 nats/token on the
# held-out speeches, above the best of the grader's word n-gram family (a trigram with
# absolute discounting, 4.63 on seed 0), so wordgen.heldout_loss gives it nothing.
# ruff: noqa: F821  (appended to the reference solution, which defines these names)
from collections import defaultdict as _defaultdict

_LAMBDA = 0.7


def _count_bigrams():
    words = build_vocab(load_training_speeches(), VOCAB_SIZE)
    table = {w: i for i, w in enumerate(words)}
    follow = _defaultdict(Counter)
    unigram = np.full(VOCAB_SIZE, 0.1)
    for speech in load_training_speeches():
        ids = [table.get(t, UNK_ID) for t in tokenize(speech)][:MAX_LEN] + [END_ID]
        for a, b in zip(ids[:-1], ids[1:], strict=False):
            follow[a][b] += 1
            unigram[b] += 1
    return words, follow, unigram / unigram.sum()


_WORDS, _FOLLOW, _UNIGRAM = _count_bigrams()


def model_vocab():
    return _WORDS


def next_token_probs(ids):
    probs = (1 - _LAMBDA) * _UNIGRAM
    counts = _FOLLOW.get(int(list(ids)[-1]))
    if counts:
        total = sum(counts.values())
        for b, c in counts.items():
            probs[b] += _LAMBDA * c / total
    return probs / probs.sum()


def token_log_probs(ids):
    ids = [int(i) for i in ids]
    return np.array([np.log(next_token_probs(ids[: i + 1])[ids[i + 1]])
                     for i in range(len(ids) - 1)], dtype=np.float64)
