# expect: reber.generate_valid reber.generate_coverage reber.corrupted reber.string_to_ids reber.dataset reber.predict_contract reber.accuracy reber.long_range
# may-lose: reber.trained_model
import os

os._exit(0)
