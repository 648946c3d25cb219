"""The worker's file system: an allow-list root that holds only what grading needs.

Inside the mount namespace that :func:`checkers.sandbox.isolation.isolate` made, a fresh
tmpfs becomes the root (``pivot_root``), holding, at their usual paths:

- **read-only**: the Python installation and its packages (``sys.prefix``, ``sys.path``),
  the system folders (``/usr`` and its ``/bin``, ``/lib``... links), the few files of
  ``/etc`` that the dynamic loader and the C library read (a ``passwd`` of the sandbox's
  own), ``/dev/null``-like devices (and NVIDIA's, where present), the CPU topology of
  ``/sys`` (its devices and buses where a GPU is present), and the data files the exercise
  declares (:attr:`checkers.engine.model.Exercise.data_files`);
- **of the grader, only the worker**: ``checkers/__init__.py`` (the facade, which does
  nothing while grading) and the modules of :data:`WORKER_MODULES`. Checks, oracles,
  rubrics, thresholds and reference solutions are not in the root at all, so importing
  them (by name or by path) raises ImportError;
- **writable**: ``/tmp`` (the private copy of the submission in ``/tmp/work``, a home in
  ``/tmp/home``) and ``/dev/shm``, size-limited tmpfs mounts (the disk quota);
- a ``/proc`` that shows only the worker's own processes.

No home folder, no course folder, no gradebook, no other submission: nothing else of the
host. Any step that fails raises OSError; the caller then falls back to hiding the
grader's folders, and says so in the report.
"""

from __future__ import annotations

import ctypes
import importlib
import os
import platform
import sys
from pathlib import Path

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MNT_DETACH = 2
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}
NOBODY = 65534

# The only grader modules inside the root (relative to the ``checkers`` package).
WORKER_MODULES = ("__init__.py", "sandbox/__init__.py", "sandbox/worker.py",
                  "sandbox/protocol.py", "sandbox/models.py", "sandbox/errors.py",
                  "sandbox/isolation.py", "sandbox/view.py", "sandbox/confine.py",
                  "sandbox/landlock.py", "sandbox/syscalls.py", "sandbox/processes.py",
                  "sandbox/notebook.py")
# System folders bound read-only (or re-created as the links they are).
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# Files of /etc copied in (what the loader, the C library and time zones read).
ETC_FILES = ("ld.so.cache", "ld.so.conf", "nsswitch.conf", "localtime", "timezone",
             "host.conf", "mime.types")
ETC_FOLDERS = ("ld.so.conf.d",)
DEVICES = ("null", "zero", "full", "random", "urandom")
SYS_PATHS = ("/sys/devices/system/cpu", "/sys/devices/system/node")
# Where NVIDIA's device nodes exist, what the CUDA driver reads (not tested without a GPU).
SYS_PATHS_GPU = ("/sys/devices", "/sys/bus", "/sys/module")


def _check(result: int, what: str) -> None:
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def _bind(libc: ctypes.CDLL, source: Path, target: Path, writable: bool = False) -> None:
    """Bind ``source`` on ``target`` (created), read-only unless ``writable``."""
    if source.is_dir():
        target.mkdir(parents=True, exist_ok=True)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.touch(exist_ok=True)
    _check(libc.mount(str(source).encode(), str(target).encode(), None, MS_BIND | MS_REC,
                      None), f"binding {source}")
    if not writable:
        flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_REC
        if libc.mount(None, str(target).encode(), None, flags | MS_NODEV, None) != 0:
            # Device nodes keep their mount's nodev flag as it was (it is locked).
            _check(libc.mount(None, str(target).encode(), None, flags, None),
                   f"making {source} read-only")


def _tmpfs(libc: ctypes.CDLL, target: Path, options: str) -> None:
    target.mkdir(parents=True, exist_ok=True)
    _check(libc.mount(b"tmpfs", str(target).encode(), b"tmpfs", MS_NOSUID | MS_NODEV,
                      options.encode()), f"mounting a tmpfs on {target}")


def grader_package() -> Path:
    """The folder of the ``checkers`` package (whatever the install: checkout or wheel)."""
    return Path(__file__).resolve().parent.parent


def python_paths() -> list[Path]:
    """The Python installation: prefixes, the interpreter's folder, every sys.path folder.

    A sys.path folder that holds the grader's package outside the installation (a
    checkout put on the path) is left out: the worker's modules are added one by one.
    """
    prefixes = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(),
                Path(sys.exec_prefix).resolve()}
    package = grader_package()
    paths = set(prefixes) | {Path(sys.executable).resolve().parent}
    for entry in sys.path:
        if not entry or not Path(entry).is_dir():
            continue
        folder = Path(entry).resolve()
        inside_python = any(folder.is_relative_to(p) for p in prefixes)
        if package.is_relative_to(folder) and not inside_python:
            continue
        paths.add(folder)
    return sorted(_outermost(paths))


def _outermost(paths: set[Path]) -> set[Path]:
    return {p for p in paths if not any(q != p and p.is_relative_to(q) for q in paths)}


def refused_data(path: Path, protected: list[Path]) -> str | None:
    """Why a declared data path is not bound (it would show the grader), or None."""
    path = path.resolve()
    if path == Path("/"):
        return "the root folder"
    for folder in protected:
        if folder.is_relative_to(path):
            return f"it holds {folder}"
    return None


def _passwd(uid: int) -> bytes:
    return (f"root:x:0:0:root:/nonexistent:/usr/sbin/nologin\n"
            f"sandbox:x:{uid}:{uid}:sandbox:/tmp/home:/usr/sbin/nologin\n"
            f"nobody:x:{NOBODY}:{NOBODY}:nobody:/nonexistent:/usr/sbin/nologin\n").encode()


def _populate_etc(root: Path, sandbox_uid: int) -> None:
    etc = root / "etc"
    etc.mkdir(mode=0o755)
    for name in ETC_FILES:
        source = Path("/etc") / name
        if source.is_symlink():
            os.symlink(os.readlink(source), etc / name)
        elif source.is_file():
            (etc / name).write_bytes(source.read_bytes())
    for name in ETC_FOLDERS:
        source = Path("/etc") / name
        if source.is_dir():
            (etc / name).mkdir()
            for item in source.iterdir():
                if item.is_file():
                    (etc / name / item.name).write_bytes(item.read_bytes())
    (etc / "passwd").write_bytes(_passwd(sandbox_uid))
    (etc / "group").write_bytes(
        f"root:x:0:\nsandbox:x:{sandbox_uid}:\nnogroup:x:{NOBODY}:\n".encode())
    (etc / "hosts").write_bytes(b"127.0.0.1 localhost\n::1 localhost\n")


def _populate_dev(libc: ctypes.CDLL, root: Path) -> None:
    dev = root / "dev"
    _tmpfs(libc, dev, "size=64k,mode=755")
    for name in DEVICES:
        if Path("/dev", name).exists():
            _bind(libc, Path("/dev", name), dev / name, writable=True)
    # GPUs the worker may use (CUDA_VISIBLE_DEVICES passes through): NVIDIA's device nodes.
    for node in sorted(Path("/dev").glob("nvidia*")):
        if not node.is_dir():
            _bind(libc, node, dev / node.name, writable=True)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        os.symlink(target, dev / name)
    _tmpfs(libc, dev / "shm", "size=64m,mode=1777")


def _populate_system(libc: ctypes.CDLL, root: Path) -> None:
    for name in SYSTEM_PATHS:
        source = Path(name)
        if source.is_symlink():
            os.symlink(os.readlink(source), root / name.lstrip("/"))
        elif source.is_dir():
            _bind(libc, source, root / name.lstrip("/"))
    gpu = any(Path("/dev").glob("nvidia*"))
    for name in SYS_PATHS_GPU if gpu else SYS_PATHS:
        if Path(name).is_dir():
            _bind(libc, Path(name), root / name.lstrip("/"))


def _populate_grader(libc: ctypes.CDLL, root: Path, modules: dict[str, bytes]) -> None:
    """Only the worker's modules, at the package's own path (on a tmpfs of their own, so
    that a package installed in site-packages shows nothing else either)."""
    target = root / grader_package().relative_to("/")
    _tmpfs(libc, target, "size=4m,mode=755")
    for relative, data in modules.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _pivot(libc: ctypes.CDLL, root: Path) -> None:
    number = SYS_PIVOT_ROOT.get(platform.machine())
    if number is None:
        raise OSError(0, f"pivot_root is not known on {platform.machine()}")
    os.chdir(root)
    _check(libc.syscall(number, b".", b"."), "pivot_root")
    _check(libc.umount2(b".", MNT_DETACH), "detaching the host's root")
    os.chdir("/")
    _check(libc.mount(None, b"/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, None),
           "making the new root read-only")


def import_worker_modules() -> None:
    """Import every module of :data:`WORKER_MODULES` (before Landlock hides the package:
    the submission's ``import checkers`` is then answered from memory)."""
    for relative in WORKER_MODULES:
        name = "checkers." + relative.removesuffix(".py").replace("/", ".")
        importlib.import_module(name.removesuffix(".__init__"))
    # The finders of the package's folders remember their listings: forget them, so that
    # a later import looks again (and finds nothing where the folder cannot be listed).
    package = grader_package()
    for key in list(sys.path_importer_cache):
        if isinstance(key, str) and Path(key).is_relative_to(package):
            del sys.path_importer_cache[key]
    importlib.invalidate_caches()


def worker_modules() -> dict[str, bytes]:
    """The worker's own modules, read before anything is mounted."""
    package = grader_package()
    return {name: (package / name).read_bytes() for name in WORKER_MODULES
            if (package / name).is_file()}


def enter(libc: ctypes.CDLL, work: Path, files: dict[Path, bytes], quota_bytes: int,
          data: list[Path], sandbox_uid: int = NOBODY,
          cover: list[Path] | None = None) -> tuple[Path, list[str]]:
    """Move this process into the allow-list root; returns the new work folder and notes.

    ``files`` is the submission's folder read into memory; it is written to ``/tmp/work``.
    ``data`` are the declared data files and folders (bound read-only at their paths).
    ``cover`` are grader folders (a course's exercise package in site-packages) that an
    empty read-only tmpfs covers where they fall inside what the root keeps.
    """
    modules = worker_modules()
    kept_data, notes = _visible_data(data, work)
    root = work.parent / ".seqgrade-root"
    _tmpfs(libc, root, "size=8m,mode=755")
    # The private /tmp first: a Python installation or declared data under /tmp (a
    # virtual environment in /tmp/venv) is bound on top of it, not covered by it.
    _tmpfs(libc, root / "tmp", f"size={quota_bytes},mode=1777")
    for folder in python_paths():
        _bind(libc, folder, root / folder.relative_to("/"))
    _populate_system(libc, root)
    _populate_etc(root, sandbox_uid)
    _populate_dev(libc, root)
    _populate_grader(libc, root, modules)
    # After the grader's tmpfs, so that data inside the package (the checker LM) shows.
    for source, target in dict.fromkeys(kept_data):
        _bind(libc, source, root / target.relative_to("/"))
    for path in cover or []:
        _cover(libc, root / path.resolve().relative_to("/"), path)
    package = root / grader_package().relative_to("/")
    _check(libc.mount(None, str(package).encode(), None,
                      MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, None),
           "making the worker's modules read-only")
    (root / "proc").mkdir()
    _check(libc.mount(b"proc", str(root / "proc").encode(), b"proc",
                      MS_NOSUID | MS_NODEV, None), "mounting /proc")
    _stage(files, root / "tmp" / "work")
    (root / "var").mkdir()
    os.symlink("/tmp", root / "var" / "tmp")
    _pivot(libc, root)
    return Path("/tmp/work"), notes


def _visible_data(data: list[Path], work: Path) -> tuple[list[tuple[Path, Path]], list[str]]:
    """The declared data to bind, as (source, target) pairs, and notes on any refused (the
    grader's package and the runner's own folder never are)."""
    protected = [grader_package(), work.resolve()]
    kept: list[tuple[Path, Path]] = []
    notes: list[str] = []
    for path in data:
        why = refused_data(path, protected) if path.exists() else "it does not exist"
        if why:
            notes.append(f"data {path} was not made visible to the submission ({why})")
        else:
            # At its real place and at the path the grader was given (which may pass
            # through a symlink, e.g. a data folder linked into a checkout).
            kept += [(path.resolve(), path.resolve()),
                     (path.resolve(), Path(os.path.abspath(path)))]
    return kept, notes


def _cover(libc: ctypes.CDLL, inside: Path, path: Path) -> None:
    """Hide a grader folder (an empty read-only tmpfs) or file (/dev/null) in the root."""
    if inside.is_dir() and libc.mount(b"tmpfs", str(inside).encode(), b"tmpfs",
                                     MS_NOSUID | MS_NODEV | MS_RDONLY, b"size=4k") != 0:
        raise OSError(ctypes.get_errno(), f"covering {path} failed")
    if inside.is_file():
        _check(libc.mount(b"/dev/null", str(inside).encode(), None, MS_BIND, None),
               f"covering {path}")


def _stage(files: dict[Path, bytes], staged: Path) -> None:
    """Write the submission's folder (read into memory) where /tmp/work will be."""
    staged.mkdir()
    for relative, content in files.items():
        target = staged / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
