"""The Landlock rulesets of a worker, and the last step of isolation (Landlock, seccomp).

Two rulesets, one per isolation path of :mod:`checkers.sandbox.isolation`:

- :func:`host_ruleset`, where no namespace could be made (a container): the allow-list of
  :mod:`checkers.sandbox.view` written as Landlock rules over the host's own file system.
  Read (and execute) the Python installation, the system folders, a few files of ``/etc``,
  the worker's own ``/proc`` entry and the CPU topology; read the declared data; nothing
  of the grader's package (the worker's modules are imported before, and Landlock rules
  add up, so a folder that holds the grader, such as ``site-packages``, is granted entry
  by entry around it); read and write only the worker's private folder and home. No TCP at all,
  no signal or abstract socket outside the worker (ABI ≥ 4 and ≥ 6).
- :func:`namespace_ruleset`, inside the allow-list root: read-only everywhere, writable
  private ``/tmp``, the same network and scope rules: a second wall behind the mounts.

:func:`restrict` applies the ruleset, then the seccomp filter (:mod:`.syscalls`).
``SEQGRADE_NO_LANDLOCK=1`` and ``SEQGRADE_NO_SECCOMP=1`` switch either layer off (tests,
and the positive controls that show what a layer stops).
"""

from __future__ import annotations

import os
from pathlib import Path

from checkers.sandbox import landlock, syscalls, view

DEVICES = tuple(f"/dev/{name}" for name in view.DEVICES)
ETC_FILES = (*view.ETC_FILES, "passwd", "group", "hosts")
PROC_FILES = ("/proc/cpuinfo", "/proc/meminfo", "/proc/stat", "/proc/sys", "/proc/filesystems")
SYS_FOLDERS = ("/sys/devices/system/cpu", "/sys/devices/system/node", "/sys/fs/cgroup")
GPU_FOLDERS = ("/sys/devices", "/sys/bus", "/sys/module", "/proc/driver/nvidia")


def _switched_off(layer: str) -> bool:
    return os.environ.get(f"SEQGRADE_NO_{layer}") == "1"


def _new_ruleset(notes: list[str]) -> landlock.Ruleset | None:
    if _switched_off("LANDLOCK"):
        notes.append("Landlock switched off (SEQGRADE_NO_LANDLOCK=1)")
        return None
    try:
        return landlock.Ruleset()
    except OSError as error:
        notes.append(f"no Landlock ({error.strerror or error})")
        return None


def _grant_devices(ruleset: landlock.Ruleset) -> None:
    rights = landlock.READ_FILE | landlock.WRITE_FILE | landlock.IOCTL_DEV
    for device in DEVICES:
        ruleset.grant(Path(device), rights & ~landlock.IOCTL_DEV)
    for node in sorted(Path("/dev").glob("nvidia*")):
        ruleset.grant(node, rights | landlock.READ_DIR)


def _grant_around(ruleset: landlock.Ruleset, folder: Path, excluded: list[Path],
                  rights: int) -> None:
    """Grant ``rights`` beneath ``folder`` except beneath the ``excluded`` folders inside it.

    A folder holding an excluded one is listable (its names show), and each of its other
    entries is granted on its own, down to the excluded folder.
    """
    inside = [e for e in excluded if e == folder or e.is_relative_to(folder)]
    if not inside:
        ruleset.grant(folder, rights)
        return
    if folder in inside:
        return
    ruleset.grant(folder, landlock.READ_DIR)
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return
    for entry in entries:
        resolved = entry.resolve() if entry.is_symlink() else entry
        if any(e == resolved or e.is_relative_to(resolved) for e in inside):
            _grant_around(ruleset, resolved, excluded, rights)
        else:
            ruleset.grant(entry, rights)


def host_ruleset(work: Path, home: Path, data: list[Path], cover: list[Path],
                 notes: list[str]) -> landlock.Ruleset | None:
    """The allow-list over the host's file system (see the module docstring)."""
    ruleset = _new_ruleset(notes)
    if ruleset is None:
        return None
    package = view.grader_package()
    excluded = [package, *(p.resolve() for p in cover)]
    for folder in view.python_paths():
        _grant_around(ruleset, folder, excluded, landlock.READ_EXECUTE)
    for name in view.SYSTEM_PATHS:
        if Path(name).exists():
            _grant_around(ruleset, Path(name).resolve(), excluded, landlock.READ_EXECUTE)
    for name in ETC_FILES:
        ruleset.grant(Path("/etc", name), landlock.READ_FILE)
    for name in view.ETC_FOLDERS:
        ruleset.grant(Path("/etc", name), landlock.READ)
    # /proc lists process ids; only the worker's own entries are readable.
    ruleset.grant(Path("/proc"), landlock.READ_DIR)
    ruleset.grant(Path(f"/proc/{os.getpid()}"), landlock.READ)
    gpu = any(Path("/dev").glob("nvidia*"))
    for name in (*PROC_FILES, *SYS_FOLDERS, *(GPU_FOLDERS if gpu else ())):
        ruleset.grant(Path(name), landlock.READ)
    _grant_devices(ruleset)
    # Nothing of the grader's package: the worker's own modules are imported already
    # (view.import_worker_modules), so `import checkers` works from memory, and any other
    # module of the package is not found (its folder cannot even be listed).
    protected = [package, work.resolve()]
    for path in data:
        why = view.refused_data(path, protected) if path.exists() else "it does not exist"
        if why:
            notes.append(f"data {path} was not made visible to the submission ({why})")
        else:
            ruleset.grant(path.resolve(), landlock.READ)
    for folder in (work, home):
        ruleset.grant(folder.resolve(), landlock.WRITE)
    return ruleset


def namespace_ruleset(private: Path, notes: list[str]) -> landlock.Ruleset | None:
    """Inside the allow-list root: read-only everywhere, ``private`` (the worker's /tmp)
    and the small tmpfs mounts writable."""
    ruleset = _new_ruleset(notes)
    if ruleset is None:
        return None
    ruleset.grant(Path("/"), landlock.READ_EXECUTE)
    for folder in (private, Path("/dev/shm"), Path("/var/tmp")):
        if folder.is_dir() and not folder.is_symlink():
            ruleset.grant(folder, landlock.WRITE)
    _grant_devices(ruleset)
    return ruleset


def restrict(ruleset: landlock.Ruleset | None, notes: list[str]) -> list[str]:
    """Apply Landlock (when a ruleset was built) and the seccomp filter; the layers applied.

    Sets no_new_privs first. Call it from the worker's only thread.
    """
    layers = []
    if ruleset is not None:
        try:
            ruleset.restrict_self()
            layers.append(ruleset.describe())
        except OSError as error:
            notes.append(f"Landlock could not be applied ({error})")
    if _switched_off("SECCOMP"):
        notes.append("seccomp switched off (SEQGRADE_NO_SECCOMP=1)")
    elif not syscalls.available():
        notes.append("no seccomp filter (libseccomp is not installed)")
    else:
        try:
            layers.append(syscalls.apply())
        except OSError as error:
            notes.append(f"no seccomp filter ({error.strerror or error})")
    return layers
