"""Process hygiene for batch grading: no sandbox worker outlives the batch that started it.

Sandbox workers run in their own session, so killing a batch's process group does not
reach them. Every local batch therefore gives its pool processes a private temporary
folder (:func:`scratch_dir`, derived from the gradebook path); each sandbox's copy of the
submission, and so the worker's command line, lies under it. :func:`reap_orphans` kills
the workers of an earlier, killed run of the same gradebook; a watchdog thread in each pool
process kills its own workers as soon as the batch process that owns the pool is gone.
"""

from __future__ import annotations

import hashlib
import os
import signal
import tempfile
import threading
import time
from pathlib import Path

import psutil


def scratch_dir(db_path: Path | str) -> Path:
    """The private temporary folder of the batches writing ``db_path``."""
    key = hashlib.sha256(str(Path(db_path).resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"seqgrade-batch-{key}"


def children_of(pid: int) -> list[int]:
    """The pids whose parent is ``pid`` (psutil: Linux, macOS; empty when it is gone)."""
    try:
        return [child.pid for child in psutil.Process(pid).children()]
    except psutil.Error:
        return []


def kill_group(pid: int) -> None:
    """SIGKILL the process group led by ``pid`` (a sandbox worker's session), and ``pid``."""
    for kill in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            kill()
        except (ProcessLookupError, PermissionError):
            pass


# The command lines of sandbox processes: started workers, and fork servers (whose forked
# workers share their command line; a fork server's home lies under the pool's scratch).
SANDBOX_MODULES = ("checkers.sandbox.worker", "checkers.sandbox.zygote")


def sandbox_workers_under(scratch: Path) -> list[int]:
    """Live sandbox processes (workers, fork servers) whose files lie under ``scratch``."""
    prefix = str(scratch)
    found = []
    for process in psutil.process_iter(["cmdline"]):
        args = process.info.get("cmdline") or []
        if any(m in args for m in SANDBOX_MODULES) and any(a.startswith(prefix) for a in args):
            found.append(process.pid)
    return found


def reap_orphans(scratch: Path) -> int:
    """Kill the sandbox workers left by an earlier, killed batch; returns how many."""
    pids = sandbox_workers_under(scratch)
    for pid in pids:
        kill_group(pid)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and sandbox_workers_under(scratch):
        time.sleep(0.05)
    return len(pids)


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(0.25)
        if os.getppid() != parent:
            for child in children_of(os.getpid()):
                kill_group(child)
            os._exit(1)


def init_pool_process(scratch: str, parent: int) -> None:
    """Initializer of a local pool process: private temp folder, watchdog, no Ctrl-C.

    The batch process handles Ctrl-C and cleans up its pool itself.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    folder = Path(scratch) / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    tempfile.tempdir = str(folder)
    os.environ["TMPDIR"] = str(folder)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True,
                     name="seqgrade-watchdog").start()


def kill_pool(pids: list[int]) -> None:
    """Kill pool processes and every sandbox worker they started."""
    for pid in pids:
        for child in children_of(pid):
            kill_group(child)
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


class GradebookBusy(RuntimeError):
    """Another batch is writing the same gradebook."""


def lock_gradebook(scratch: Path) -> object:
    """Take the batch lock of a gradebook (released when the returned file is closed, or when
    this process dies, even by SIGKILL). Raises :class:`GradebookBusy` when held."""
    import fcntl

    scratch.mkdir(parents=True, exist_ok=True)
    handle = open(scratch / "lock", "w")  # noqa: SIM115 - held for the whole batch
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise GradebookBusy("another `seqgrade grade` run is writing this gradebook") from None
    return handle
