# expect: none
# checks: reber.string_to_ids
# Looks for the grader's process (to read its memory or environment): there must be none.
import os


def string_to_ids(s, chars=POSSIBLE_CHARS):
    for pid in os.listdir("/proc"):
        if pid.isdigit() and int(pid) != os.getpid():
            try:
                cmdline = open(f"/proc/{pid}/cmdline", "rb").read()
            except OSError:
                continue
            if b"pytest" in cmdline or b"seqgrade" in cmdline:
                raise RuntimeError(f"saw the grader: {cmdline[:80]!r}")
    return [chars.index(c) for c in s]
