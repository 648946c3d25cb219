"""Operating-system isolation of a worker, applied before any student code is imported.

Layers, strongest first; each worker applies every one the machine allows, and reports
the level it reached (:class:`Isolation`, one of :data:`LEVELS`):

1. **namespaces** (Linux, as root or where unprivileged user namespaces are allowed): new
   network, mount and PID namespaces.

   - *network*: a fresh namespace has only a loopback interface, down;
   - *mounts*: an allow-list root (:mod:`checkers.sandbox.view`): Python, the system
     libraries and the declared data, read-only; of the grader only the worker's own
     modules; a small private ``/tmp`` (the quota) holding its copy of the submission.
     Where that root cannot be built (or with ``SEQGRADE_NO_ALLOW_LIST=1``), a deny-list:
     the grader's folders covered with empty read-only tmpfs mounts, the rest read-only;
   - *PID*: the worker's child is PID 1 of the namespace, so every process the
     submission starts dies with it;
   - *privileges*: as root, the worker drops to an unprivileged user id of its own (or
     keeps uid 0 without capabilities where Python is not readable by others).

   Landlock and seccomp (below) are added on top, as a second wall.
2. **landlock** (containers: root without ``CAP_SYS_ADMIN``, ``unshare`` refused by the
   seccomp profile): the same allow-list written as Landlock rules over the host's file
   system (:mod:`checkers.sandbox.confine`), TCP refused, signals and abstract sockets
   scoped; a seccomp filter refusing network sockets, ptrace, mounts, namespaces, keys,
   bpf and io_uring (:mod:`checkers.sandbox.syscalls`); an unprivileged user id where one
   is mapped, else uid 0 without capabilities. The worker's parent is a subreaper, so
   processes the submission leaves behind stay in its tree and die with it.
3. **uid-only**: no namespaces and no Landlock, but the worker runs under a user id of its
   own: only file permissions protect the grader's files.
4. **none**: nothing could be applied; the notes say so, the official commands refuse to
   grade unless told ``--allow-unisolated`` (:mod:`checkers.sandbox.levels`).

``no_new_privs`` is set at every level. ``SEQGRADE_NO_NAMESPACES=1``,
``SEQGRADE_NO_LANDLOCK=1`` and ``SEQGRADE_NO_SECCOMP=1`` in the worker's environment switch
layers off (tests, and the positive controls that show what each layer stops).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

from checkers.sandbox import confine, view
from checkers.sandbox.processes import kill_tree

LEVELS = ("namespaces", "landlock", "uid-only", "none")


@dataclass
class Isolation:
    """What isolation a worker reached: its level (the strongest layer: one of
    :data:`LEVELS`), every layer applied, and notes on what is missing."""

    level: str
    layers: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """Plain data for the grader (sent over the worker's pipe)."""
        return {"level": self.level, "layers": list(self.layers), "notes": list(self.notes)}

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
NOBODY = 65534
# Each sandbox runs under a user id of its own (from this range, keyed by the worker's pid),
# so the per-user process limit is per sandbox, and sandboxes cannot signal each other.
SANDBOX_UID_BASE = 200_000
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
PR_SET_CHILD_SUBREAPER = 36
SYS_CAPSET = {"x86_64": 126, "aarch64": 91}


def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def _unshare(libc: ctypes.CDLL, flags: int) -> int:
    return 0 if libc.unshare(flags) == 0 else ctypes.get_errno()


def _mount_tmpfs(libc: ctypes.CDLL, target: str, options: str, readonly: bool = False) -> int:
    flags = MS_NOSUID | MS_NODEV | (MS_RDONLY if readonly else 0)
    result = libc.mount(b"tmpfs", target.encode(), b"tmpfs", flags, options.encode())
    return 0 if result == 0 else ctypes.get_errno()


def _essential_paths() -> list[Path]:
    """Folders the worker needs: the interpreter, its libraries, the grader's package
    (public code, and the checkers' own data such as the textgen LM), the data folder."""
    paths = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.executable).resolve().parent,
             Path(__file__).resolve().parent}
    paths.update(Path(p) for p in sys.path if p and Path(p).is_dir())
    if os.environ.get("SEQGRADE_DATA_DIR"):
        paths.add(Path(os.environ["SEQGRADE_DATA_DIR"]))
    return [p.resolve() for p in paths]


def _can_hide(path: Path, essential: list[Path]) -> bool:
    path = path.resolve()
    if path == Path("/") or not path.is_dir():
        return False
    for needed in essential:
        if needed == path or path in needed.parents:
            return False
    return True


def _mirror_child_exit(child: int, kill_leftovers: bool = False) -> None:
    """Wait for the PID-1 child and leave the same way it did (first killing, with
    ``kill_leftovers``, every process the child left behind: this one is their subreaper)."""
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.SIG_IGN)
    while True:
        try:
            _, status = os.waitpid(child, 0)
            break
        except ChildProcessError:
            os._exit(1)
        except InterruptedError:
            continue
    if kill_leftovers:
        kill_tree(os.getpid())
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        signal.signal(number, signal.SIG_DFL)
        os.kill(os.getpid(), number)
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)


def _read_folder(work: Path) -> dict[Path, bytes]:
    """Every file of the work folder, in memory (before anything covers it)."""
    files: dict[Path, bytes] = {}
    for item in work.rglob("*"):
        if item.is_file() and not item.is_symlink():
            files[item.relative_to(work)] = item.read_bytes()
    return files


def _private_tmp(libc: ctypes.CDLL, files: dict[Path, bytes], quota_bytes: int) -> Path:
    """A private, size-limited tmpfs on /tmp holding the work folder's files.

    Folders the worker needs that live under /tmp (a checkout or a virtual environment
    there) are bind-mounted back, read-only, at their own paths.
    """
    keep = {}
    for needed in _essential_paths():
        if Path("/tmp") in needed.parents and needed.is_dir():
            keep[needed] = os.open(needed, os.O_PATH | os.O_DIRECTORY)
    error = _mount_tmpfs(libc, "/tmp", f"size={quota_bytes},mode=1777")
    if error:
        raise OSError(error, "mounting a private /tmp failed")
    for needed, fd in sorted(keep.items()):
        needed.mkdir(parents=True, exist_ok=True)
        source = f"/proc/self/fd/{fd}".encode()
        if libc.mount(source, str(needed).encode(), None, MS_BIND | MS_REC, None) == 0:
            libc.mount(None, str(needed).encode(), None,
                       MS_REMOUNT | MS_BIND | MS_RDONLY | MS_REC, None)
        os.close(fd)
    new_work = Path("/tmp/work")
    new_work.mkdir()
    for relative, data in files.items():
        target = new_work / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    for name in ("/var/tmp", "/dev/shm"):
        if os.path.isdir(name):
            _mount_tmpfs(libc, name, "size=16m,mode=1777")
    return new_work


def isolate(work: Path, hide: list[Path], quota_bytes: int,
            data: list[Path] | None = None,
            cover: list[Path] | None = None) -> tuple[Path, Isolation]:
    """Isolate this process (see module docstring); returns the work folder and the level.

    Must run before the submission is imported, in a process with one thread. Forks: the
    caller continues in the child (PID 1 of a new PID namespace, or a child of a
    subreaper) while the parent only mirrors its exit.
    """
    libc = _libc()
    if libc is None or not sys.platform.startswith("linux"):
        return work, Isolation("none", [], [
            "not isolated: this system has neither Linux namespaces nor Landlock; the "
            "submission could use the network and see the grader's files"])
    if os.environ.get("SEQGRADE_NO_NAMESPACES") == "1":
        reason = "namespaces switched off (SEQGRADE_NO_NAMESPACES=1)"
    else:
        is_root = os.getuid() == 0
        flags = CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWPID
        uid, gid = os.getuid(), os.getgid()
        error = _unshare(libc, flags if is_root else flags | CLONE_NEWUSER)
        if not error:
            return _in_namespaces(libc, work, hide, quota_bytes, data, cover, uid, gid)
        reason = f"unshare failed ({os.strerror(error)})"
    return _without_namespaces(libc, work, data or [], cover or [], reason)


def _in_namespaces(libc: ctypes.CDLL, work: Path, hide: list[Path], quota_bytes: int,
                   data: list[Path] | None, cover: list[Path] | None,
                   uid: int, gid: int) -> tuple[Path, Isolation]:
    """The namespace path: network, mount and PID namespaces, the allow-list root, then
    Landlock and seccomp on top where the kernel has them."""
    notes: list[str] = []
    is_root = os.getuid() == 0
    sandbox_uid = SANDBOX_UID_BASE + os.getpid() % 100_000
    if not is_root:
        try:
            Path("/proc/self/setgroups").write_text("deny")
            Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
            Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")
        except OSError as map_error:
            notes.append(f"user namespace maps not written ({map_error})")
    child = os.fork()
    if child:
        _mirror_child_exit(child)
    libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None)
    files = _read_folder(work)
    seen = "allow-list view (only Python, system libraries and the declared data)"
    try:
        work, kept = _enter_new_root(libc, work, files, quota_bytes, data, sandbox_uid,
                                     cover)
        notes.extend(kept)
    except OSError as root_error:
        notes.append(f"no allow-list view of the file system ({root_error}); the grader's "
                     "folders are hidden instead, the rest of the host stays readable")
        work, seen = _deny_list_view(libc, work, files, hide, quota_bytes, notes)
    home = work.parent / "home"
    home.mkdir(exist_ok=True)
    set_home(home)
    layers = ["namespaces"]
    ruleset = confine.namespace_ruleset(work.parent, notes)
    who = "its own user"
    if is_root:
        if not seen.startswith("allow-list"):
            for needed in _essential_paths():
                _open_the_way(libc, needed)
        # In the allow-list view, only what is there matters (the data folder is not).
        if _drop_to(sandbox_uid, [home, work, *work.rglob("*")]):
            who = f"an unprivileged user of its own (uid {sandbox_uid})"
            layers.append("own uid")
        elif _drop_capabilities(libc):
            who = "uid 0 without capabilities (Python lives where nobody cannot read it)"
        else:
            notes.append("running as root with its capabilities: it could undo the mounts")
    libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    layers += confine.restrict(ruleset, notes)
    os.chdir(work)
    notes.append(f"isolated: no network, private /tmp, {seen}, read-only file systems, "
                 f"running as {who}")
    return work, Isolation("namespaces", layers, notes)


def _without_namespaces(libc: ctypes.CDLL, work: Path, data: list[Path], cover: list[Path],
                        reason: str) -> tuple[Path, Isolation]:
    """Where no namespace can be made (a container): Landlock, seccomp, an own user id.

    The process forks; the parent becomes a subreaper that only mirrors the child's exit,
    so every process the submission leaves behind stays in the worker's tree, where the
    runner kills it (no PID namespace does it here).
    """
    notes = [f"no namespaces: {reason}"]
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)  # this process only (not inherited)
    child = os.fork()
    if child:
        _mirror_child_exit(child, kill_leftovers=True)
    home = work.parent / "home"
    home.mkdir(exist_ok=True)
    set_home(home)
    view.import_worker_modules()
    ruleset = confine.host_ruleset(work, home, data, cover, notes)
    layers: list[str] = []
    who = f"uid {os.getuid()}"
    if os.getuid() == 0:
        sandbox_uid = SANDBOX_UID_BASE + os.getpid() % 100_000
        if _drop_to(sandbox_uid, [home, work, *work.rglob("*")]):
            layers.append("own uid")
            who = f"an unprivileged user of its own (uid {sandbox_uid})"
        elif _drop_capabilities(libc):
            who = "uid 0 without capabilities (no other user id is mapped here)"
        else:
            notes.append("running as root with its capabilities")
    libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    layers += confine.restrict(ruleset, notes)
    os.chdir(work)
    if any(layer.startswith("Landlock") for layer in layers):
        level = "landlock"
    elif "own uid" in layers:
        level = "uid-only"
    else:
        level = "none"
    if level == "none":
        notes.append("not isolated: no namespaces and no Landlock here; the submission "
                     "could use the network and see the grader's files")
    else:
        notes.append(f"isolated: {', '.join(layers)}; only the Python installation, the "
                     f"declared data and its own folder are readable; running as {who}")
    return work, Isolation(level, layers, notes)


def _drop_to(sandbox_uid: int, owned: list[Path]) -> bool:
    """Become ``sandbox_uid`` (and a group of the same id), owning ``owned``; False where impossible
    (only uid 0 mapped, no CAP_SETUID, or Python not readable by an unprivileged user)."""
    if not all(_readable_by_others(p) for p in _essential_paths() if p.exists()):
        return False
    try:
        # Its folders' parent (mode 700, the grader's) becomes traversable, not listable.
        for parent in {item.parent for item in owned} - set(owned):
            os.chmod(parent, os.stat(parent).st_mode | 0o111)
        for item in owned:
            os.chown(item, sandbox_uid, sandbox_uid)
        os.setgroups([])
        os.setgid(sandbox_uid)
        os.setuid(sandbox_uid)
    except OSError:
        for item in owned:
            try:
                os.chown(item, 0, 0)
            except OSError:
                pass
        return False
    return True


def set_home(home: Path) -> None:
    """Point HOME, TMPDIR and the libraries' caches at the worker's own ``home``."""
    for name, value in (("HOME", home), ("TMPDIR", home), ("KERAS_HOME", home / ".keras"),
                        ("HF_HOME", home / ".hf"), ("MPLCONFIGDIR", home / ".matplotlib")):
        os.environ[name] = str(value)


def _deny_list_view(libc: ctypes.CDLL, work: Path, files: dict[Path, bytes], hide: list[Path],
                    quota_bytes: int, notes: list[str]) -> tuple[Path, str]:
    """The fallback view: the host's file systems read-only, the grader's folders covered."""
    essential = _essential_paths()
    hidden = []
    for path in hide:
        if _can_hide(path, essential) and not _mount_tmpfs(libc, str(path), "size=4k",
                                                            readonly=True):
            hidden.append(path)
    if not _remount_read_only(libc):
        notes.append("the file systems could not be made read-only for the submission")
    if libc.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV, None) != 0:
        notes.append("/proc still shows the grader's processes")
    try:
        work = _private_tmp(libc, files, quota_bytes)
    except OSError as tmp_error:
        notes.append(f"no private /tmp ({tmp_error}); disk use is limited per file only")
    return work, f"{len(hidden)} grader folders hidden"


def _enter_new_root(libc: ctypes.CDLL, work: Path, files: dict[Path, bytes],
                    quota_bytes: int, data: list[Path] | None,
                    sandbox_uid: int, cover: list[Path] | None = None) -> tuple[Path, list[str]]:
    """Build the allow-list root (see :mod:`checkers.sandbox.view`) and move into it."""
    if os.environ.get("SEQGRADE_NO_ALLOW_LIST") == "1":
        raise OSError(0, "switched off by SEQGRADE_NO_ALLOW_LIST=1")
    return view.enter(libc, work, files, quota_bytes, list(data or []), sandbox_uid,
                      list(cover or []))


def _open_the_way(libc: ctypes.CDLL, needed: Path) -> None:
    """Let an unprivileged user reach ``needed`` when a folder above it is private.

    The private folder (typically /root, mode 700, holding a pyenv Python) is covered with
    a tmpfs of mode 755 that holds only a bind mount of the child leading to ``needed``:
    the way through opens, and the rest of that folder stays out of sight.
    """
    chain = [needed, *needed.parents]
    for child, folder in zip(chain, chain[1:], strict=False):
        try:
            mode = folder.stat().st_mode
        except OSError:
            return
        if mode & 0o001:
            continue
        stage = Path("/tmp/.seqgrade-stage") / child.name
        stage.mkdir(parents=True, exist_ok=True)
        if libc.mount(str(child).encode(), str(stage).encode(), None, MS_BIND | MS_REC,
                      None) != 0:
            return
        if _mount_tmpfs(libc, str(folder), "size=64k,mode=755"):
            return
        (folder / child.name).mkdir()
        libc.mount(str(stage).encode(), str(folder / child.name).encode(), None,
                   MS_BIND | MS_REC, None)
        libc.umount2(str(stage).encode(), 2)  # MNT_DETACH
        libc.mount(None, str(folder).encode(), None,
                   MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, None)
        return


def _readable_by_others(path: Path) -> bool:
    """Whether every folder above ``path`` can be traversed by an unprivileged user."""
    for folder in [path, *path.parents]:
        try:
            mode = folder.stat().st_mode
        except OSError:
            return False
        if folder.is_dir() and not mode & 0o001:
            return False
    return True


def _remount_read_only(libc: ctypes.CDLL) -> bool:
    """Every mount of this namespace read-only (private tmpfs mounts come after)."""
    ok = True
    for mount_point in _mount_points():
        flags = MS_REMOUNT | MS_BIND | MS_RDONLY
        if libc.mount(None, mount_point.encode(), None, flags, None) != 0 and mount_point == "/":
            ok = False
    return ok


def _mount_points() -> list[str]:
    try:
        lines = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return ["/"]
    points = []
    for line in lines:
        fields = line.split()
        if len(fields) > 1 and not fields[1].startswith(("/proc", "/sys", "/dev")):
            points.append(fields[1].replace("\\040", " "))
    return points


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def _drop_capabilities(libc: ctypes.CDLL) -> bool:
    """Drop every capability (bounding set, then effective/permitted/inheritable)."""
    import platform

    for capability in range(64):
        libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0)
    number = SYS_CAPSET.get(platform.machine())
    if number is None:
        return False
    header = _CapHeader(0x20080522, 0)
    data = (_CapData * 2)()
    return libc.syscall(number, ctypes.byref(header), ctypes.byref(data)) == 0
