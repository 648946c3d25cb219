"""Operating-system isolation of a worker, applied before any student code is imported.

On Linux, as root (or where unprivileged user namespaces are allowed), the worker moves
into new network, mount and PID namespaces:

- **network**: a fresh namespace has only a loopback interface, down: no connection
  leaves the worker;
- **mounts**: the worker moves into an allow-list root (:mod:`checkers.sandbox.view`):
  Python, the system libraries and the exercise's declared data, read-only; of the
  grader only the worker's own modules; a small private ``/tmp`` (the quota) holding its
  copy of the submission. Where that root cannot be built (or with
  ``SEQGRADE_NO_ALLOW_LIST=1``), the fallback is a deny-list: the grader's folders
  (reference solutions, tests, other submissions) covered with empty read-only tmpfs
  mounts, the rest of the host read-only, and a note says so;
- **PID**: the worker forks once; its child is PID 1 of the namespace, so every process
  the submission starts dies with it (no stray processes, whatever they do);
- **privileges**: a worker started as root remounts every file system read-only (but its
  private tmpfs), mounts a /proc that shows only its own processes, opens a way through
  private folders above the Python installation (e.g. /root), then drops to an
  unprivileged user id of its own (so the per-user process limit is per sandbox, and
  sandboxes cannot signal each other); where that is impossible it keeps uid 0 with every
  capability dropped (it can neither undo the mounts nor write outside its folder).
  ``no_new_privs`` is set either way.

Where a step is not possible, :func:`isolate` says so in the notes it returns, and the
report carries the warning: never a silent pass. ``SEQGRADE_NO_NAMESPACES=1`` in the
worker's environment forces the case of a machine without namespaces (tests).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from pathlib import Path

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


def _mirror_child_exit(child: int) -> None:
    """Wait for the PID-1 child and leave the same way it did."""
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
            cover: list[Path] | None = None) -> tuple[Path, list[str]]:
    """Isolate this process (see module docstring); returns the work folder and notes.

    Must run before the submission is imported. May fork: the caller continues in the
    child (PID 1 of a new PID namespace) while the parent only mirrors its exit.
    """
    notes: list[str] = []
    libc = _libc()
    if os.environ.get("SEQGRADE_NO_NAMESPACES") == "1":
        return work, ["not isolated: namespaces switched off (SEQGRADE_NO_NAMESPACES=1); the "
                      "submission could use the network and see the grader's files"]
    if libc is None or not sys.platform.startswith("linux"):
        return work, ["not isolated: Linux namespaces are unavailable; the submission could "
                      "use the network and see the grader's files"]
    is_root = os.getuid() == 0
    sandbox_uid = SANDBOX_UID_BASE + os.getpid() % 100_000
    flags = CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWPID
    uid, gid = os.getuid(), os.getgid()
    error = _unshare(libc, flags if is_root else flags | CLONE_NEWUSER)
    if error:
        return work, [f"not isolated: unshare failed ({os.strerror(error)}); the submission "
                      "could use the network and see the grader's files"]
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
    view = "allow-list view (only Python, system libraries and the declared data)"
    try:
        work, kept = _enter_new_root(libc, work, files, quota_bytes, data, sandbox_uid,
                                     cover)
        notes.extend(kept)
    except OSError as root_error:
        notes.append(f"no allow-list view of the file system ({root_error}); the grader's "
                     "folders are hidden instead, the rest of the host stays readable")
        work, view = _deny_list_view(libc, work, files, hide, quota_bytes, notes)
    home = work.parent / "home"
    home.mkdir(exist_ok=True)
    for name, value in (("HOME", home), ("TMPDIR", home), ("KERAS_HOME", home / ".keras"),
                        ("HF_HOME", home / ".hf"), ("MPLCONFIGDIR", home / ".matplotlib")):
        os.environ[name] = str(value)
    who = "its own user"
    if is_root:
        if not view.startswith("allow-list"):
            for needed in _essential_paths():
                _open_the_way(libc, needed)
        # In the allow-list view, only what is there matters (the data folder is not).
        if all(_readable_by_others(p) for p in _essential_paths() if p.exists()):
            for item in [home, work, *work.rglob("*")]:
                os.chown(item, sandbox_uid, NOBODY)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(sandbox_uid)
            who = f"an unprivileged user of its own (uid {sandbox_uid})"
        elif _drop_capabilities(libc):
            who = "uid 0 without capabilities (Python lives where nobody cannot read it)"
        else:
            notes.append("running as root with its capabilities: it could undo the mounts")
    libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    os.chdir(work)
    notes.append(f"isolated: no network, private /tmp, {view}, read-only file systems, "
                 f"running as {who}")
    return work, notes


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
    from checkers.sandbox import view

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
