# expect: none
# checks: reber.string_to_ids
# Forks a child that leaves the session and sleeps, to outlive the grading.
import os
import time

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(3600)
    os._exit(0)
