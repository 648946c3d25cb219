"""A textgen submission that returns constants of the right types (issue 30): a uniform
"model" over the 65 characters of tiny Shakespeare and [UNK]."""

import numpy as np

SIZE = 66


def load_training_text():
    return "a"


def build_vocab(text):
    return ["a"]


def text_to_ids(text, vocab):
    return [0] * len(text)


def ids_to_text(ids, vocab):
    return ""


def split_input_target(sequence):
    return sequence, sequence


def sample_next_id(logits, temperature, rng, banned_ids=(0,)):
    return 1


def pad_punctuation(s):
    return s


def next_char_distribution(prefix):
    return np.full(SIZE, 1.0 / SIZE)


def sequence_log_probs(text):
    return np.full(max(len(text) - 1, 0), np.log(1.0 / SIZE))


def generate_text(prompt, num_chars, temperature, seed):
    return prompt + "e" * num_chars


def generate_batch(prompts, num_chars, temperature, seed):
    return [p + "e" * num_chars for p in prompts]


def generate_with_pretrained(prompt, model_name_or_path, num_return_sequences,
                             max_new_tokens, temperature, top_p, seed):
    return [prompt + "e" * max_new_tokens] * num_return_sequences
