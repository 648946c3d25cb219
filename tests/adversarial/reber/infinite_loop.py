# expect: reber.string_to_ids
# status: reber.string_to_ids=timeout
# Searches for unknown letters forever instead of raising ValueError.
_reference_string_to_ids = string_to_ids


def string_to_ids(s, chars=POSSIBLE_CHARS):
    while any(c not in chars for c in s):
        pass
    return _reference_string_to_ids(s, chars)
