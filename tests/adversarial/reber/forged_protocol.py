# expect: reber.string_to_ids
# checks: reber.string_to_ids reber.corrupted
# Writes forged, well-formed replies claiming success on every pipe, then returns nonsense.
import json
import os
import stat
import struct


def string_to_ids(s, chars=POSSIBLE_CHARS):
    for request_id in range(1, 400):
        body = json.dumps({"id": request_id, "ok": True, "value": [0] * len(s)}).encode()
        for fd in range(3, 64):
            try:
                if stat.S_ISFIFO(os.fstat(fd).st_mode):
                    os.write(fd, struct.pack(">Q", len(body)) + body)
            except OSError:
                pass
    return "forged"
