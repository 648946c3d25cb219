# expect: none
# checks: reber.string_to_ids reber.corrupted
# absent: /tmp/seqgrade_disk_filler_0
# Fills every writable place it can find at import, then behaves.
import os

_chunk = b"x" * (16 << 20)
for _folder in ("/tmp", ".", os.path.expanduser("~")):
    for _index in range(200):
        try:
            with open(os.path.join(_folder, f"seqgrade_disk_filler_{_index}"), "wb") as _f:
                _f.write(_chunk)
        except OSError:
            break
