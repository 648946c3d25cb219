"""The command line that starts a sandbox process (a worker or the fork server).

Workers run ``python -I`` (isolated mode: no ``PYTHONPATH``, no user site-packages, no
current folder on the path), so that nothing of the instructor's shell leaks into them.
Where the grader's own libraries live in the user site-packages (``pip install --user``),
that folder, and only that one, is put back on the path (with its ``.pth`` files, so an
editable install there works too).
"""

from __future__ import annotations

import site
import sys

BOOTSTRAP = (
    "import runpy, site, sys\n"
    "folder, module = sys.argv[1], sys.argv[2]\n"
    "del sys.argv[1:3]\n"
    "site.addsitedir(folder)\n"
    "runpy.run_module(module, run_name='__main__', alter_sys=True)\n"
)


def user_site() -> str | None:
    """The user site-packages folder, where this process imports from it (else None)."""
    if not site.ENABLE_USER_SITE:
        return None
    folder = site.getusersitepackages()
    return folder if folder in sys.path else None


def python_command(module: str) -> list[str]:
    """``python -I -m module``, with the user site-packages where the grader uses it."""
    folder = user_site()
    if folder is None:
        return [sys.executable, "-I", "-m", module]
    return [sys.executable, "-I", "-c", BOOTSTRAP, folder, module]
