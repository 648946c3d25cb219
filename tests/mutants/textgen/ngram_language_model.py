# expect: textgen.heldout_loss textgen.trained_model
# feedback: do not come from the saved model
# Skips the GRU: a character 7-gram model (counts of the training split, interpolated with
# absolute discounting) answers next_char_distribution, sequence_log_probs, generate_text
# and generate_batch. The trained textgen.keras beside the file is never read. It scores about
# 1.77 nats/char on seed 0, above the best of the grader's n-gram family (a 7-gram
# modified Kneser-Ney, 1.512 on the 40 graded passages), so textgen.heldout_loss gives it
# nothing.
from collections import Counter as _Counter
from collections import defaultdict as _defaultdict

_ORDER = 7
_DISCOUNT = 0.75


def _count_ngrams():
    text = load_training_text()
    tables = []
    for n in range(1, _ORDER + 1):
        table = _defaultdict(_Counter)
        for i in range(len(text) - n + 1):
            table[text[i:i + n - 1]][text[i + n - 1]] += 1
        tables.append({h: (sum(c.values()), c) for h, c in table.items()})
    return tables


_TABLES = _count_ngrams()
_INDEX = {c: i + 1 for i, c in enumerate(MODEL_VOCAB)}


def _ngram_distribution(history):
    probs = np.full(len(MODEL_VOCAB) + 1, 1.0 / (len(MODEL_VOCAB) + 1))
    for n in range(1, _ORDER + 1):
        if len(history) < n - 1:
            break
        entry = _TABLES[n - 1].get(history[len(history) - n + 1:] if n > 1 else "")
        if entry is None:
            continue
        total, counts = entry
        mixed = probs * (_DISCOUNT * len(counts) / total)
        for char, count in counts.items():
            mixed[_INDEX[char]] += (count - _DISCOUNT) / total
        probs = mixed
    return probs


def next_char_distribution(prefix):
    if not prefix:
        raise ValueError("the prefix must hold at least one character")
    return _ngram_distribution(prefix[-(_ORDER - 1):])


def sequence_log_probs(text):
    ids = text_to_ids(text, MODEL_VOCAB)
    return np.array([np.log(_ngram_distribution(text[max(0, i - _ORDER + 2):i + 1])[ids[i + 1]])
                     for i in range(len(text) - 1)])


def generate_text(prompt, num_chars, temperature, seed):
    rng = np.random.default_rng(seed)
    text = prompt
    for _ in range(num_chars):
        logits = np.log(next_char_distribution(text))
        text += ids_to_text([sample_next_id(logits, temperature, rng)], MODEL_VOCAB)
    return text


def generate_batch(prompts, num_chars, temperature, seed):
    rng = np.random.default_rng(seed)
    texts = list(prompts)
    for _ in range(num_chars):
        for row, text in enumerate(texts):
            logits = np.log(next_char_distribution(text))
            texts[row] = text + ids_to_text([sample_next_id(logits, temperature, rng)],
                                            MODEL_VOCAB)
    return texts
