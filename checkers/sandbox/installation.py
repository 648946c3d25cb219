"""Is an ImportError inside the worker the submission's, or the grader's installation's?

A worker sees the Python installation through its isolation (an allow-list view, or
Landlock rules). Should that view miss part of it (a virtual environment under ``/tmp``
covered by the private ``/tmp``, a user site-packages folder), a library that loads a
module lazily fails inside, and the failure would read as the student's. The rule here:

1. the ImportError names a module (or ``from M import X``: ``M.X``) that exists in the
   grader's installation (``site-packages``, the user site, the standard library),
   located on disk without importing anything;
2. the grader's own package and course exercise packages are excluded: hiding them is
   the sandbox's job;
3. a *clean* worker (same isolation, no student code) then imports that module. Only if
   it fails there too is it the installation's fault (:class:`BrokenInstallation`, never
   a deduction); otherwise the submission's ImportError stands (a submission that raises
   ``ModuleNotFoundError(name="numpy")`` itself gains nothing by it).
"""

from __future__ import annotations

import importlib.machinery
import re
import site
import sys
import sysconfig
from collections.abc import Mapping
from pathlib import Path
from typing import Any

CANNOT_IMPORT = re.compile(r"cannot import name '([\w.]+)' from '([\w.]+)'")
NO_MODULE = re.compile(r"No module named '([\w.]+)'")
PROBE_SOURCE = '''"""seqgrade's installation probe: imports one module, nothing else."""
import importlib


def probe(name):
    importlib.import_module(name)
    return True
'''


def installation_folders() -> list[str]:
    """The folders of the grader's Python installation that modules are imported from."""
    folders = [*site.getsitepackages()]
    if site.ENABLE_USER_SITE:
        folders.append(site.getusersitepackages())
    paths = sysconfig.get_paths()
    folders += [paths["stdlib"], paths["platstdlib"], paths["purelib"], paths["platlib"],
                str(Path(paths["stdlib"]) / "lib-dynload")]
    folders += [p for p in sys.path if "site-packages" in p or "dist-packages" in p]
    return [f for f in dict.fromkeys(folders) if Path(f).is_dir()]


def locate(name: str, folders: list[str] | None = None) -> Path | None:
    """Where module ``name`` lies in the installation, found without importing it."""
    search: list[str] | None = folders if folders is not None else installation_folders()
    origin = None
    for depth in range(1, name.count(".") + 2):
        spec = importlib.machinery.PathFinder.find_spec(".".join(name.split(".")[:depth]),
                                                        search)
        if spec is None:
            return None
        origin = spec.origin if spec.has_location else None
        search = list(spec.submodule_search_locations or [])
    if origin is None:
        return Path(search[0]) if search else None
    return Path(origin)


def candidates(error: Mapping[str, Any]) -> list[str]:
    """The module names an ImportError reply of the worker is about (most precise first)."""
    message = str(error.get("message", ""))
    names = []
    match = CANNOT_IMPORT.search(message)
    if match:
        names += [f"{match.group(2)}.{match.group(1)}", match.group(2)]
    match = NO_MODULE.search(message)
    if match:
        names.append(match.group(1))
    return list(dict.fromkeys(names))


def installed_module(error: Mapping[str, Any], excluded: list[Path]) -> tuple[str, Path] | None:
    """The installation's module that an ImportError reply names, where there is one.

    ``excluded`` are folders whose modules the worker is meant not to see (the grader's
    package, course exercise packages).
    """
    if "ImportError" not in [str(t) for t in error.get("mro", [])]:
        return None
    folders = installation_folders()
    for name in candidates(error):
        if name.split(".")[0] in ("checkers", "submission"):
            continue
        path = locate(name, folders)
        if path is None:
            continue
        resolved = path.resolve()
        if any(resolved == e or resolved.is_relative_to(e) for e in excluded):
            continue
        return name, path
    return None
