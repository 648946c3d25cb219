# expect: none
# may-lose: reber.trained_model
# Everything is defined before the exit: nothing is lost, a note says what happened.
import sys

sys.exit(0)
