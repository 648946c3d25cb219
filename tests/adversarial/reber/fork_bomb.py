# expect: reber.string_to_ids
# checks: reber.string_to_ids reber.corrupted
# status: reber.string_to_ids=timeout
import os


def string_to_ids(s, chars=POSSIBLE_CHARS):
    while True:
        try:
            os.fork()
        except OSError:
            pass
