# expect: reber.generate_valid reber.generate_coverage reber.corrupted reber.string_to_ids reber.dataset reber.predict_contract reber.accuracy reber.long_range
# may-lose: reber.trained_model
import numpy as np


def generate_string(grammar, rng)
    return "BTXSE"
