# expect: textgen.heldout_loss textgen.trained_model
# feedback: do not come from the saved model
# Skips the GRU, as a student who knows Kneser-Ney would: an interpolated Kneser-Ney
# character 7-gram of the training split (continuation counts below the top order, one
# discount n1 / (n1 + 2 n2) per order) answers next_char_distribution, sequence_log_probs,
# generate_text and generate_batch; textgen.keras beside the file is never read. On seed 0
# it scores 1.558 nats/char on the 40 graded passages, the family's best (a 7-gram
# modified Kneser-Ney) 1.512: it is one of the baselines, so textgen.heldout_loss gives it
# nothing (the old line, 0.03 below a 6-gram Kneser-Ney, gave it partial credit, and a
# 7-gram modified Kneser-Ney full marks).
# ruff: noqa: F821  (appended to the reference solution, which defines these names)
from collections import Counter as _Counter
from collections import defaultdict as _defaultdict

_ORDER = 7


def _kneser_ney_tables():
    text = load_training_text()
    grams = _Counter(text[i:i + _ORDER] for i in range(len(text) - _ORDER + 1))
    tables = {}
    for n in range(_ORDER, 0, -1):
        rows = _defaultdict(dict)
        for gram, count in grams.items():
            rows[gram[:-1]][gram[-1]] = count
        small = _Counter(c for row in rows.values() for c in row.values() if c <= 2)
        discount = small[1] / (small[1] + 2 * small[2]) if small[1] + small[2] else 0.5
        tables[n] = (discount, {h: (sum(row.values()), row) for h, row in rows.items()})
        grams = _Counter(gram[1:] for gram in grams)  # distinct left extensions
    return tables


_TABLES = _kneser_ney_tables()
_INDEX = {c: i + 1 for i, c in enumerate(MODEL_VOCAB)}


def _kn_distribution(history):
    probs = np.full(len(MODEL_VOCAB) + 1, 1.0 / (len(MODEL_VOCAB) + 1))
    for n in range(1, _ORDER + 1):
        if len(history) < n - 1:
            break
        discount, rows = _TABLES[n]
        entry = rows.get(history[len(history) - n + 1:] if n > 1 else "")
        if entry is None:
            continue
        total, row = entry
        mixed = probs * (discount * len(row) / total)
        for char, count in row.items():
            mixed[_INDEX[char]] += max(count - discount, 0.0) / total
        probs = mixed
    return probs


def next_char_distribution(prefix):
    if not prefix:
        raise ValueError("the prefix must hold at least one character")
    return _kn_distribution(prefix[-(_ORDER - 1):])


def sequence_log_probs(text):
    ids = text_to_ids(text, MODEL_VOCAB)
    return np.array([np.log(_kn_distribution(text[max(0, i - _ORDER + 2):i + 1])[ids[i + 1]])
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
