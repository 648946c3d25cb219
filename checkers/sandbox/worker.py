"""The worker: a subprocess that imports one submission and runs calls for the grader.

Started by :class:`checkers.sandbox.runner.SandboxRunner`, either forked by the fork server
(:mod:`checkers.sandbox.zygote`, which has the heavy libraries imported already; the setup
arrives as the first message) or as ``python -I -m checkers.sandbox.worker --requests FD
--replies FD --source FILE ...``. It talks only over those two pipes; its
stdin is /dev/null and its stdout/stderr go to a capture file, so nothing the submission
prints can pass for a protocol message. It never decides anything: it returns plain data
(see :mod:`checkers.sandbox.protocol`) and the grader judges.
"""

from __future__ import annotations

import argparse
import importlib.util
import linecache
import os
import re
import sys
import traceback
import types
from pathlib import Path
from typing import Any

import numpy as np

from checkers.sandbox import models, protocol
from checkers.sandbox.notebook import SKIPPED_NAMES, skipped_cell_hint

try:  # POSIX only; imported here, not in a child between fork and exec
    import resource
except ImportError:  # pragma: no cover - Windows: a worker without limits
    resource = None  # type: ignore[assignment]

MAX_REQUEST_BYTES = 256 << 20
OUTPUT_TAIL = 2000


class _Capture:
    """stdout/stderr of the submission, redirected to a file we read back per call.

    The file is read through a descriptor opened up front, so reading still works after
    the worker drops its privileges or the file's folder is covered by a mount.
    """

    def __init__(self, path: Path) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self.read_fd = os.open(path, os.O_RDONLY)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        self.offset = 0

    def take(self) -> str:
        """What was printed since the last call (the tail of it)."""
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        try:
            size = os.fstat(self.read_fd).st_size
            start = max(self.offset, size - OUTPUT_TAIL)
            text = os.pread(self.read_fd, OUTPUT_TAIL, start).decode("utf-8", "replace")
            self.offset = size
            return text
        except OSError:
            return ""


def _student_frames(error: BaseException, source: Path | None) -> list[str]:
    """The function names of the submission's frames, outermost first (every frame when
    ``source`` is None: a namespace run in-process), for "X raised because H raised"."""
    frames = traceback.extract_tb(error.__traceback__)
    own = [f for f in frames if source is None or Path(f.filename).parent == source.parent]
    return [f.name for f in own][-64:]


# The notebook's own name when the submission is a notebook (its script is what runs).
NOTEBOOK: dict[str, str] = {}
CELL_MARKER = re.compile(r"^# --- cell (\d+) ---$")


def notebook_place(script: Path, line: int) -> str | None:
    """Where line ``line`` of a notebook's script lies in the notebook: ``cell N ("first
    line of the cell"), line K`` (None when the line is outside every cell)."""
    lines = linecache.getlines(str(script))
    for index in range(min(line, len(lines)) - 1, -1, -1):
        match = CELL_MARKER.match(lines[index].rstrip("\n"))
        if match:
            first = lines[index + 1].strip() if index + 1 < len(lines) else ""
            first = first if len(first) <= 40 else first[:39] + "…"
            return f'cell {match.group(1)} ("{first}"), line {line - index - 1}'
    return None


def _frame_line(frame: traceback.FrameSummary, source: Path | None) -> str:
    name = Path(frame.filename).name
    if source is not None and NOTEBOOK and Path(frame.filename) == source:
        place = notebook_place(source, frame.lineno or 0)
        if place:
            return f"  {NOTEBOOK['name']}, {place}, in {frame.name}"
    return f'  File "{name}", line {frame.lineno}, in {frame.name}'


def _student_traceback(error: BaseException, source: Path | None) -> str:
    """The traceback frames that belong to the submission's folder (the rest is noise); in
    a notebook, by cell and line inside the cell."""
    frames = traceback.extract_tb(error.__traceback__)
    own = [f for f in frames if source is not None and Path(f.filename).parent == source.parent]
    shown = own or frames[-1:]
    return "\n".join(_frame_line(f, source) for f in shown[-8:])


def _skipped_cell_hint(error: BaseException) -> str:
    """For a NameError of a name that only a skipped notebook cell defines: which cell."""
    module = sys.modules.get("submission")
    return skipped_cell_hint(error, getattr(module, SKIPPED_NAMES, None)) if NOTEBOOK else ""


def _own_names(message: str, source: Path) -> str:
    """``message`` with the script's path as the student knows it (the notebook's name)."""
    if NOTEBOOK:
        line = re.search(r'File "' + re.escape(str(source)) + r'", line (\d+)', message)
        if line:
            place = notebook_place(source, int(line.group(1)))
            if place:
                message = message.replace(line.group(0), f"{NOTEBOOK['name']}, {place}")
        return message.replace(str(source), NOTEBOOK["name"]).replace(source.name,
                                                                      NOTEBOOK["name"])
    return message.replace(str(source), source.name)


def describe_exception(error: BaseException, source: Path | None) -> dict[str, Any]:
    """An exception as plain data for the grader: type, bases, message, student frames."""
    if isinstance(error, SystemExit):
        message = f"the code called sys.exit({error.code!r})"
    else:
        message = "".join(traceback.format_exception_only(type(error), error)).strip()
        if source is not None:
            message = _own_names(message, source)
        message += _skipped_cell_hint(error)
    return {
        "type": type(error).__name__,
        "mro": [cls.__name__ for cls in type(error).__mro__],
        "message": message[:2000],
        "where": _student_traceback(error, source),
        "frames": _student_frames(error, source),
    }


def _new_module(source: Path) -> Any:
    spec = importlib.util.spec_from_file_location("submission", source)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {source.name}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["submission"] = module
    return module


class _MissingFunction(Exception):
    """The submission has no callable of the requested name."""


def _call(module: Any, request: dict[str, Any],
          source: Path | None = None) -> tuple[Any, list[np.random.Generator]]:
    name = request["func"]
    function = getattr(module, name, None)
    if isinstance(name, str) and name.startswith(models.PREFIX) and source is not None:
        # A built-in call (see checkers.sandbox.models): no Python name holds a colon.
        function = models.builtin(name, source)
    if function is None or not callable(function):
        raise _MissingFunction(name)
    args = protocol.decode(request["args"])
    kwargs = protocol.decode(request["kwargs"])
    result = function(*args, **kwargs)
    rngs = [a for a in [*args, *kwargs.values()] if isinstance(a, np.random.Generator)]
    return result, rngs


def _unencodable(error: Exception) -> dict[str, Any]:
    return {"type": "Unencodable", "mro": [], "message": str(error), "where": ""}


def _answer_call(module: types.ModuleType, request: dict[str, Any], source: Path,
                 reply: dict[str, Any]) -> None:
    """One call: its plain value and the state of every Generator argument after it."""
    result, rngs = _call(module, request, source)
    try:
        value = protocol.encode_plain(result)
    except protocol.Unencodable as error:
        reply.update(ok=False, error=_unencodable(error))
    else:
        reply.update(ok=True, value=value, rngs=[g.bit_generator.state for g in rngs])


def _answer_call_many(module: types.ModuleType, request: dict[str, Any], source: Path,
                      reply: dict[str, Any]) -> None:
    """One function called with each (args, kwargs) in turn; the values so far travel back
    with the first failure, which ends the batch."""
    values: list[Any] = []
    reply["values"] = values
    for args, kwargs in request["calls"]:
        result, _ = _call(module, {"func": request["func"], "args": args, "kwargs": kwargs},
                          source)
        try:
            values.append(protocol.encode_plain(result))
        except protocol.Unencodable as error:
            reply.update(ok=False, error=_unencodable(error))
            return
    reply["ok"] = True


def _send(replies_fd: int, request: dict[str, Any], reply: dict[str, Any]) -> None:
    try:
        protocol.write_message(replies_fd, reply)
    except (ValueError, OverflowError) as error:  # e.g. a non-finite float oddity
        protocol.write_message(replies_fd, {"id": request.get("id"), "ok": False,
                                            "output": "", "error": _unencodable(error)})


def serve(requests_fd: int, replies_fd: int, source: Path, capture: _Capture,
          isolation: dict[str, Any]) -> None:
    """Answer requests until the grader closes the pipe or asks to exit."""
    module = None
    while True:
        try:
            request = protocol.read_message(requests_fd, max_bytes=MAX_REQUEST_BYTES)
        except EOFError:
            return
        reply: dict[str, Any] = {"id": request.get("id")}
        op = request.get("op")
        if op == "exit":
            return
        try:
            if op == "load":
                # Kept even if running it fails part-way: what it defined is still gradable.
                module = _new_module(source)
                module.__spec__.loader.exec_module(module)
                reply.update(ok=True, value=sorted(n for n in vars(module)
                                                   if not n.startswith("_")))
            elif op == "notes":  # asked before the submission is imported
                reply.update(ok=True, value=isolation)
            elif op in ("call", "call_many"):
                if module is None:
                    raise RuntimeError("the submission is not loaded")
                answer = _answer_call if op == "call" else _answer_call_many
                answer(module, request, source, reply)
            else:
                raise ValueError(f"unknown op {op!r}")
        except _MissingFunction as error:
            reply.update(ok=False, error={"type": "MissingFunction", "mro": [],
                                          "message": str(error), "where": ""})
        except BaseException as error:  # noqa: BLE001 - SystemExit, KeyboardInterrupt too
            reply.update(ok=False, error=describe_exception(error, source))
        reply["output"] = capture.take()
        _send(replies_fd, request, reply)


def apply_limits(limits: dict[str, int]) -> None:
    """Set the resource limits ``{"RLIMIT_AS": bytes, ...}`` on this process (a started
    worker gets them before exec, a forked one from its first message); none off POSIX."""
    if resource is None:  # not POSIX: no limits
        return
    for name, value in limits.items():
        which = getattr(resource, name, None)
        if which is None:
            continue
        try:
            resource.setrlimit(which, (int(value), int(value)))
        except (ValueError, OSError):
            pass


def run(config: dict[str, Any], requests_fd: int, replies_fd: int) -> None:
    """Set the worker up as ``config`` says (capture, isolation), then serve; never returns.

    ``config`` holds ``source``, ``capture``, ``hide``, ``data``, ``cover``, ``disk_quota``
    and ``isolate`` (the command line's options, or the first message a forked worker gets).
    """
    capture = _Capture(Path(config["capture"]))
    source = Path(config["source"])
    if config.get("notebook"):
        NOTEBOOK["name"] = str(config["notebook"])
    work = source.parent
    uid, tasks = os.getuid(), _tasks_of_user(os.getuid())  # seen before isolation hides them
    isolation: dict[str, Any] = {"level": "none", "layers": [], "notes": [
        "not isolated: isolation switched off for this worker"]}
    if config.get("isolate", True):
        from checkers.sandbox.isolation import isolate

        work, reached = isolate(work, [Path(p) for p in config.get("hide", [])],
                              int(config.get("disk_quota", 1 << 30)),
                              [Path(p) for p in config.get("data", [])],
                              [Path(p) for p in config.get("cover", [])])
        isolation = reached.to_dict()
        source = work / source.name
    _limit_processes(int(config.get("processes", 0)), uid, tasks)
    _follow_environment()
    # The submission's folder is importable (helper modules beside it).
    sys.path.insert(0, str(work))
    # Agreed between the sandbox (issue 12) and the notebook self-check (issue 15): a
    # submission may keep ``import checkers`` and ``checkers.check(...)`` from its notebook.
    # With this variable set, the facade's check()/hint() return None at once and import
    # nothing (the grader's modules are out of reach here), and model_path() only resolves
    # a path; ``checkers/__init__.py`` itself must stay importable in the worker.
    os.environ["SEQGRADE_GRADING"] = "1"
    serve(requests_fd, replies_fd, source, capture, isolation)
    os._exit(0)


def _tasks_of_user(uid: int) -> int:
    """How many processes and threads user ``uid`` runs (what RLIMIT_NPROC counts)."""
    try:
        import psutil
    except ImportError:
        return 0
    count = 0
    for process in psutil.process_iter(["uids", "num_threads"]):
        uids = process.info.get("uids")
        if uids is not None and uids.real == uid:
            count += process.info.get("num_threads") or 1
    return count


def _limit_processes(processes: int, uid_before: int, tasks_before: int) -> None:
    """RLIMIT_NPROC once the worker's user id is final: ``processes`` for a user id of its
    own; for a shared one (uid 0 in a container, or the instructor's), that many beyond
    what the user ran already, so that the limit bounds the submission, not the machine."""
    if processes <= 0 or resource is None:
        return
    shared = os.getuid() == uid_before
    limit = processes + (tasks_before if shared else 0)
    try:
        resource.setrlimit(resource.RLIMIT_NPROC, (limit, limit))
    except (ValueError, OSError):
        pass


def _follow_environment() -> None:
    """Point what libraries read from the environment at import time at this worker's
    folders: a forked worker has them imported already (by the fork server, with its own
    home), a started one may too (the isolation sets HOME, TMPDIR, KERAS_HOME late)."""
    import tempfile

    tempfile.tempdir = None  # gettempdir() reads TMPDIR again
    keras_config = sys.modules.get("keras.src.backend.config")
    if keras_config is not None and os.environ.get("KERAS_HOME"):
        keras_config._KERAS_DIR = os.environ["KERAS_HOME"]


def run_forked(requests_fd: int, replies_fd: int) -> None:
    """A worker forked by the fork server (:mod:`checkers.sandbox.zygote`); never returns.

    Its first message is the setup the command line gives a started worker, plus the
    environment, working folder and resource limits that ``subprocess`` would have set.
    Everything the fork server holds besides the two pipes is closed before anything else.
    """
    low, high = sorted((requests_fd, replies_fd))
    os.closerange(3, low)
    os.closerange(low + 1, high)
    os.closerange(high + 1, _max_fd())
    message = protocol.read_message(requests_fd, max_bytes=MAX_REQUEST_BYTES)
    config = message.get("start")
    if not isinstance(config, dict):
        os._exit(2)
    os.environ.clear()
    os.environ.update({str(k): str(v) for k, v in config.get("env", {}).items()})
    sys.argv = [str(Path(__file__))]
    os.chdir(config["cwd"])
    apply_limits(config.get("limits", {}))
    run(config, requests_fd, replies_fd)


def _max_fd() -> int:
    try:
        return max(int(os.sysconf("SC_OPEN_MAX")), 1024)
    except (ValueError, OSError):
        return 65536


def main() -> None:
    """Entry point of a worker started as a process of its own."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, required=True)
    parser.add_argument("--replies", type=int, required=True)
    parser.add_argument("--source", type=Path, required=True)
    parser.add_argument("--capture", type=Path, required=True)
    parser.add_argument("--hide", type=Path, action="append", default=[])
    parser.add_argument("--data", type=Path, action="append", default=[])
    parser.add_argument("--cover", type=Path, action="append", default=[])
    parser.add_argument("--disk-quota", type=int, default=1 << 30)
    parser.add_argument("--no-isolation", action="store_true")
    parser.add_argument("--notebook", default="")
    parser.add_argument("--processes", type=int, default=0)
    options = parser.parse_args()
    run({"source": str(options.source), "capture": str(options.capture),
         "hide": [str(p) for p in options.hide], "data": [str(p) for p in options.data],
         "cover": [str(p) for p in options.cover], "disk_quota": options.disk_quota,
         "isolate": not options.no_isolation, "notebook": options.notebook,
         "processes": options.processes},
        options.requests, options.replies)


if __name__ == "__main__":
    main()
