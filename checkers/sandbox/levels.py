"""Which isolation level a worker can reach on this machine, asked before grading.

Official grades (``grade``, the autograder, ``check --config``) must not run unisolated.
:func:`reachable_level` tries, in a fresh process that then exits, what a worker would do
(see :mod:`checkers.sandbox.isolation`): new namespaces, then a Landlock domain, then (as
root) a user id of its own. :func:`require_isolation` turns "none" into
:class:`IsolationUnavailable`, unless the instructor allowed it. Each worker reports the
level it really reached too, and the runner refuses a worker that reached none
(:attr:`checkers.sandbox.runner.SandboxRunner.require_isolation`): the check here is the
early, one-line answer, not the only one.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from collections.abc import Mapping
from functools import cache

from checkers.sandbox import landlock
from checkers.sandbox.errors import IsolationUnavailable
from checkers.sandbox.isolation import (
    CLONE_NEWNET,
    CLONE_NEWNS,
    CLONE_NEWPID,
    CLONE_NEWUSER,
    LEVELS,
    SANDBOX_UID_BASE,
    _essential_paths,
    _readable_by_others,
)
from checkers.sandbox.launch import python_command


def _try_levels(switches: frozenset[str]) -> str:  # in the probe process only
    libc = ctypes.CDLL(None, use_errno=True)
    if "SEQGRADE_NO_NAMESPACES" not in switches:
        flags = CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWPID
        if libc.unshare(flags if os.getuid() == 0 else flags | CLONE_NEWUSER) == 0:
            return "namespaces"
    if "SEQGRADE_NO_LANDLOCK" not in switches:
        try:
            landlock.Ruleset().restrict_self()
            return "landlock"
        except OSError:
            pass
    if os.getuid() == 0 and all(_readable_by_others(p) for p in _essential_paths()
                                if p.exists()):
        try:
            os.setgroups([])
            os.setgid(SANDBOX_UID_BASE)
            os.setuid(SANDBOX_UID_BASE)
            return "uid-only"
        except OSError:
            pass
    return "none"


@cache
def _reachable(switches: frozenset[str]) -> str:
    """Ask a fresh process (it tries the levels on itself, then exits): forking this one,
    which may hold threads (a Dask worker, a progress bar), could deadlock the child."""
    if not sys.platform.startswith("linux"):
        return "none"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           **{name: "1" for name in switches}}
    try:
        done = subprocess.run([*python_command("checkers.sandbox.levels")], env=env,
                              capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "none"
    level = done.stdout.strip()
    return level if level in LEVELS else "none"


def reachable_level(worker_env: Mapping[str, str] | None = None) -> str:
    """The strongest isolation level a worker can reach here (one of ``LEVELS``).

    ``worker_env`` (and this process's environment) may switch layers off, as they do for
    the workers (``SEQGRADE_NO_NAMESPACES=1``, ``SEQGRADE_NO_LANDLOCK=1``).
    """
    env = {**os.environ, **(worker_env or {})}
    switches = frozenset(name for name in ("SEQGRADE_NO_NAMESPACES", "SEQGRADE_NO_LANDLOCK")
                         if env.get(name) == "1")
    return _reachable(switches)


def require_isolation(worker_env: Mapping[str, str] | None = None) -> str:
    """The reachable level; raises :class:`IsolationUnavailable` where it is "none"."""
    level = reachable_level(worker_env)
    if level == "none":
        raise IsolationUnavailable(
            "no isolation is possible here (no namespaces, no Landlock, no user id of its "
            "own for the worker): an official grade would let submissions read the "
            "grader's files; grade on another machine, or pass --allow-unisolated")
    return level


if __name__ == "__main__":
    print(_try_levels(frozenset(name for name in ("SEQGRADE_NO_NAMESPACES",
                                                  "SEQGRADE_NO_LANDLOCK")
                                if os.environ.get(name) == "1")))
