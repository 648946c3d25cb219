"""Landlock (Linux ≥ 5.13): file, network and scope restrictions that need no privilege.

A Landlock ruleset names what a process may still do below given folders; once the process
restricts itself (after ``no_new_privs``), everything else of the handled kinds is refused,
for it and every process it starts, whatever its user id or capabilities. Unlike namespaces
it works inside containers whose seccomp profile refuses ``unshare`` (Gradescope, CI
runners, Kubernetes and JupyterHub pods).

What each ABI version adds, and what :class:`Ruleset` uses of it:

- 1: file system access rights (read, write, execute, make, remove);
- 2: ``REFER`` (linking or renaming across folders); 3: ``TRUNCATE``;
- 4: TCP ``bind`` and ``connect`` (no port is allowed: every TCP socket is refused);
- 5: ``IOCTL_DEV`` (ioctl on device files, allowed only on the few devices granted);
- 6: scopes: abstract Unix sockets and signals of processes outside the domain.

The PyPI package ``landlock`` (1.0.0.dev5) covers ABI 1-3 and 5 only (no network rules, no
scopes), so the three system calls are called here through ctypes; their numbers are the
same on every architecture (the generic syscall table).
"""

from __future__ import annotations

import ctypes
import os
import stat
from pathlib import Path

SYS_CREATE_RULESET = 444
SYS_ADD_RULE = 445
SYS_RESTRICT_SELF = 446
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1
PR_SET_NO_NEW_PRIVS = 38

EXECUTE = 1 << 0
WRITE_FILE = 1 << 1
READ_FILE = 1 << 2
READ_DIR = 1 << 3
REMOVE_DIR = 1 << 4
REMOVE_FILE = 1 << 5
MAKE_CHAR = 1 << 6
MAKE_DIR = 1 << 7
MAKE_REG = 1 << 8
MAKE_SOCK = 1 << 9
MAKE_FIFO = 1 << 10
MAKE_BLOCK = 1 << 11
MAKE_SYM = 1 << 12
REFER = 1 << 13  # ABI 2
TRUNCATE = 1 << 14  # ABI 3
IOCTL_DEV = 1 << 15  # ABI 5
NET_BIND_TCP = 1 << 0  # ABI 4
NET_CONNECT_TCP = 1 << 1  # ABI 4
SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0  # ABI 6
SCOPE_SIGNAL = 1 << 1  # ABI 6

# The rights that can be granted on a file (the others only apply beneath a folder).
FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV
READ = READ_FILE | READ_DIR
READ_EXECUTE = READ | EXECUTE
WRITE = (READ | WRITE_FILE | REMOVE_DIR | REMOVE_FILE | MAKE_DIR | MAKE_REG | MAKE_SYM
         | REFER | TRUNCATE)


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64),
                ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def abi_version() -> int:
    """The kernel's Landlock ABI version (0 where Landlock is absent or disabled)."""
    try:
        libc = _libc()
    except OSError:
        return 0
    version = libc.syscall(SYS_CREATE_RULESET, None, ctypes.c_size_t(0),
                           ctypes.c_uint32(CREATE_RULESET_VERSION))
    return max(0, int(version))


def handled_fs(abi: int) -> int:
    """Every file system right the kernel of ABI version ``abi`` knows."""
    rights = (1 << 13) - 1
    if abi >= 2:
        rights |= REFER
    if abi >= 3:
        rights |= TRUNCATE
    if abi >= 5:
        rights |= IOCTL_DEV
    return rights


class Ruleset:
    """A ruleset being built: grant rights beneath paths, then :meth:`restrict_self`.

    Paths are opened (``O_PATH``) when granted, so a ruleset can be built while the process
    can still reach them (before it drops its user id) and applied afterwards.
    """

    def __init__(self, abi: int | None = None) -> None:
        self.abi = abi_version() if abi is None else abi
        if self.abi < 1:
            raise OSError(0, "Landlock is not available on this kernel")
        self.libc = _libc()
        self.handled = handled_fs(self.abi)
        attr = _RulesetAttr(self.handled, 0, 0)
        size = 8
        if self.abi >= 4:
            attr.handled_access_net = NET_BIND_TCP | NET_CONNECT_TCP
            size = 16
        if self.abi >= 6:
            attr.scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL
            size = 24
        fd = self.libc.syscall(SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size),
                               ctypes.c_uint32(0))
        if fd < 0:
            error = ctypes.get_errno()
            raise OSError(error, f"landlock_create_ruleset: {os.strerror(error)}")
        self.fd = int(fd)
        self.granted: list[tuple[Path, int]] = []

    def grant(self, path: Path, rights: int) -> bool:
        """Allow ``rights`` beneath ``path`` (on a file: its file rights); False if absent."""
        try:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        except OSError:
            return False
        try:
            is_dir = stat.S_ISDIR(os.fstat(fd).st_mode)  # fstat works on O_PATH
            allowed = rights & self.handled & (~0 if is_dir else FILE_RIGHTS)
            if not allowed:
                return False
            attr = _PathBeneathAttr(allowed, fd)
            result = self.libc.syscall(SYS_ADD_RULE, ctypes.c_int(self.fd),
                                       ctypes.c_int(RULE_PATH_BENEATH), ctypes.byref(attr),
                                       ctypes.c_uint32(0))
            if result != 0:
                error = ctypes.get_errno()
                raise OSError(error, f"landlock_add_rule on {path}: {os.strerror(error)}")
        finally:
            os.close(fd)
        self.granted.append((Path(path), allowed))
        return True

    def restrict_self(self) -> None:
        """Apply the ruleset to this thread (and its future children); sets no_new_privs.

        Call it from the process's only thread: Landlock binds the calling thread, and
        threads started afterwards inherit it.
        """
        if self.libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            error = ctypes.get_errno()
            raise OSError(error, f"no_new_privs: {os.strerror(error)}")
        if self.libc.syscall(SYS_RESTRICT_SELF, ctypes.c_int(self.fd), ctypes.c_uint32(0)) != 0:
            error = ctypes.get_errno()
            raise OSError(error, f"landlock_restrict_self: {os.strerror(error)}")
        os.close(self.fd)
        self.fd = -1

    def describe(self) -> str:
        """The layer in words, for the report's notes."""
        parts = [f"Landlock ABI {self.abi}: files"]
        if self.abi >= 4:
            parts.append("TCP")
        if self.abi >= 6:
            parts.append("signals and abstract sockets")
        return ", ".join(parts)
