"""The worker's allow-list view: every path it keeps, and nothing else of the host.

A small submission (no TensorFlow: each worker starts in a few seconds) reports what it
sees from inside the sandbox; the tests check each kept path (Python, system libraries,
/etc, /dev, /proc, declared data, the private work folder, the worker's own modules) and
that the rest is absent or read-only. Needs Linux namespaces (root or user namespaces).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from checkers.sandbox.levels import reachable_level
from checkers.sandbox.runner import SandboxRunner
from checkers.sandbox.submission import find_submission
from checkers.sandbox.view import WORKER_MODULES
from tests.helpers import REPO

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the allow-list view needs Linux namespaces")

PROBE = '''
import os, sys, pathlib

def listing(path):
    try:
        return sorted(os.listdir(path))
    except OSError as error:
        return f"error: {error.strerror}"

def read(path, size=64):
    try:
        with open(path, "rb") as handle:
            return handle.read(size).decode("utf-8", "replace")
    except OSError as error:
        return f"error: {error.strerror}"

def write(path):
    try:
        with open(path, "w") as handle:
            handle.write("x")
        return "written"
    except OSError as error:
        return f"error: {error.strerror}"

def importable(name):
    try:
        __import__(name)
        return "imported"
    except ImportError as error:
        return f"{type(error).__name__}: {error}"

def whoami():
    import checkers
    return {"uid": os.getuid(), "cwd": os.getcwd(), "prefix": sys.prefix,
            "package": os.path.dirname(checkers.__file__), "pid": os.getpid()}

def connect(host, port):
    import socket
    try:
        socket.create_connection((host, port), timeout=2).close()
        return "connected"
    except OSError as error:
        return f"error: {error}"

def udp(host, port):
    import socket
    try:
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", (host, port))
        return "sent"
    except OSError as error:
        return f"error: {error}"

def walk(top):
    found = []
    for folder, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if os.path.join(folder, d) not in ("/proc", "/sys", "/dev")]
        found.extend(os.path.join(folder, f) for f in files)
    return found
'''


@pytest.fixture(scope="module")
def host(tmp_path_factory) -> Path:
    """A host with things the worker must not see, and one declared data file."""
    root = tmp_path_factory.mktemp("host")
    (root / "course").mkdir()
    (root / "course" / "roster.csv").write_text("PLANTED-ROSTER\n")
    (root / "data").mkdir()
    (root / "data" / "declared.txt").write_text("declared data\n")
    (root / "data" / "undeclared.txt").write_text("PLANTED-UNDECLARED\n")
    (root / "course" / "student").mkdir()
    (root / "course" / "student" / "probe.py").write_text(PROBE)
    (root / "course" / "student" / "model.bin").write_bytes(b"weights")
    (root / "course" / "neighbour.py").write_text("PLANTED-NEIGHBOUR = 1\n")
    return root


@pytest.fixture(scope="module")
def worker(host: Path):
    runner = SandboxRunner(find_submission(host / "course" / "student" / "probe.py", "x"),
                           data_paths=[str(host / "data" / "declared.txt")])
    yield runner
    runner.close()


def call(runner: SandboxRunner, func: str, *args):
    return runner.call(func, args, {}, timeout=60)


def test_the_view_is_the_allow_list(worker) -> None:
    top = set(call(worker, "listing", "/"))
    system = {"bin", "sbin", "lib", "lib32", "lib64", "libx32", "usr"}
    expected = {p for p in system if os.path.lexists(f"/{p}")} | {
        "etc", "dev", "proc", "sys", "tmp", "var", Path(sys.prefix).parts[1],
        Path(__file__).resolve().parts[1]}
    assert top == expected, top
    for absent in ("/home", "/root/.bashrc", "/etc/shadow", "/etc/hostname", "/mnt", "/opt"):
        assert str(call(worker, "read", absent)).startswith("error"), absent
    assert call(worker, "listing", "/home").startswith("error")
    etc = set(call(worker, "listing", "/etc"))
    assert etc <= {"ld.so.cache", "ld.so.conf", "ld.so.conf.d", "nsswitch.conf", "localtime",
                   "timezone", "host.conf", "mime.types", "passwd", "group", "hosts"}, etc
    passwd = call(worker, "read", "/etc/passwd", 4096)
    assert "sandbox" in passwd and len(passwd.splitlines()) == 3


def test_kept_paths_are_there_and_read_only(worker, host: Path) -> None:
    me = call(worker, "whoami")
    assert me["prefix"] == sys.prefix and me["uid"] != 0 and me["pid"] == 1
    import numpy

    for path in (sys.executable, numpy.__file__, os.__file__, "/etc/ld.so.cache",
                 str(next(Path("/usr/lib").rglob("libc.so*")))):
        assert not str(call(worker, "read", path)).startswith("error"), path
    assert call(worker, "importable", "numpy") == "imported"
    assert call(worker, "read", str(host / "data" / "declared.txt")) == "declared data\n"
    for path in (str(Path(sys.prefix) / "x"), "/usr/x", "/etc/x", "/x",
                 str(host / "data" / "declared.txt")):
        assert call(worker, "write", path).startswith("error"), path
    devices = [n for n in call(worker, "listing", "/dev") if not n.startswith("nvidia")]
    assert sorted(devices) == sorted(
        ["fd", "full", "null", "random", "shm", "stderr", "stdin", "stdout", "urandom", "zero"])
    assert len(call(worker, "read", "/dev/urandom", 16)) > 0
    assert call(worker, "write", "/dev/null") == "written"
    assert call(worker, "write", "/dev/shm/x") == "written"
    assert [p for p in call(worker, "listing", "/proc") if p.isdigit()] == ["1"]


def test_the_private_folder_is_writable_and_holds_only_the_submission(worker) -> None:
    me = call(worker, "whoami")
    assert me["cwd"] == "/tmp/work"
    assert [n for n in call(worker, "listing", "/tmp/work") if n != "__pycache__"] == [
        "model.bin", "probe.py"]
    # /tmp: the work folder, a home, and the path down to the declared data file.
    # (and, when the checkout itself lives under /tmp, the path down to the worker's modules)
    package = Path(call(worker, "whoami")["package"])
    under_tmp = package.parts[2:3] if package.parts[1:2] == ("tmp",) else ()
    assert set(call(worker, "listing", "/tmp")) <= {"home", "work", "pytest-of-root",
                                                   *Path(os.environ.get("TMPDIR", "/tmp"))
                                                   .parts[2:3], *under_tmp}
    assert call(worker, "write", "/tmp/work/out.txt") == "written"
    assert call(worker, "write", "/tmp/home/out.txt") == "written"


def test_nothing_else_of_the_host_is_reachable(worker, host: Path) -> None:
    for path in ("course/roster.csv", "course/neighbour.py", "data/undeclared.txt",
                 "course/student/probe.py"):
        assert call(worker, "read", str(host / path)).startswith("error"), path
    files = call(worker, "walk", "/")
    outside = [f for f in files if not f.startswith(("/usr/", "/tmp/work/", "/tmp/home/",
                                                     sys.prefix + "/", "/etc/", "/sys/"))]
    package = call(worker, "whoami")["package"]
    assert sorted(outside) == sorted(
        [str(host / "data" / "declared.txt")]
        + [f"{package}/{name}" for name in WORKER_MODULES]), outside


def test_the_grader_is_out_of_reach(worker) -> None:
    for name in ("checkers.engine.grading", "checkers.exercises.reber.checks",
                 "checkers.exercises.shifted_targets.oracle", "checkers.batch.gradebook",
                 "solutions.reber", "checkers.sandbox.runner"):
        assert call(worker, "importable", name).startswith("ModuleNotFoundError"), name
    assert call(worker, "importable", "checkers.sandbox.protocol") == "imported"


@pytest.fixture(scope="module")
def landlocked(host: Path):
    """A worker without namespaces: the allow-list is Landlock's rules over the host."""
    runner = SandboxRunner(find_submission(host / "course" / "student" / "probe.py", "x"),
                           data_paths=[str(host / "data" / "declared.txt")],
                           env={"SEQGRADE_NO_NAMESPACES": "1"})
    yield runner
    runner.close()


def test_without_namespaces_landlock_keeps_the_same_allow_list(landlocked, host: Path) -> None:
    assert call(landlocked, "importable", "numpy") == "imported"
    assert landlocked.isolation == "landlock", landlocked.notes
    assert call(landlocked, "read", str(host / "data" / "declared.txt")) == "declared data\n"
    for path in ("course/roster.csv", "course/neighbour.py", "data/undeclared.txt",
                 "course/student/probe.py"):
        assert call(landlocked, "read", str(host / path)).startswith("error"), path
    for path in ("/etc/shadow", "/etc/hostname", "/root/.bashrc",
                 str(REPO / "solutions" / "reber.py"),
                 f"/proc/{os.getpid()}/environ", f"/proc/{os.getpid()}/cmdline"):
        assert str(call(landlocked, "read", path)).startswith("error"), path
    assert call(landlocked, "listing", "/").startswith("error")
    me = call(landlocked, "whoami")
    assert call(landlocked, "listing", me["package"]).startswith("error")
    assert call(landlocked, "write", me["cwd"] + "/out.txt") == "written"
    for path in ("/tmp/seqgrade-escape", str(host / "course" / "x"), "/dev/shm/x",
                 str(Path(me["cwd"]).parent / "output.log")):
        assert call(landlocked, "write", path).startswith("error"), path
    for name in ("checkers.engine.grading", "checkers.exercises.shifted_targets.oracle",
                 "solutions.reber"):
        assert call(landlocked, "importable", name).startswith("ModuleNotFoundError"), name
    assert call(landlocked, "importable", "checkers.sandbox.protocol") == "imported"


def test_without_namespaces_no_socket_leaves_the_worker(landlocked) -> None:
    assert call(landlocked, "connect", "127.0.0.1", 9).startswith("error"), "TCP"
    assert call(landlocked, "udp", "127.0.0.1", 9).startswith("error"), "UDP"


def test_declared_data_that_would_show_the_grader_is_refused(host: Path) -> None:
    from checkers.sandbox.view import grader_package, refused_data

    package = grader_package()
    assert refused_data(package.parent, [package]) is not None
    assert refused_data(Path("/"), [package]) is not None
    assert refused_data(host / "data" / "declared.txt", [package]) is None
    assert refused_data(package / "exercises" / "textgen", [package]) is None


def test_forced_fallback_says_what_is_missing(host: Path) -> None:
    submission = find_submission(host / "course" / "student" / "probe.py", "x")
    with SandboxRunner(submission, env={"SEQGRADE_NO_ALLOW_LIST": "1"}) as runner:
        assert call(runner, "whoami")["uid"] != 0
        notes = " ".join(runner.notes)
    assert "no allow-list view" in notes and "rest of the host stays readable" in notes
    with SandboxRunner(submission, env={"SEQGRADE_NO_NAMESPACES": "1"}) as runner:
        cwd = call(runner, "whoami")["cwd"]
        assert "probe.py" in call(runner, "listing", cwd)
        assert runner.isolation == "landlock", runner.notes
        assert not any("not isolated" in note for note in runner.notes), runner.notes


def test_without_namespaces_nor_landlock_the_worker_keeps_a_user_id_of_its_own(
        host: Path) -> None:
    """The uid-only level (as root, on a machine where another user id is mapped): only
    file permissions protect the grader's files, and the report says which layers are
    missing."""
    env = {"SEQGRADE_NO_NAMESPACES": "1", "SEQGRADE_NO_LANDLOCK": "1"}
    if reachable_level(env) != "uid-only":
        pytest.skip("the worker changes its user id only when the grader runs as root and "
                    "the Python installation is readable by other users")
    submission = find_submission(host / "course" / "student" / "probe.py", "x")
    with SandboxRunner(submission, env=env) as runner:
        assert call(runner, "whoami")["uid"] != 0
        assert runner.isolation == "uid-only"
        notes = " ".join(runner.notes)
    assert "Landlock switched off" in notes


def test_a_course_exercise_package_inside_the_view_is_covered(tmp_path) -> None:
    shared = tmp_path / "shared"
    (shared / "course_pkg").mkdir(parents=True)
    (shared / "course_pkg" / "oracle.py").write_text("SECRET = 1\n")
    (shared / "single_oracle.py").write_text("SECRET = 2\n")
    (shared / "public.txt").write_text("public\n")
    (tmp_path / "student").mkdir()
    (tmp_path / "student" / "probe.py").write_text(PROBE)
    runner = SandboxRunner(find_submission(tmp_path / "student" / "probe.py", "x"),
                           data_paths=[str(shared)],
                           extra_hidden=[str(shared / "course_pkg"),
                                         str(shared / "single_oracle.py")])
    with runner:
        assert call(runner, "read", str(shared / "public.txt")) == "public\n"
        assert call(runner, "listing", str(shared / "course_pkg")) == []
        assert call(runner, "read", str(shared / "single_oracle.py")) == ""


def test_course_exercise_packages_are_found_for_covering(tmp_path, monkeypatch) -> None:
    from checkers.engine import registry

    site = tmp_path / "site"
    info = site / "vowels_course-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: vowels-course\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[seqgrade.exercises]\nvowels = vowels_course\n")
    plugin = Path(__file__).resolve().parent / "plugin_exercise"
    monkeypatch.syspath_prepend(str(plugin))
    monkeypatch.syspath_prepend(str(site))
    assert str(plugin / "vowels_course") in registry.plugin_folders()


def test_every_grader_module_the_worker_imports_is_in_its_root() -> None:
    """A module the worker imports (even inside a function, after the root is entered)
    must be one of WORKER_MODULES, or the worker would fail inside its root."""
    import ast

    from checkers.sandbox.view import WORKER_MODULES, grader_package

    package = grader_package()
    # The facade (__init__.py) imports the self-check only outside grading
    # (SEQGRADE_GRADING=1 makes check()/hint() return at once): not checked here.
    for relative in (m for m in WORKER_MODULES if m.startswith("sandbox/")):
        tree = ast.parse((package / relative).read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for name in names:
                if not name.startswith("checkers"):
                    continue
                parts = name.split(".")[1:]
                as_module = "/".join(parts) + ".py"
                as_package = "/".join([*parts, "__init__.py"])
                is_attribute = "/".join(parts[:-1]) + ".py" in WORKER_MODULES
                assert (as_module in WORKER_MODULES or as_package in WORKER_MODULES
                        or is_attribute), f"{relative} imports {name}"
