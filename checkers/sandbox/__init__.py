"""The sandbox: running a submission's functions where they can do no harm.

:mod:`.runner` (host side: :class:`~.runner.SandboxRunner`, :class:`~.runner.InProcessRunner`),
:mod:`.worker` and :mod:`.isolation` (inside the worker process), :mod:`.protocol` (the
plain-data messages between them), :mod:`.submission` (what of a submission enters the
sandbox) and :mod:`.errors` (what can go wrong on the submission's side).

Importable alone: nothing here imports another part of seqgrade.
"""
