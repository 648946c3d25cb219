"""Runners execute calls against a submission and hand back plain data.

:class:`SandboxRunner` (official grades) runs the submission in a worker subprocess with
resource limits, a scrubbed environment and a private copy of its folder; a hung or dead
worker is replaced for the next call. :class:`InProcessRunner` calls functions from a
namespace in this process (a student's self-check in a notebook, never an official grade).
Both turn every failure into a :class:`checkers.sandbox.errors.SubmissionError`.
"""

from __future__ import annotations

import difflib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from checkers.sandbox import installation, protocol
from checkers.sandbox.errors import (
    BrokenInstallation,
    CallTimeout,
    GraderEnvironmentError,
    IsolationUnavailable,
    MissingFunction,
    NotImplementedInSubmission,
    SubmissionError,
    SubmissionRaised,
    WorkerDied,
    WrongType,
)
from checkers.sandbox.forkserver import ForkServer, ForkServerError, discard, fork_server
from checkers.sandbox.isolation import LEVELS
from checkers.sandbox.launch import python_command
from checkers.sandbox.notebook import SKIPPED_NAMES, skipped_cell_hint
from checkers.sandbox.processes import kill_tree
from checkers.sandbox.submission import Submission, materialize
from checkers.sandbox.view import grader_package
from checkers.sandbox.worker import apply_limits, describe_exception

GiB = 1 << 30
MiB = 1 << 20
# Set by whoever runs the grader, they switch isolation layers off (tests, controls).
LAYER_SWITCHES = ("SEQGRADE_NO_NAMESPACES", "SEQGRADE_NO_LANDLOCK", "SEQGRADE_NO_SECCOMP")


class Runner(Protocol):
    """Anything that can call the submission's functions."""

    def call(self, func: str, args: tuple, kwargs: dict, *, timeout: float) -> Any:
        """Call ``func(*args, **kwargs)``; plain data back, SubmissionError on failure."""

    def call_with_rngs(
        self, func: str, args: tuple, kwargs: dict, *, timeout: float
    ) -> tuple[Any, list[np.random.Generator]]:
        """Like call, plus the Generator arguments in their state after the call."""

    def close(self) -> None:
        """Release the worker and its files."""


class BatchRunner(Runner, Protocol):
    """A runner that can also make many calls of one function in one round trip."""

    def call_many(self, func: str, calls: list[tuple[tuple, dict]], *, timeout: float
                  ) -> tuple[list[Any], SubmissionError | None]:
        """``func(*args, **kwargs)`` for each pair in order, within ``timeout`` in all: the
        values up to the first failure, and that failure (None when every call returned).
        A time-out or a dead worker raises, as :meth:`Runner.call` does."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of a worker process (instructors may override them per exercise)."""

    memory_bytes: int = 12 * GiB  # address space; TensorFlow alone maps several GiB
    cpu_seconds: int = 3600  # over the worker's life
    file_bytes: int = 256 * MiB  # per file written
    disk_bytes: int = 1 * GiB  # the worker's private /tmp (its folder lives there)
    # Processes and threads the submission may add: RLIMIT_NPROC of a sandbox that has a
    # user id of its own; where it shares one, this many beyond what that user runs already.
    processes: int = 512
    open_files: int = 1024
    reply_bytes: int = 256 * MiB
    load_timeout: float = 180.0
    max_restarts: int = 25
    isolate: bool = True  # namespaces, allow-list file system, unprivileged user
    # Wall clock for grading one submission (all its checks); None: no budget.
    time_budget: float | None = 600.0


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _limit_hit(types: list[str], message: str, limits: Limits | None) -> str | None:
    """Which resource limit an exception stands for, in words (None if none)."""
    limits = limits or Limits()
    if "MemoryError" in types:
        return f"memory limit ({_size(limits.memory_bytes)} of address space) exceeded"
    if "OSError" in types and ("[Errno 27]" in message or "File too large" in message):
        return f"file size limit ({_size(limits.file_bytes)} per file) exceeded"
    if "OSError" in types and ("[Errno 28]" in message or "No space left" in message):
        return f"disk quota ({_size(limits.disk_bytes)}) exceeded"
    if "OSError" in types and ("[Errno 11]" in message or "[Errno 24]" in message):
        return "process or open-file limit reached"
    return None


def _size(count: int) -> str:
    return f"{count / GiB:g} GiB" if count >= GiB else f"{count / MiB:g} MiB"


def error_from_reply(
    func: str, error: Mapping[str, Any], import_note: str | None,
    limits: Limits | None = None, defined: Sequence[str] | None = None,
) -> SubmissionError:
    """The SubmissionError that a worker's error reply stands for, worded for a student
    (``defined``: the names the submission defines, for a "did you mean")."""
    kind = str(error.get("type", ""))
    types = [str(t) for t in error.get("mro", [])]
    message = str(error.get("message", ""))
    where = str(error.get("where", "")) or None
    frames = tuple(str(f) for f in error.get("frames", []) or [])
    limit = _limit_hit(types, message, limits)
    if limit:
        return SubmissionRaised(f"{limit} in `{func}`" + (f"\n{where}" if where else ""),
                                types, where, frames)
    if kind == "MissingFunction":
        text = f"your submission has no function `{func}` (define it at the top level of the file)"
        close = difflib.get_close_matches(func, [n for n in defined or () if n != func], n=1,
                                          cutoff=0.75)
        if close:
            text += f"; it defines `{close[0]}`: did you mean `{func}`?"
        if import_note:
            text += f"; note: {import_note}"
        return MissingFunction(text)
    if "NotImplementedError" in types:
        return NotImplementedInSubmission(
            f"`{func}` is not implemented yet (it raises NotImplementedError)", frames=frames
        )
    if kind == "Unencodable":
        return WrongType(
            f"`{func}` returned something that is not plain data: {message}. Return str, int, "
            "float, bool, None, lists, tuples, dicts or numpy arrays"
        )
    if kind == "SystemExit":
        return SubmissionRaised(
            f"`{func}` tried to end the program: {message}; return a value instead",
            types, where, frames,
        )
    text = f"`{func}` raised {message}"
    if where:
        text += f"\n{where}"
    return SubmissionRaised(text, types, where, frames)


def scrubbed_environment(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a worker: nothing of the grader's but what Python and TF need."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "TMPDIR": str(home),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "TF_ENABLE_ONEDNN_OPTS": "0",
        "KERAS_BACKEND": "tensorflow",
        "KERAS_HOME": str(home / ".keras"),
        "MPLCONFIGDIR": str(home / ".matplotlib"),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HOME": str(home / ".hf"),
        "TOKENIZERS_PARALLELISM": "false",
        # torch's OpenMP pool oversubscribes small shared CPUs (10x slower measured on 2).
        "OMP_NUM_THREADS": "1",
        # TensorFlow's thread pools too: a worker's calls are small (one string, one prefix),
        # so more threads only wait for each other. One of each: CPU per textgen reference
        # grade 15.9 -> 11.5 s, dates 5.7 -> 5.2 s, reber unchanged, wall time no worse, and
        # byte-identical reports (bench/bench_batch.py --compare); the batch's --jobs
        # processes use the cores instead.
        "TF_NUM_INTRAOP_THREADS": "1",
        "TF_NUM_INTEROP_THREADS": "1",
    }
    for name in ("CUDA_VISIBLE_DEVICES", "SEQGRADE_DATA_DIR", *LAYER_SWITCHES):
        if name in os.environ:
            env[name] = os.environ[name]
    env.update(extra or {})
    return env


class _ForkedProcess:
    """A worker forked by the fork server: the part of ``subprocess.Popen`` the runner uses.

    The worker is the fork server's child, so its exit status comes from the server.
    """

    def __init__(self, pid: int, server: ForkServer) -> None:
        self.pid = pid
        self.server = server
        self.returncode: int | None = None

    def _status(self, timeout: float) -> int | None:
        if self.returncode is None:
            try:
                status = self.server.wait_status(self.pid, timeout)
            except ForkServerError:
                self.returncode = -signal.SIGKILL  # the server (and so its workers) died
                return self.returncode
            if status is not None:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def poll(self) -> int | None:
        """The exit code if the worker ended (negative: the signal), else None."""
        return self._status(0.0)

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the worker to end; ``subprocess.TimeoutExpired`` after ``timeout``."""
        code = self._status(30.0 if timeout is None else timeout)
        if code is None:
            raise subprocess.TimeoutExpired(f"worker {self.pid}", timeout or 30.0)
        return code

    def kill(self) -> None:
        """SIGKILL the worker."""
        try:
            os.kill(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


@dataclass
class SandboxRunner:
    """Runs a submission in a worker subprocess; see the module docstring."""

    submission: Submission
    limits: Limits = field(default_factory=Limits)
    env: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    load_error: str | None = None
    import_note: str | None = None
    # More grader folders the worker must not see (exercise packages of courses): covered
    # in the allow-list view too, should they lie inside what it keeps (site-packages).
    extra_hidden: list[str] = field(default_factory=list)
    # Data files and folders the submission may read (read-only, at their own paths): the
    # exercise's declared data. Nothing else of the host is in the worker's view.
    data_paths: list[str] = field(default_factory=list)
    # Libraries the exercise's submissions import (e.g. tensorflow): the fork server has
    # them imported already, so a worker forked from it does not pay for them again.
    preload: tuple[str, ...] = ()
    # An official grade: a worker that reaches no isolation level raises
    # IsolationUnavailable instead of grading (see checkers.sandbox.levels).
    require_isolation: bool = False
    # ImportErrors of the installation are checked with a clean worker (not in that one).
    probe_imports: bool = True

    def __post_init__(self) -> None:
        self.isolation = "none"  # the level the last worker reached (isolation.LEVELS)
        self.isolation_layers: list[str] = []
        self.defined: list[str] = []  # the names the submission defines (once loaded)
        # A fault of the machine, not of the submission: grading stops (see grading.py).
        self.fatal: GraderEnvironmentError | None = None
        self._import_probes: dict[str, bool] = {}
        self._last_output = ""
        self._process: subprocess.Popen | _ForkedProcess | None = None
        self._root: Path | None = None
        self._requests_fd = -1
        self._replies_fd = -1
        self._next_id = 0
        self._starts = 0
        self._created = time.monotonic()
        self.output_log: list[str] = []

    # -- process management -------------------------------------------------------------

    def _limit_values(self) -> dict[str, int]:
        """The worker's resource limits by ``resource`` constant name."""
        limits = self.limits
        return {"RLIMIT_AS": limits.memory_bytes, "RLIMIT_CPU": limits.cpu_seconds,
                "RLIMIT_FSIZE": limits.file_bytes, "RLIMIT_NOFILE": limits.open_files,
                "RLIMIT_CORE": 0}

    def _apply_limits(self) -> None:  # in the child, before exec: nothing to import here
        apply_limits(self._limit_values())

    def _start(self) -> None:
        self._starts += 1
        if self._starts > self.limits.max_restarts:
            self.load_error = (
                f"the submission crashed or hung {self.limits.max_restarts} times; "
                "the remaining checks were not run"
            )
            return
        self._root = Path(tempfile.mkdtemp(prefix="seqgrade-"))
        work = self._root / "work"
        try:
            source = materialize(self.submission, work)
        except (ValueError, OSError) as error:
            self.load_error = f"your submission could not be read: {error}"
            return
        requests_read, requests_write = os.pipe()
        replies_read, replies_write = os.pipe()
        self._requests_fd, self._replies_fd = requests_write, replies_read
        config: dict[str, Any] = {
            "source": str(source), "capture": str(self._root / "output.log"),
            "disk_quota": self.limits.disk_bytes, "isolate": self.limits.isolate,
            "hide": [str(f) for f in self._folders_to_hide()] if self.limits.isolate else [],
            "data": list(self.data_paths), "cover": list(self.extra_hidden),
            "notebook": self.submission.source.name if self.submission.kind == "ipynb" else "",
            # Set after isolation, when the worker's user id is known (see worker.run).
            "processes": self.limits.processes,
        }
        env = scrubbed_environment(self._root, self.env)
        try:
            self._process = self._fork(requests_read, replies_write, config, env, work)
            if self._process is None:
                self._process = self._spawn(requests_read, replies_write, config, env, work)
        finally:
            os.close(requests_read)
            os.close(replies_write)
        if isinstance(self._process, _ForkedProcess):
            try:
                protocol.write_message(self._requests_fd, {"start": {
                    **config, "env": env, "cwd": str(work), "limits": self._limit_values()}})
            except OSError:
                self.load_error = f"the sandbox could not start: {self._death_reason()}"
                self._kill()
                return
        # Asked before the submission is imported, so nothing of it can alter the answer.
        self._collect_isolation_notes()
        self._load()

    def _load(self) -> None:
        """Import the submission in the started worker; what it defines, or why not."""
        load_timeout = self.limits.load_timeout
        if self.limits.time_budget is not None:  # the import counts against the budget
            left = self._created + self.limits.time_budget - time.monotonic()
            load_timeout = max(1.0, min(load_timeout, left))
        try:
            reply = self._exchange({"op": "load"}, load_timeout, "import")
        except CallTimeout:
            self.load_error = (
                f"importing your file took longer than {load_timeout:.0f} s"
                + (" (what was left of your submission's time budget of "
                   f"{self.limits.time_budget:g} s)"
                   if load_timeout < self.limits.load_timeout else "")
                + "; do not train models or run long loops at the top level of the file"
            )
            return
        except SubmissionError as error:
            self.load_error = f"importing your file failed: {error.message}"
            return
        if reply.get("ok"):
            value = reply.get("value")
            self.defined = [str(n) for n in value] if isinstance(value, list) else []
            return
        self._import_failed(reply.get("error", {}))

    def _import_failed(self, error: dict[str, Any]) -> None:
        """The import raised: a syntax error ends the worker; otherwise what the module
        defined before it stopped stays, with a note saying where it stopped."""
        if error.get("type") == "SyntaxError" or "SyntaxError" in error.get("mro", []):
            self.load_error = f"your file has a syntax error: {error.get('message', '')}"
            self._kill()
            return
        self._check_installation(error)
        # The module ran partly: keep what it defined, and say what went wrong.
        where = error.get("where", "")
        self.import_note = (
            f"importing your file stopped early with {error.get('message', '')}"
            + (f" ({where.strip()})" if where else "")
            + "; functions defined after that point are missing"
        )
        self.notes.append(self.import_note)

    def _fork(self, requests_read: int, replies_write: int, config: dict[str, Any],
              env: dict[str, str], work: Path) -> _ForkedProcess | None:
        """A worker forked by this process's fork server (None where there is none)."""
        server = fork_server(env, self.preload)
        if server is None:
            return None
        try:
            return _ForkedProcess(server.fork(requests_read, replies_write), server)
        except ForkServerError:
            discard(server)
            return None

    def _spawn(self, requests_read: int, replies_write: int, config: dict[str, Any],
               env: dict[str, str], work: Path) -> subprocess.Popen:
        """A worker started as a process of its own (no fork server)."""
        command = [
            *python_command("checkers.sandbox.worker"),
            "--requests", str(requests_read), "--replies", str(replies_write),
            "--source", config["source"], "--capture", config["capture"],
            "--disk-quota", str(config["disk_quota"]),
        ]
        if config["notebook"]:
            command += ["--notebook", config["notebook"]]
        command += ["--processes", str(config["processes"])]
        if config["isolate"]:
            for folder in config["hide"]:
                command += ["--hide", folder]
            for path in config["data"]:
                command += ["--data", path]
            for path in config["cover"]:
                command += ["--cover", path]
        else:
            command.append("--no-isolation")
        return subprocess.Popen(
            command, cwd=work, env=env, pass_fds=(requests_read, replies_write),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=self._apply_limits, start_new_session=True,
        )

    def _folders_to_hide(self) -> list[Path]:
        """The grader's folders and the submission's neighbours (other submissions)."""
        repo = Path(__file__).resolve().parents[2]
        folders = [repo / name for name in ("solutions", "tests", "bench", ".git")]
        original = self.submission.folder.resolve()
        folders += [original, original.parent]
        folders += [Path(p) for p in self.extra_hidden]
        return [f for f in dict.fromkeys(folders) if f.is_dir()]

    def _collect_isolation_notes(self) -> None:
        """Ask the worker what isolation it reached (before the submission is imported, so
        nothing of it can alter the answer); raise where an official grade requires it."""
        if self._process is None:
            return
        try:
            reply = self._exchange({"op": "notes"}, 60, "isolation")
        except SubmissionError as error:
            # Nothing of the submission has run yet: the machine's fault, not the student's.
            self.fatal = GraderEnvironmentError(
                f"the sandbox's worker failed while isolating itself, before any student code "
                f"ran ({error.message}); not the student's fault. The worker said: "
                + (self._last_output or "nothing"))
            self._kill()
            raise self.fatal from None
        value = reply.get("value")
        if not isinstance(value, dict):
            value = {"level": "none", "notes": ["the worker did not say how it is isolated"]}
        level = str(value.get("level", "none"))
        self.isolation = level if level in LEVELS else "none"
        self.isolation_layers = [str(layer) for layer in value.get("layers") or []]
        for note in value.get("notes") or []:
            if isinstance(note, str) and not note.startswith(("isolated:", "no namespaces:")):
                self.notes.append(f"warning: {note}")
        if self.limits.isolate and self.isolation == "none":
            self.notes.append("warning: the worker is not fully isolated (see notes above)")
            if self.require_isolation:
                self.fatal = IsolationUnavailable(
                    "the sandbox could not isolate the submission on this machine (no "
                    "namespaces, no Landlock, no user id of its own); grade elsewhere, or "
                    "pass --allow-unisolated to grade anyway")
        self.notes[:] = list(dict.fromkeys(self.notes))
        if self.fatal is not None:
            self._kill()
            raise self.fatal

    def _check_installation(self, error: Mapping[str, Any]) -> None:
        """Raise :class:`BrokenInstallation` when ``error`` (a worker's reply) is an
        ImportError of the grader's own installation that a clean worker repeats."""
        if not self.probe_imports:
            return
        found = installation.installed_module(
            error, [grader_package(), *(Path(p).resolve() for p in self.extra_hidden)])
        if found is None:
            return
        name, path = found
        if name not in self._import_probes:
            self._import_probes[name] = self._probe_import(name)
        if not self._import_probes[name]:
            self.fatal = BrokenInstallation(
                f"the grader's Python installation is broken inside the sandbox: `{name}` "
                f"({path}) imports outside it but not inside; not the student's fault")
            self._kill()
            raise self.fatal

    def _probe_import(self, name: str) -> bool:
        """Whether a clean worker (same isolation, no student code) imports ``name``."""
        folder = Path(tempfile.mkdtemp(prefix="seqgrade-probe-"))
        try:
            source = folder / "probe.py"
            source.write_text(installation.PROBE_SOURCE, encoding="utf-8")
            probe = SandboxRunner(Submission(path=source, source=source, folder=folder),
                                  limits=self.limits, env=self.env,
                                  extra_hidden=self.extra_hidden, data_paths=self.data_paths,
                                  preload=self.preload, probe_imports=False)
            try:
                return probe.call("probe", (name,), {}, timeout=self.limits.load_timeout) is True
            except SubmissionError:
                return False
            finally:
                probe.close()
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _kill(self) -> None:
        process = self._process
        if process is not None:
            kill_tree(process.pid)
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                process.kill()
            except ProcessLookupError:
                pass
            process.wait()
        for fd in (self._requests_fd, self._replies_fd):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._requests_fd = self._replies_fd = -1
        self._process = None
        if self._root is not None:
            try:  # what the worker printed last (its own traceback, if it died isolating)
                self._last_output = (self._root / "output.log").read_text(
                    encoding="utf-8", errors="replace")[-1500:].strip()
            except OSError:
                self._last_output = ""
            shutil.rmtree(self._root, ignore_errors=True)
            self._root = None

    def _death_reason(self) -> str:
        process = self._process
        if process is None:
            return "the worker process is gone"
        try:
            code = process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return "the worker stopped answering"
        if code < 0:
            name = _signal_name(-code)
            hints = {
                "SIGXCPU": f"CPU time limit ({self.limits.cpu_seconds} s) exceeded",
                "SIGXFSZ": f"file size limit ({self.limits.file_bytes >> 20} MiB) exceeded",
                "SIGKILL": "killed (out of memory, or killed from inside)",
                "SIGSEGV": "crashed (segmentation fault; often out of memory)",
            }
            return f"the process was ended by {name}: {hints.get(name, 'a signal')}"
        return f"the process exited with code {code} (sys.exit/os._exit in your code?)"

    def _exchange(self, message: dict[str, Any], timeout: float, label: str) -> dict[str, Any]:
        self._next_id += 1
        message = {"id": self._next_id, **message}
        try:
            protocol.write_message(self._requests_fd, message)
        except (BrokenPipeError, OSError):
            reason = self._death_reason()
            self._kill()
            raise WorkerDied(f"`{label}` could not run: {reason}") from None
        deadline = time.monotonic() + timeout
        try:
            reply = protocol.read_message(
                self._replies_fd, max_bytes=self.limits.reply_bytes, deadline=deadline
            )
        except TimeoutError:
            self._kill()
            raise CallTimeout(
                f"`{label}` did not finish within {timeout:.0f} s (an endless loop, or very "
                "slow code?); it was stopped"
            ) from None
        except EOFError:
            reason = self._death_reason()
            self._kill()
            raise WorkerDied(f"`{label}` did not return: {reason}") from None
        except protocol.MessageTooLarge as error:
            self._kill()
            raise WrongType(f"`{label}` returned a value that is too large ({error})") from None
        except protocol.ProtocolError as error:
            self._kill()
            raise WorkerDied(
                f"`{label}` broke the grader's channel ({error}); do not write to file "
                "descriptors you did not open"
            ) from None
        if reply.get("id") != message["id"]:
            self._kill()
            raise WorkerDied(f"`{label}` sent a reply out of turn (forged protocol message?)")
        output = reply.get("output")
        if isinstance(output, str) and output:
            self.output_log.append(output)
        return reply

    def _ensure_started(self) -> None:
        if self._process is None and self.load_error is None:
            self._start()
        if self.load_error is not None:
            raise SubmissionError(self.load_error)

    def ensure_started(self) -> None:
        """Start the worker (and import the submission) now, if it is not running: what a
        call would do first (so that the call's own time can be measured apart)."""
        self._ensure_started()

    # -- Runner API ---------------------------------------------------------------------

    def call_with_rngs(
        self, func: str, args: tuple, kwargs: dict, *, timeout: float
    ) -> tuple[Any, list[np.random.Generator]]:
        """See :class:`Runner`."""
        self._ensure_started()
        request = {
            "op": "call",
            "func": func,
            "args": protocol.encode_plain(list(args)),
            "kwargs": protocol.encode_plain(dict(kwargs)),
        }
        reply = self._exchange(request, timeout, func)
        if not reply.get("ok"):
            error = reply.get("error")
            error = error if isinstance(error, dict) else {}
            self._check_installation(error)
            raise error_from_reply(func, error, self.import_note, self.limits,
                                   self.defined)
        try:
            value = protocol.decode(reply.get("value"))
            rngs = [protocol.decode({"__rng__": state}) for state in reply.get("rngs", [])]
        except protocol.ProtocolError as error:
            self._kill()
            raise WorkerDied(f"`{func}` sent a malformed reply: {error}") from None
        return value, rngs

    def call(self, func: str, args: tuple, kwargs: dict, *, timeout: float) -> Any:
        """See :class:`Runner`."""
        return self.call_with_rngs(func, args, kwargs, timeout=timeout)[0]

    def call_many(self, func: str, calls: list[tuple[tuple, dict]], *, timeout: float
                  ) -> tuple[list[Any], SubmissionError | None]:
        """See :class:`BatchRunner`."""
        self._ensure_started()
        memo: dict[int, Any] = {}  # an argument shared by the calls is encoded once
        request = {
            "op": "call_many",
            "func": func,
            "calls": [[protocol.encode_plain(list(args), 0, memo),
                       protocol.encode_plain(dict(kwargs), 0, memo)] for args, kwargs in calls],
        }
        reply = self._exchange(request, timeout, func)
        try:
            values = [protocol.decode(v) for v in reply.get("values") or []]
        except protocol.ProtocolError as error:
            self._kill()
            raise WorkerDied(f"`{func}` sent a malformed reply: {error}") from None
        if reply.get("ok"):
            return values, None
        error = reply.get("error")
        error = error if isinstance(error, dict) else {}
        self._check_installation(error)
        return values, error_from_reply(func, error, self.import_note, self.limits,
                                        self.defined)

    def close(self) -> None:
        """Ask the worker to exit, then make sure it and its files are gone."""
        if self._process is not None and self._process.poll() is None:
            try:
                protocol.write_message(self._requests_fd, {"id": 0, "op": "exit"})
                self._process.wait(timeout=2)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self._kill()

    def __enter__(self) -> SandboxRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class InProcessRunner:
    """Calls functions from a namespace (e.g. a notebook's ``globals()``) in this process.

    Same data conversion and error messages as the sandbox, but no isolation: for a
    student's self-check only.
    """

    isolation = "in-process"  # the notebook's own process: no sandbox, not official

    def __init__(self, namespace: Mapping[str, Any]) -> None:
        self.namespace = namespace
        self.notes = ["self-check in the notebook's own process: not an official grade"]
        self.load_error: str | None = None
        self.import_note: str | None = None

    def call_with_rngs(
        self, func: str, args: tuple, kwargs: dict, *, timeout: float
    ) -> tuple[Any, list[np.random.Generator]]:
        """See :class:`Runner`."""
        if func.startswith("seqgrade:"):  # a built-in call of the worker (sandbox/models.py)
            raise SubmissionError(
                "this check examines your saved model files inside the sandbox: run "
                "`seqgrade check` on your file or notebook for it (the self-check cannot)")
        function = self.namespace.get(func)
        if function is None or not callable(function):
            raise error_from_reply(func, {"type": "MissingFunction"}, None,
                                   defined=[n for n, v in self.namespace.items()
                                            if callable(v) and not n.startswith("_")])
        # A round trip through the wire format: the submission gets fresh copies.
        call_args = protocol.decode(protocol.encode_plain(list(args)))
        call_kwargs = protocol.decode(protocol.encode_plain(dict(kwargs)))
        try:
            with _alarm(timeout, func):
                result = function(*call_args, **call_kwargs)
            value = protocol.decode(protocol.encode_plain(result))
        except CallTimeout:
            raise
        except protocol.Unencodable as error:
            raise error_from_reply(
                func, {"type": "Unencodable", "message": str(error)}, None) from None
        except BaseException as error:  # noqa: BLE001 - SystemExit included
            if isinstance(error, KeyboardInterrupt):
                raise
            described = describe_exception(error, None)
            described["message"] += skipped_cell_hint(error, self.namespace.get(SKIPPED_NAMES))
            raise error_from_reply(func, described, None) from None
        rngs = [a for a in [*call_args, *call_kwargs.values()]
                if isinstance(a, np.random.Generator)]
        return value, rngs

    def call(self, func: str, args: tuple, kwargs: dict, *, timeout: float) -> Any:
        """See :class:`Runner`."""
        return self.call_with_rngs(func, args, kwargs, timeout=timeout)[0]

    def close(self) -> None:
        """Nothing to release."""


class _alarm:
    """A wall-clock limit through SIGALRM, where this thread can use signals."""

    def __init__(self, seconds: float, func: str) -> None:
        self.seconds = seconds
        self.func = func
        self.active = (threading.current_thread() is threading.main_thread()
                       and hasattr(signal, "SIGALRM"))

    def _fire(self, *_: object) -> None:
        raise CallTimeout(f"`{self.func}` did not finish within {self.seconds:.0f} s")

    def __enter__(self) -> None:
        if self.active:
            self.previous = signal.signal(signal.SIGALRM, self._fire)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)

    def __exit__(self, *exc: object) -> None:
        if self.active:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)
