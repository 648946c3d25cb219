# expect: reber.corrupted
# may-lose: reber.dataset
import sys


def generate_corrupted_string(grammar, rng, chars=POSSIBLE_CHARS):
    sys.exit(0)
