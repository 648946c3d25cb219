# expect: reber.string_to_ids
# checks: reber.string_to_ids reber.corrupted
# feedback: memory limit
def string_to_ids(s, chars=POSSIBLE_CHARS):
    hoard = bytearray(64 * 1024**3)
    return [chars.index(c) for c in s] + [len(hoard)]
