# expect: none
# checks: reber.string_to_ids reber.corrupted reber.dataset
# Leaves a thread running after the call, printing and burning CPU.
import threading
import time

_started = []


def _spin():
    while True:
        print("still here")
        time.sleep(0.01)


def string_to_ids(s, chars=POSSIBLE_CHARS):
    if not _started:
        _started.append(threading.Thread(target=_spin, daemon=False))
        _started[0].start()
    return [chars.index(c) for c in s]
