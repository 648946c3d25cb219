# expect: none
# checks: reber.string_to_ids
# absent: checkers/pwned.py solutions/pwned.py
# Tries to plant code in the grader's package and beside the references, at import.
from pathlib import Path

import checkers

_repo = Path(checkers.__file__).resolve().parent.parent
for _target in (_repo / "checkers" / "pwned.py", _repo / "solutions" / "pwned.py"):
    try:
        _target.write_text("SCORE = 100\n")
    except OSError:
        pass
