# expect: reber.predict_contract reber.accuracy reber.long_range
# may-lose: reber.trained_model
import os


def predict(strings):
    os._exit(0)
