"""A seccomp filter: the system calls a submission never needs are refused.

Applied last, after the namespaces or Landlock, with libseccomp (through ``pyseccomp``,
which wraps it with ctypes; the library is imported here, before isolation, because
finding it runs ``ldconfig``). Every refused call fails with an errno, never a kill, so a
submission that tries one gets an ordinary Python exception (PermissionError), not a
crash that reads as the grader's fault:

- **network**: ``socket`` for any family but ``AF_UNIX`` (so no TCP, UDP, raw or netlink
  socket, whatever Landlock's ABI covers);
- **reaching other processes**: ``ptrace``, ``process_vm_readv/writev``, ``kcmp``,
  ``pidfd_getfd``; ``kill`` of a process group or of every process (``pid`` ≤ 0);
- **changing the system or the view**: ``mount`` and the new mount API, ``umount2``,
  ``pivot_root``, ``chroot``, ``unshare``, ``setns``, ``clone`` with a namespace flag,
  modules, ``kexec``, ``reboot``, swap, clocks, host names, ``acct``, ``quotactl``;
- **kernel surfaces that bypass or widen the others**: ``keyctl``/``add_key``/
  ``request_key``, ``bpf``, ``perf_event_open``, ``userfaultfd``, ``io_uring``,
  ``open_by_handle_at``, ``fanotify_init``, ``syslog``.

``clone3`` answers ENOSYS (its flags live in memory a filter cannot read): the C library
then falls back to ``clone``, whose flags the filter does read.
"""

from __future__ import annotations

import errno
import socket
import types


def _import_pyseccomp() -> types.ModuleType | None:
    """pyseccomp, which finds libseccomp with ``ctypes.util.find_library`` (``ldconfig``,
    ``gcc``): where neither answers (a minimal container), the library's usual soname is
    tried before giving up."""
    try:
        import pyseccomp as module
    except ImportError:
        return None
    except (RuntimeError, OSError):  # "Unable to find libseccomp"
        import ctypes.util

        try:
            ctypes.CDLL(SONAME)
        except OSError:
            return None
        original = ctypes.util.find_library
        ctypes.util.find_library = lambda name: SONAME if name == "seccomp" else original(name)
        try:
            import pyseccomp as module
        except (ImportError, RuntimeError, OSError):
            return None
        finally:
            ctypes.util.find_library = original
    return module


SONAME = "libseccomp.so.2"
pyseccomp = _import_pyseccomp()

REFUSED = (
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
    "mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "mount_setattr",
    "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount", "fspick",
    "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
    "reboot", "swapon", "swapoff", "settimeofday", "clock_settime", "clock_adjtime",
    "adjtimex", "sethostname", "setdomainname", "acct", "quotactl", "iopl", "ioperm",
    "keyctl", "add_key", "request_key", "bpf", "perf_event_open", "userfaultfd",
    "io_uring_setup", "io_uring_enter", "io_uring_register", "open_by_handle_at",
    "name_to_handle_at", "fanotify_init", "syslog", "vhangup", "lookup_dcookie", "uselib",
)
NAMESPACE_FLAGS = (0x10000000, 0x00020000, 0x20000000, 0x40000000, 0x04000000,
                   0x08000000, 0x02000000)  # user, mount, pid, net, uts, ipc, cgroup


def available() -> bool:
    """Whether a filter can be built here (libseccomp found)."""
    return pyseccomp is not None


def apply() -> str:
    """Load the filter into this process (and its future children); returns its name.

    Raises OSError where it cannot be loaded. Needs no_new_privs (set by the caller).
    """
    if pyseccomp is None:
        raise OSError(0, "libseccomp is not installed")
    refuse = pyseccomp.ERRNO(errno.EPERM)
    rules = pyseccomp.SyscallFilter(defaction=pyseccomp.ALLOW)
    rules.add_rule(pyseccomp.ERRNO(errno.EACCES), "socket",
                   pyseccomp.Arg(0, pyseccomp.NE, socket.AF_UNIX))
    for name in REFUSED:
        try:
            rules.add_rule(refuse, name)
        except (OSError, ValueError, RuntimeError):  # a call this architecture lacks
            continue
    for flag in NAMESPACE_FLAGS:
        rules.add_rule(refuse, "clone", pyseccomp.Arg(0, pyseccomp.MASKED_EQ, flag, flag))
    rules.add_rule(pyseccomp.ERRNO(errno.ENOSYS), "clone3")
    # kill(0, ...) and kill(-n, ...) signal whole process groups, kill(-1, ...) every
    # process: the worker's own among them (it is no PID 1 without namespaces).
    rules.add_rule(refuse, "kill", pyseccomp.Arg(0, pyseccomp.MASKED_EQ, 0xFFFFFFFF, 0))
    rules.add_rule(refuse, "kill",
                   pyseccomp.Arg(0, pyseccomp.MASKED_EQ, 0x80000000, 0x80000000))
    try:
        rules.load()
    except (OSError, ValueError, RuntimeError) as error:
        raise OSError(0, f"loading the seccomp filter failed ({error})") from None
    return "seccomp (no network sockets, no ptrace, mount, namespaces, keys, bpf, io_uring)"
