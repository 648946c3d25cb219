# expect: reber.string_to_ids
# checks: reber.string_to_ids reber.corrupted
def string_to_ids(s, chars=POSSIBLE_CHARS):
    while True:
        print("spam " * 1000)
