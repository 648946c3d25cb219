# expect: reber.string_to_ids
# checks: reber.string_to_ids reber.corrupted
# status: reber.string_to_ids=timeout
# Ignores every signal it can, then loops: the grader must still stop it.
import signal

for _number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGALRM, signal.SIGUSR1):
    signal.signal(_number, signal.SIG_IGN)


def string_to_ids(s, chars=POSSIBLE_CHARS):
    while True:
        pass
