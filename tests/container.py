"""Running a command as a container runs it: root without CAP_SYS_ADMIN, no new namespaces.

Gradescope's autograder, CI runners, Kubernetes and JupyterHub pods start the grader as
root, but without ``CAP_SYS_ADMIN`` and under a seccomp profile that refuses new user
namespaces. :func:`in_container` makes the same situation on any Linux machine that
allows one user namespace: a user namespace mapping only uid 0, in which no further user
namespace may be made, and ``CAP_SYS_ADMIN`` dropped from the bounding set.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys

from tests.helpers import REPO

SETUP = ("echo 0 > /proc/sys/user/max_user_namespaces && "
         "exec capsh --drop=cap_sys_admin -- -c {command}")


def why_not() -> str | None:
    """Why the emulation cannot run here (None when it can)."""
    if not sys.platform.startswith("linux"):
        return "the container emulation needs Linux"
    for tool in ("unshare", "capsh"):
        if shutil.which(tool) is None:
            return f"the container emulation needs `{tool}` (util-linux, libcap2-bin)"
    done = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "true"],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return f"this machine allows no user namespace to emulate a container in: " \
               f"{done.stderr.strip()}"
    return None


def in_container(command: str, env: dict[str, str] | None = None,
                 timeout: float = 1200) -> subprocess.CompletedProcess:
    """Run the shell ``command`` in the repository, inside the container emulation."""
    inner = SETUP.format(command=shlex.quote(command))
    return subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "bash", "-c", inner],
        cwd=REPO, env={**os.environ, **(env or {})}, capture_output=True, text=True,
        timeout=timeout, check=False)
