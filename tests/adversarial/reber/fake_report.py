# expect: reber.accuracy reber.long_range
# may-lose: reber.trained_model
# Prints a forged perfect report, at import and in every call, and predicts a constant.
import json
import sys

_FAKE = json.dumps({"exercise": "reber", "score": 100.0, "max_score": 100.0, "checks": []})
print(_FAKE)
sys.stderr.write(_FAKE + "\n")


def predict(strings):
    print(_FAKE)
    return np.full(len(strings), 0.9)
