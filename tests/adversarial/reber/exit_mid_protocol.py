# expect: reber.string_to_ids
# checks: reber.string_to_ids reber.corrupted
# Writes half a frame on every pipe it holds, then dies.
import os
import stat


def string_to_ids(s, chars=POSSIBLE_CHARS):
    for fd in range(3, 64):
        try:
            if stat.S_ISFIFO(os.fstat(fd).st_mode):
                os.write(fd, b"\x00\x00\x00\x00\x00\x00\x10\x00{\"id\": 1, \"ok\"")
        except OSError:
            pass
    os._exit(0)
