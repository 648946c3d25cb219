"""The autograder zip as Gradescope runs it, on a clean Ubuntu 22.04 root file system.

Slow (a few minutes; the root file system is cached between runs). ``debootstrap`` builds
Ubuntu 22.04 ("jammy", Gradescope's default image) from Ubuntu's archive, its signature
checked against the Ubuntu archive key (fingerprint below), with ``python3`` (3.10, as on
Gradescope) and the archive lines of Docker's ``ubuntu:22.04`` image. In a chroot (in a
mount namespace of its own, with /proc, /sys, /dev and a fresh /tmp) as root:

1. ``setup.sh`` runs, with no seqgrade and no virtual environment: ``apt-get update``, the
   branch for an older ``python3`` (it installs ``python3.11`` from jammy-updates), a venv,
   ``pip install -c constraints.txt`` from PyPI;
2. ``/autograder/run_autograder`` grades the reference (full marks) and a mutant (it loses
   its check), with every capability of root (a privileged container);
3. the reference again with Docker's default capability set (what a Gradescope container
   has): a full grade, or a failed run (no score) -- never a score the student did not earn.

What differs from Gradescope's image: it is built from Docker's ``ubuntu:22.04`` plus
Gradescope's own packages (this root holds only the minimal base and ``python3``); it runs
under Docker's seccomp profile (here only its capability set is reproduced, with
``setpriv``); and where this machine's network intercepts TLS, the chroot is given the
host's CA bundle (``PIP_CERT``). Skipped, with the reason, where not root, without the
tools (``debootstrap`` is installed with apt-get when missing), or without a network.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import urllib.request
import zipfile
from pathlib import Path

import pytest

from checkers.batch.autograder import build_autograder
from checkers.engine.registry import get_exercise
from tests.helpers import MUTANTS, SOLUTIONS, build_submission, read_mutant

pytestmark = pytest.mark.slow

MIRROR = "http://archive.ubuntu.com/ubuntu"
KEYRING_DEB = "pool/main/u/ubuntu-keyring/ubuntu-keyring_2021.03.26_all.deb"
# "Ubuntu Archive Automatic Signing Key (2018) <ftpmaster@ubuntu.com>"
ARCHIVE_KEY = "F6ECB3762474EDA9D21B7022871920D1991BC93C"
# /etc/apt/sources.list of Docker's ubuntu:22.04 (universe and jammy-updates: python3.11).
SOURCES = "".join(f"deb {url} {suite} main restricted universe multiverse\n" for url, suite in (
    (MIRROR, "jammy"), (MIRROR, "jammy-updates"), (MIRROR, "jammy-backports"),
    ("http://security.ubuntu.com/ubuntu", "jammy-security")))
# Docker's default capabilities (moby's oci/caps/defaults.go).
DOCKER_CAPS = ("chown", "dac_override", "fsetid", "fowner", "mknod", "net_raw", "setgid",
               "setuid", "setfcap", "setpcap", "net_bind_service", "sys_chroot", "kill",
               "audit_write")
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
HOST_CA = Path("/etc/ssl/certs/ca-certificates.crt")
# Enter the root: its own mount namespace (private: nothing shows on the host), then chroot.
ENTER = """set -e
R="$1"; shift
mount --bind "$R" "$R"
mount -t proc proc "$R/proc"
mount -t sysfs sysfs "$R/sys"
mount --rbind /dev "$R/dev"
mount -t tmpfs tmpfs "$R/tmp"
cp /etc/resolv.conf "$R/etc/resolv.conf"
exec chroot "$R" "$@"
"""
CACHE = Path(os.environ.get("SEQGRADE_ROOTFS_CACHE",
                            Path.home() / ".cache" / "seqgrade" / "rootfs"))


def _why_not() -> str | None:
    """Why this machine cannot run the test (None when it can)."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        return "needs root on Linux (debootstrap, mounts, chroot)"
    if shutil.which("debootstrap") is None and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-q", "debootstrap"], capture_output=True,
                       timeout=600, check=False)
    missing = [tool for tool in ("debootstrap", "unshare", "chroot", "setpriv", "dpkg-deb",
                                 "gpg") if shutil.which(tool) is None]
    if missing:
        return f"missing tools: {', '.join(missing)} (apt-get install debootstrap util-linux gpg)"
    for url in (f"{MIRROR}/dists/jammy/Release", "https://pypi.org/simple/pip/"):
        try:
            urllib.request.urlopen(url, timeout=20).close()
        except OSError as error:
            return f"no network to {url}: {error}"
    return None


def _in_root(root: Path, command: str, *, caps: tuple[str, ...] | None = None,
             timeout: float) -> subprocess.CompletedProcess:
    """``bash -c command`` as root in the chroot, with a clean environment (and only
    ``caps`` as capabilities when given)."""
    env = ["env", "-i", f"PATH={PATH}", "HOME=/root", "LANG=C.UTF-8"]
    if (root / "root" / "host-ca.crt").is_file():
        env += ["PIP_CERT=/root/host-ca.crt", "SSL_CERT_FILE=/root/host-ca.crt"]
    inner = ["bash", "-c", command]
    if caps is not None:
        bounding = ",".join(["-all", *(f"+{c}" for c in caps)])
        inner = ["setpriv", "--bounding-set", bounding, "--inh-caps", "-all", "--", *inner]
    return subprocess.run(["unshare", "--mount", "--propagation", "private", "--fork", "sh",
                           "-c", ENTER, "enter", str(root), *env, *inner],
                          capture_output=True, text=True, timeout=timeout, check=False)


def _keyring(folder: Path) -> Path:
    """Ubuntu's archive keyring, from the archive, checked against the key's fingerprint."""
    deb = folder / "ubuntu-keyring.deb"
    urllib.request.urlretrieve(f"{MIRROR}/{KEYRING_DEB}", deb)
    subprocess.run(["dpkg-deb", "-x", str(deb), str(folder / "x")], check=True)
    keyring = folder / "x" / "usr" / "share" / "keyrings" / "ubuntu-archive-keyring.gpg"
    listed = subprocess.run(["gpg", "--show-keys", "--with-colons", str(keyring)],
                            capture_output=True, text=True, check=True).stdout
    assert f"fpr:::::::::{ARCHIVE_KEY}:" in listed, "the keyring lacks Ubuntu's archive key"
    return keyring


def _jammy_tarball(scratch: Path) -> Path:
    """A minimal Ubuntu 22.04 with python3 (3.10) as a tarball, built once and cached."""
    tarball = CACHE / "jammy-minbase-python3.tar"
    if tarball.is_file():
        return tarball
    target = scratch / "build"
    done = subprocess.run(
        ["debootstrap", "--variant=minbase", "--components=main,universe",
         "--include=python3,ca-certificates", f"--keyring={_keyring(scratch)}", "jammy",
         str(target), MIRROR], capture_output=True, text=True, timeout=1800, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    (target / "etc" / "apt" / "sources.list").write_text(SOURCES, encoding="utf-8")
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = tarball.with_suffix(".partial")
    with tarfile.open(partial, "w") as archive:
        archive.add(target, arcname=".")
    partial.rename(tarball)
    return tarball


def _unmounted(root: Path) -> bool:
    """No mount under ``root`` is visible here (so removing it touches nothing else)."""
    mounts = Path("/proc/self/mountinfo").read_text(encoding="utf-8").splitlines()
    return not any(f" {root}/" in line or f" {root} " in line for line in mounts)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory):
    """A clean jammy root with the reber autograder set up by its setup.sh."""
    reason = _why_not()
    if reason:
        pytest.skip(reason)
    scratch = tmp_path_factory.mktemp("rootfs")
    root = scratch / "jammy"
    root.mkdir()
    with tarfile.open(_jammy_tarball(scratch)) as archive:
        archive.extractall(root, numeric_owner=True, filter="fully_trusted")
    if HOST_CA.is_file():  # this machine's TLS-intercepting network: its CA bundle
        shutil.copyfile(HOST_CA, root / "root" / "host-ca.crt")
    source = root / "autograder" / "source"
    with zipfile.ZipFile(build_autograder("reber", scratch / "ag.zip")) as archive:
        archive.extractall(source)
    for script in ("setup.sh", "run_autograder"):
        (source / script).chmod(0o755)  # zipfile drops the modes; Gradescope keeps them
    version = _in_root(root, "python3 --version", timeout=60)
    done = _in_root(root, "cd /autograder/source && ./setup.sh", timeout=2400)
    try:
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        shutil.copyfile(source / "run_autograder", root / "autograder" / "run_autograder")
        (root / "autograder" / "run_autograder").chmod(0o755)
        yield root, version.stdout + version.stderr, done.stdout
    finally:
        assert _unmounted(root), "a mount of the chroot leaked to the host: not removed"
        shutil.rmtree(scratch, ignore_errors=True)


def _grade(root: Path, folder: Path, caps: tuple[str, ...] | None = None
           ) -> tuple[dict, subprocess.CompletedProcess]:
    submission = root / "autograder" / "submission"
    shutil.rmtree(submission, ignore_errors=True)
    shutil.rmtree(root / "autograder" / "results", ignore_errors=True)
    shutil.copytree(folder, submission)
    done = _in_root(root, "cd /autograder && ./run_autograder", caps=caps, timeout=900)
    results = root / "autograder" / "results" / "results.json"
    assert results.is_file(), done.stdout + done.stderr
    return json.loads(results.read_text(encoding="utf-8")), done


def _reference(folder: Path) -> Path:
    folder.mkdir(parents=True)
    shutil.copyfile(SOLUTIONS / "reber.py", folder / "reber.py")
    shutil.copyfile(SOLUTIONS / "reber.keras", folder / "reber.keras")
    return folder


def test_setup_takes_the_older_python_branch(installed) -> None:
    _, version, log = installed
    assert version.startswith("Python 3.10"), version  # Gradescope's python3
    assert "set up with Python 3.11" in log


def test_reference_full_marks_and_mutant_loses_its_check(installed, tmp_path: Path) -> None:
    root, _, _ = installed
    data, done = _grade(root, _reference(tmp_path / "reference"))
    assert done.returncode == 0 and data["score"] == 100.0, done.stdout + done.stderr
    known = read_mutant("reber", MUTANTS / "reber" / "corruption_keeps_letter.py")
    data, done = _grade(root, build_submission(tmp_path / "mutant", known))
    assert done.returncode == 0, done.stdout + done.stderr
    lost = {t["extra_data"]["check_id"] for t in data["tests"]
            if "score" in t and t["score"] < t["max_score"]}
    assert known.expect <= lost <= known.expect | known.may_lose
    assert data["score"] <= 100.0 - get_exercise("reber").check_by_id("reber.corrupted").points


def test_with_dockers_capabilities_the_reference_earns_full_marks(installed,
                                                                 tmp_path: Path) -> None:
    """In a container with Docker's default capabilities (no CAP_SYS_ADMIN: no namespaces),
    the worker drops to a user id of its own under Landlock, and the reference earns full
    marks (this once failed: the worker could not reach its own folder); a hostile
    submission there reads neither the zip's settings (the secret seed) nor the network."""
    root, _, _ = installed
    data, done = _grade(root, _reference(tmp_path / "reference"), caps=DOCKER_CAPS)
    assert data.get("score") == 100.0, (done.stdout, done.stderr[-2000:], [
        t["output"][:300] for t in data.get("tests", []) if t.get("score") != t.get("max_score")])
    assert data["extra_data"]["isolation"] == "landlock"
    hostile = _reference(tmp_path / "hostile")
    (hostile / "reber.py").write_text((SOLUTIONS / "reber.py").read_text() + HOSTILE_READER)
    data, done = _grade(root, hostile, caps=DOCKER_CAPS)
    text = json.dumps(data)
    assert "settings:PermissionError" in text and "net:PermissionError" in text, text[:3000]


# Appended to the reference: string_to_ids reports what it could read, then raises.
HOSTILE_READER = """

def string_to_ids(s, chars=POSSIBLE_CHARS):
    import socket
    found = []
    try:
        found.append("settings:" + open("/autograder/source/seqgrade_autograder.json").read())
    except OSError as error:
        found.append("settings:" + type(error).__name__)
    try:
        socket.create_connection(("1.1.1.1", 80), timeout=2)
        found.append("net:open")
    except OSError as error:
        found.append("net:" + type(error).__name__)
    raise RuntimeError("READ: " + " | ".join(found))
"""
