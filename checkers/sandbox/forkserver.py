"""The grader's side of the fork server (:mod:`checkers.sandbox.zygote`).

:func:`fork_server` returns the fork server of this grading process for a worker
environment and a list of libraries to preload, starting it on first use; later
sandboxes of the same kind fork from it instead of starting an interpreter and importing
TensorFlow again. A server that cannot start or has died is replaced once, then the
runner falls back to starting workers as processes of their own (slower, same result).
``SEQGRADE_NO_FORK_SERVER=1`` in the grader's environment switches the fork server off.

The server runs in a session of its own with the scrubbed environment of a worker and a
home folder of its own; it knows nothing of any submission (see the zygote's docstring).
"""

from __future__ import annotations

import atexit
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

from checkers.sandbox.launch import python_command

# Variables that name a worker's own folders: not part of what makes two servers differ.
PER_WORKER_VARIABLES = ("HOME", "TMPDIR", "KERAS_HOME", "MPLCONFIGDIR", "HF_HOME")
MAX_SERVERS = 2
START_TIMEOUT = 180.0


class ForkServerError(OSError):
    """The fork server did not answer (it died, or never started)."""


class ForkServer:
    """A running fork server and the socket to it; thread-safe."""

    def __init__(self, env: Mapping[str, str], preload: tuple[str, ...]) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="seqgrade-zygote-"))
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        environment = {**env, **{name: str(self.home) for name in PER_WORKER_VARIABLES}}
        environment["KERAS_HOME"] = str(self.home / ".keras")
        try:
            self.process = subprocess.Popen(
                [*python_command("checkers.sandbox.zygote"),
                 "--control", str(theirs.fileno()), "--preload", ",".join(preload),
                 "--home", str(self.home)],
                cwd=self.home, env=environment, pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, start_new_session=True)
        finally:
            theirs.close()
        self.socket = ours
        self.lock = threading.Lock()
        self.preloaded: list[str] = []
        self.threads = 0
        try:
            ready = self._receive(START_TIMEOUT)
        except ForkServerError:
            self.close()
            raise
        self.preloaded = list(ready.get("ready", []))
        self.threads = int(ready.get("threads", 0))

    def _receive(self, timeout: float) -> dict:
        ready, _, _ = select.select([self.socket], [], [], timeout)
        if not ready:
            raise ForkServerError("the fork server did not answer in time")
        try:
            data = self.socket.recv(4096)
        except OSError as error:
            raise ForkServerError(f"the fork server is gone ({error})") from None
        if not data:
            raise ForkServerError("the fork server is gone")
        return json.loads(data)

    def _request(self, message: dict, fds: list[int] | None = None,
                 timeout: float = 30.0) -> dict:
        with self.lock:
            try:
                socket.send_fds(self.socket, [json.dumps(message).encode()], fds or [])
            except OSError as error:
                raise ForkServerError(f"the fork server is gone ({error})") from None
            return self._receive(timeout)

    def fork(self, requests_fd: int, replies_fd: int) -> int:
        """A new worker reading requests from ``requests_fd``, replying on ``replies_fd``
        (its ends of the two pipes; the caller closes its copies); returns its pid."""
        reply = self._request({"op": "fork"}, [requests_fd, replies_fd])
        pid = reply.get("pid")
        if not isinstance(pid, int) or pid <= 0:
            raise ForkServerError(f"the fork server could not fork: {reply.get('error')}")
        return pid

    def wait_status(self, pid: int, timeout: float) -> int | None:
        """The wait status of worker ``pid`` once it ended, or None while it runs."""
        reply = self._request({"op": "wait", "pid": pid, "timeout": timeout},
                              timeout=timeout + 30.0)
        status = reply.get("status")
        return status if isinstance(status, int) else None

    def alive(self) -> bool:
        """Whether the server process still runs."""
        return self.process.poll() is None

    def close(self) -> None:
        """End the server: it kills the workers it still has, then exits."""
        try:
            self.socket.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.process.wait()
        shutil.rmtree(self.home, ignore_errors=True)


_SERVERS: dict[tuple, ForkServer] = {}
_FAILED: set[tuple] = set()
_DEATHS: Counter = Counter()
_LOCK = threading.Lock()


def _key(env: Mapping[str, str], preload: tuple[str, ...]) -> tuple:
    shared = tuple(sorted((k, v) for k, v in env.items() if k not in PER_WORKER_VARIABLES))
    return shared, tuple(preload)


def fork_server(env: Mapping[str, str], preload: tuple[str, ...]) -> ForkServer | None:
    """The fork server for workers with ``env`` and ``preload``, or None where there is
    none (switched off, not POSIX, or it failed to start twice)."""
    if os.environ.get("SEQGRADE_NO_FORK_SERVER") == "1" or not hasattr(os, "fork") \
            or not hasattr(socket, "send_fds"):
        return None
    key = _key(env, preload)
    with _LOCK:
        server = _SERVERS.get(key)
        if server is not None and server.alive():
            return server
        if server is not None:  # it died
            _forget(key).close()
        if key in _FAILED:
            return None
        while len(_SERVERS) >= MAX_SERVERS:
            _SERVERS.pop(next(iter(_SERVERS))).close()
        try:
            server = ForkServer(env, preload)
        except (OSError, ValueError):
            _FAILED.add(key)
            return None
        _SERVERS[key] = server
        return server


def discard(server: ForkServer) -> None:
    """Forget a server that stopped answering; the next sandbox starts a new one, unless
    servers of its kind died twice already (then workers start on their own)."""
    with _LOCK:
        for key, known in list(_SERVERS.items()):
            if known is server:
                _forget(key)
    server.close()


def _forget(key: tuple) -> ForkServer:
    """Drop a dead server (under ``_LOCK``): replaced once, then given up for its kind."""
    _DEATHS[key] += 1
    if _DEATHS[key] >= 2:
        _FAILED.add(key)
    return _SERVERS.pop(key)


def server_pids() -> set[int]:
    """The process ids of this process's running fork servers."""
    with _LOCK:
        return {server.process.pid for server in _SERVERS.values()}


@atexit.register
def close_all() -> None:
    """End every fork server of this process."""
    with _LOCK:
        servers = list(_SERVERS.values())
        _SERVERS.clear()
    for server in servers:
        server.close()
