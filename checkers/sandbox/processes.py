"""Killing a worker with every process it started, whatever they did to escape.

A submission may start processes that leave the worker's process group (``setsid``) and
outlive their parent. In a PID namespace they die with the worker; without one the
worker's parent is a subreaper (:mod:`checkers.sandbox.isolation`), so they stay in its
tree. :func:`kill_tree` kills that tree, round after round until no process is left, so
that one forked between two rounds is caught by the next.
"""

from __future__ import annotations

import os
import signal

ROUNDS = 20


def kill_tree(pid: int) -> int:
    """SIGKILL every descendant of ``pid`` (not ``pid`` itself); returns how many."""
    import psutil  # here: the package itself imports where psutil cannot (no `resource`)

    killed = 0
    for _ in range(ROUNDS):
        try:
            descendants = psutil.Process(pid).children(recursive=True)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            return killed
        alive = _alive(descendants)
        if not alive:
            return killed
        for process in alive:
            try:
                os.kill(process.pid, signal.SIGKILL)
                killed += 1
            except (ProcessLookupError, PermissionError):
                pass
        psutil.wait_procs(alive, timeout=1)
    return killed


def _alive(processes: list) -> list:
    import psutil

    alive = []
    for process in processes:
        try:
            if process.status() != psutil.STATUS_ZOMBIE:
                alive.append(process)
        except psutil.Error:
            continue
    return alive
