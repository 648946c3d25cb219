"""A shifted_targets submission that returns constants of the right types (issue 30)."""

import numpy as np

START_CHAR = "\t"
END_CHAR = "\n"
PAD_CHAR = " "


def build_training_model(num_encoder_tokens, num_decoder_tokens, latent_dim=256):
    raise ValueError("todo")


def _zeros(input_texts, input_token_index, target_token_index, max_encoder_seq_length,
           max_decoder_seq_length):
    n = len(input_texts)
    return (np.zeros((n, max_encoder_seq_length, len(input_token_index)), dtype="float32"),
            np.zeros((n, max_decoder_seq_length, len(target_token_index)), dtype="float32"),
            np.zeros((n, max_decoder_seq_length, len(target_token_index)), dtype="float32"))


def buggy_vectorize(input_texts, target_texts, input_token_index, target_token_index,
                    max_encoder_seq_length, max_decoder_seq_length):
    return _zeros(input_texts, input_token_index, target_token_index,
                  max_encoder_seq_length, max_decoder_seq_length)


def vectorize(input_texts, target_texts, input_token_index, target_token_index,
              max_encoder_seq_length, max_decoder_seq_length):
    return _zeros(input_texts, input_token_index, target_token_index,
                  max_encoder_seq_length, max_decoder_seq_length)


def targets_are_shifted(decoder_input_data, decoder_target_data):
    return True
