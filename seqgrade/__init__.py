"""``python -m seqgrade``: the same program as the ``seqgrade`` command (the package the
grader lives in is :mod:`checkers`)."""
