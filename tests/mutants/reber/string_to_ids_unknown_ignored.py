# expect: reber.string_to_ids
# Unknown letters silently become -1 (str.find) instead of raising ValueError.
def string_to_ids(s, chars=POSSIBLE_CHARS):
    return [chars.find(c) for c in s]
