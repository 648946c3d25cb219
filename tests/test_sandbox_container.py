"""The sandbox inside a container (see :mod:`tests.container`): Landlock carries the load.

The same hostile submissions and planted secrets as on a bare machine, run where namespaces
are refused: course files, the grader's modules, other students' submissions and the
autograder's private files stay out of reach, nothing is forged into ``results.json``, no
process is left behind. Positive controls (no layer at all) show the same searches find
the secrets. The official commands refuse to grade unisolated unless told
``--allow-unisolated``; a student's own ``check`` goes on with a warning.
"""

from __future__ import annotations

import json
import shutil
import sys
import uuid
import zipfile
from pathlib import Path

import pytest

from tests.container import in_container, why_not
from tests.helpers import SOLUTIONS, data_dir

pytestmark = pytest.mark.skipif(why_not() is not None, reason=str(why_not()))

PY = f"{sys.executable} -m"
# Hostile submissions of tests/adversarial run in the default suite inside the container
# (all of them in the slow one): the grader's oracle, the reference, other processes,
# the network, the file system, leftovers.
CONTAINED = ("oracle or read_reference or spy_on_grader or detached_child or kill_parent "
             "or open_socket or write_outside or monkeypatch_checkers or fork_bomb")


def _pytest_inside(selection: str, extra_env: dict[str, str] | None = None) -> str:
    env = {"SEQGRADE_EXPECT_ISOLATION": "landlock", **(extra_env or {})}
    done = in_container(f"{PY} pytest -q -p no:cacheprovider -p no:randomly {selection}",
                        env=env)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
    return output


def test_the_emulation_is_a_container_and_landlock_is_reached() -> None:
    probe = ("id -u; grep CapEff /proc/self/status; "
             "unshare --net true 2>/dev/null && echo namespaces-allowed; "
             f"{sys.executable} -c 'from checkers.sandbox.levels import reachable_level; "
             "print(\"level\", reachable_level())'")
    done = in_container(probe)
    lines = done.stdout.split("\n")
    assert lines[0] == "0", done.stdout + done.stderr  # root...
    capabilities = int(lines[1].split()[1], 16)
    assert not capabilities & (1 << 21), "CAP_SYS_ADMIN is still there"  # ...without it
    assert "namespaces-allowed" not in done.stdout
    assert "level landlock" in done.stdout, done.stdout + done.stderr


def test_secrets_stay_out_of_reach_in_a_container() -> None:
    """grade, export, report and check, with planted secrets and a neighbour's file; and
    the positive control, which runs only there (only uid 0 is mapped)."""
    output = _pytest_inside("tests/test_sandbox_secrets.py")
    assert "skipped" not in output, output[-3000:]


def test_hostile_submissions_are_contained_in_a_container() -> None:
    _pytest_inside(f"-n 2 tests/test_mutants.py -k 'hostile and ({CONTAINED})'")


@pytest.mark.slow
def test_every_hostile_submission_is_contained_in_a_container() -> None:
    _pytest_inside("-n 2 tests/test_mutants.py -k hostile")


def _hostile_autograder_submission(tops: list[str], forged: Path) -> str:
    """Searches ``tops`` for planted secrets, tries to forge results.json now and, from a
    detached process, after grading; raises what it found."""
    return f'''
import json
import os

MARK = ("PLAN" + "TED-").encode()


def _search():
    found = []
    for top in {tops!r}:
        for folder, dirs, files in os.walk(top):
            dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev", "usr")]
            for name in files:
                try:
                    with open(os.path.join(folder, name), "rb") as handle:
                        data = handle.read(1 << 20)
                except OSError:
                    continue
                if MARK in data:
                    start = data.find(MARK)
                    found.append(data[start:start + 60].decode("latin-1"))
    return found


def _forge():
    try:
        os.makedirs(os.path.dirname({str(forged)!r}), exist_ok=True)
        with open({str(forged)!r}, "w") as handle:
            json.dump({{"score": 1000, "output": "FORGED"}}, handle)
    except OSError:
        pass


_forge()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        import time
        time.sleep(4)
        _forge()
        os.execv("/bin/sleep", ["sleep", "3607"])
    os._exit(0)


def vectorize(*args, **kwargs):
    raise RuntimeError("FOUND " + " | ".join(_search()))


def targets_are_shifted(*args, **kwargs):
    raise RuntimeError("FOUND " + " | ".join(_search()))
'''


def test_the_autograder_keeps_its_private_files_in_a_container(tmp_path: Path) -> None:
    """run_autograder in the container: the zip's private files (course TOML, held-out
    data) and a planted file stay out of reach, no forged results.json, nothing left."""
    secret = f"PLANTED-AUTOGRADER-{uuid.uuid4().hex}"
    course = tmp_path / "course.toml"
    course.write_text(f"# {secret}\nseed = 7\n\n[shifted_targets.limits]\ntime_budget = 300\n")
    zip_path = tmp_path / "autograder.zip"
    build = in_container(f"{PY} checkers autograder shifted_targets --out {zip_path} "
                         f"--config {course}")
    assert zip_path.exists(), build.stdout + build.stderr
    root = tmp_path / "autograder"
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root / "source")
    (root / "source" / "private_notes.txt").write_text(secret)
    (root / "submission").mkdir()
    results = root / "results" / "results.json"
    (root / "submission" / "shifted_targets.py").write_text(
        _hostile_autograder_submission(["/", str(root), "/autograder"], results))
    env = {"SEQGRADE_AUTOGRADER_ROOT": str(root), "SEQGRADE_PYTHON": sys.executable}
    if data_dir():
        env["SEQGRADE_DATA_DIR"] = str(data_dir())
    done = in_container(f"bash {root / 'source' / 'run_autograder'}; sleep 6; "
                        "pgrep -f '^sleep 360[7]$' && echo LEFT-BEHIND; true", env=env)
    output = done.stdout + done.stderr
    assert "LEFT-BEHIND" not in output, output[-3000:]
    text = results.read_text(encoding="utf-8")
    data = json.loads(text)
    assert "FOUND" in text, text[:3000]  # the hostile code ran, its feedback is shown
    assert secret not in text and "FORGED" not in text and data.get("score") != 1000, text
    assert "landlock" in text, "results.json names the isolation level"


def _official_commands(tmp_path: Path) -> dict[str, str]:
    folder = tmp_path / "submissions" / "alice"
    folder.mkdir(parents=True)
    shutil.copy(SOLUTIONS / "shifted_targets.py", folder / "shifted_targets.py")
    course = tmp_path / "course.toml"
    course.write_text("seed = 3\n")
    checks = "--checks shifted_targets.encoding"
    return {
        "grade": f"{PY} checkers grade shifted_targets {folder.parent} "
                 f"--db {tmp_path / 'grades.sqlite'} {checks} --seed 3",
        "check --config": f"{PY} checkers check shifted_targets {folder} {checks} "
                          f"--config {course} --format json",
        "check": f"{PY} checkers check shifted_targets {folder} {checks} --format json",
    }


def test_official_commands_refuse_to_grade_unisolated(tmp_path: Path) -> None:
    """No layer at all (Landlock switched off in the container): `grade` and `check
    --config` exit 2 in one line; `--allow-unisolated` grades and says so at the top; a
    student's own `check` grades with a warning."""
    commands = _official_commands(tmp_path)
    off = {"SEQGRADE_NO_LANDLOCK": "1"}
    for name in ("grade", "check --config"):
        done = in_container(commands[name], env=off)
        assert done.returncode == 2, (name, done.stdout, done.stderr)
        assert "--allow-unisolated" in done.stderr and len(done.stderr.strip().splitlines()) \
            == 1, done.stderr
    allowed = in_container(commands["check --config"] + " --allow-unisolated", env=off)
    report = json.loads(allowed.stdout)
    assert report["isolation"] == "none" and report["notes"][0].startswith("NOT ISOLATED")
    assert report["score"] == report["max_score"]
    student = in_container(commands["check"], env=off)
    report = json.loads(student.stdout)
    assert report["isolation"] == "none" and report["score"] == report["max_score"]
    assert any("not isolated" in note for note in report["notes"])


def test_official_commands_grade_in_a_container(tmp_path: Path) -> None:
    commands = _official_commands(tmp_path)
    done = in_container(commands["check --config"])
    report = json.loads(done.stdout)
    assert report["isolation"] == "landlock" and report["score"] == report["max_score"]
    assert not report["notes"], report["notes"]
