"""The fork server: a process that imports the heavy libraries once and forks workers.

Most of a worker's start-up is importing TensorFlow, Keras (and torch, transformers):
seconds, for every submission. The fork server (:class:`checkers.sandbox.forkserver.ForkServer`
starts it as ``python -I -m checkers.sandbox.zygote --control FD --preload tensorflow,...``,
with the scrubbed environment of a worker) imports those modules, runs nothing with them
(no thread pool exists yet, so forking stays safe), and then waits on its control socket:

- ``{"op": "fork"}`` with two file descriptors (the worker's request and reply pipes)
  forks a child that becomes a worker (:func:`checkers.sandbox.worker.run_forked`: it
  closes everything but its pipes, takes its setup, environment and limits from the first
  request, isolates itself and serves); the answer is ``{"pid": ...}``;
- ``{"op": "wait", "pid": P, "timeout": T}`` answers ``{"status": S}``, the wait status of
  a child that ended (``None`` while it runs);
- end of file on the socket (the grader is gone) kills every child still running and ends.

The fork server never sees a submission, a path of the grader or anything of a student:
a child gets all of that over its own pipe, after the fork. What a child inherits is the
memory of a fresh interpreter that imported some libraries.
"""

from __future__ import annotations

import argparse
import ctypes
import importlib
import json
import os
import signal
import socket
import sys
import time

import psutil

from checkers.sandbox.processes import kill_tree

MAX_CONTROL_BYTES = 4096
PR_SET_CHILD_SUBREAPER = 36


def preload(modules: list[str]) -> list[str]:
    """Import ``modules`` (those that are installed); returns the ones imported."""
    loaded = []
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - not installed, or broken: the worker imports it
            continue
        loaded.append(name)
    # What every worker imports anyway (the isolation and the model built-ins too).
    for name in ("checkers.sandbox.worker", "checkers.sandbox.isolation",
                 "checkers.sandbox.view", "checkers.sandbox.models"):
        importlib.import_module(name)
    return loaded


def _fork_worker(control: socket.socket, requests_fd: int, replies_fd: int) -> int:
    pid = os.fork()
    if pid == 0:  # the child: a worker from here on, never back into the server's loop
        try:
            control.close()
            os.setsid()
            # The signal handlers of a freshly started interpreter.
            for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
                signal.signal(number, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            from checkers.sandbox.worker import run_forked

            run_forked(requests_fd, replies_fd)
        finally:
            os._exit(70)
    os.close(requests_fd)
    os.close(replies_fd)
    return pid


class _Children:
    """The workers this server forked, and the wait statuses of those that ended."""

    def __init__(self) -> None:
        self.running: set[int] = set()
        self.ended: dict[int, int] = {}

    def reap(self) -> None:
        """Collect every child that has ended (no zombies left behind)."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                self.running.clear()
                return
            if pid == 0:
                break
            if pid in self.running:
                self.running.discard(pid)
                self.ended[pid] = status

    def kill_adopted(self) -> None:
        """Kill processes a dead worker left behind (they come to this subreaper)."""
        try:
            children = psutil.Process().children()
        except psutil.Error:
            return
        for child in children:
            if child.pid not in self.running:
                try:
                    os.kill(child.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass

    def wait(self, pid: int, timeout: float) -> int | None:
        """The wait status of ``pid`` once it ends (None if it still runs after ``timeout``)."""
        deadline = time.monotonic() + max(0.0, min(timeout, 30.0))
        while True:
            self.reap()
            if pid in self.ended:
                return self.ended.pop(pid)
            if pid not in self.running or time.monotonic() >= deadline:
                return None
            time.sleep(0.01)

    def kill_all(self) -> None:
        """SIGKILL every running child's process group (each is a session of its own)."""
        for pid in list(self.running):
            kill_tree(pid)
            for kill in (os.killpg, os.kill):
                try:
                    kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        self.reap()
        self.kill_adopted()


def serve(control: socket.socket) -> None:
    """Answer the grader's requests until it closes the socket."""
    children = _Children()
    try:
        while True:
            try:
                data, fds, _flags, _address = socket.recv_fds(control, MAX_CONTROL_BYTES, 2)
            except (ConnectionError, OSError):
                return
            if not data:
                return
            children.reap()
            children.kill_adopted()
            try:
                request = json.loads(data)
            except ValueError:
                request = {}
            op = request.get("op") if isinstance(request, dict) else None
            if op == "fork" and len(fds) == 2:
                pid = _fork_worker(control, fds[0], fds[1])
                children.running.add(pid)
                reply = {"pid": pid}
            elif op == "wait":
                reply = {"status": children.wait(int(request.get("pid", 0)),
                                                 float(request.get("timeout", 0)))}
            else:
                for fd in fds:
                    os.close(fd)
                reply = {"error": f"unknown request {op!r}"}
            control.sendall(json.dumps(reply).encode())
    finally:
        children.kill_all()


def main() -> None:
    """Entry point of the fork server process."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--control", type=int, required=True)
    parser.add_argument("--preload", default="")
    # Only read by process hygiene (checkers.batch.procs finds a batch's processes by it).
    parser.add_argument("--home", default="")
    options = parser.parse_args()
    control = socket.socket(fileno=options.control)
    # Orphans of a worker come here rather than to init, and are killed (see reap).
    ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    # Ctrl-C goes to the grader; it closes the socket, and this process follows.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    loaded = preload([m for m in options.preload.split(",") if m])
    control.sendall(json.dumps({"ready": loaded, "threads": _thread_count()}).encode())
    serve(control)
    sys.exit(0)


def _thread_count() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return 1


if __name__ == "__main__":
    main()
