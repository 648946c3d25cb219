"""An instructor's machine with planted secrets, and hostile submissions that search it.

A course folder holds the roster, the course TOML, a private held-out text and an earlier
gradebook, with the submissions folder inside it; the instructor's home and environment
hold secrets too. A hostile submission walks the whole file system and the environment and
puts what it finds in its feedback (exception message and printed output). After
``grade``, ``export``, ``report`` and a single ``check``, no secret appears anywhere: the
gradebook, the exports, the HTML report, the terminal. A positive control (a worker
without namespaces, as where they are unavailable) shows that the search finds them.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from checkers.engine.grading import grade

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the allow-list view needs Linux namespaces")

CHECKS = "shifted_targets.encoding"

# The search knows only the prefix of the secrets (split, so its own file never matches).
HOSTILE = '''
import os
import sys

MARK = ("PLAN" + "TED-").encode()
TOP = "/"


def _search():
    found = [f"env {k}={v}" for k, v in os.environ.items() if MARK.decode() in v]
    skip = {"/proc", "/sys", "/dev", "/usr", sys.prefix, sys.base_prefix}
    for folder, dirs, files in os.walk(TOP):
        dirs[:] = [d for d in dirs if os.path.join(folder, d) not in skip
                   and d != "__pycache__"]
        for name in files:
            path = os.path.join(folder, name)
            try:
                with open(path, "rb") as handle:
                    data = handle.read(1 << 20)
            except OSError:
                continue
            start = data.find(MARK)
            if start >= 0:
                found.append(f"{path}: {data[start:start + 60].decode('latin-1')}")
    return found


def vectorize(*args, **kwargs):
    found = _search()
    print("FOUND", found)
    raise RuntimeError("FOUND " + " | ".join(found))


def targets_are_shifted(decoder_input_data, decoder_target_data):
    raise RuntimeError("FOUND " + " | ".join(_search()))
'''


@pytest.fixture(scope="module")
def machine(tmp_path_factory) -> dict:
    """The instructor's machine: paths, and the secrets planted on it."""
    root = tmp_path_factory.mktemp("machine")
    token = uuid.uuid4().hex
    secrets = {kind: f"PLANTED-{kind}-{token}" for kind in
               ("ROSTER", "TOML", "HELDOUT", "GRADEBOOK", "HOME", "ENV")}
    course = root / "course"
    (course / "submissions").mkdir(parents=True)
    (course / "roster.csv").write_text(
        f"Student,ID,SIS User ID,SIS Login ID,Section,Comment\n"
        f"alice,1,1,alice,A,{secrets['ROSTER']}\n")
    (course / "private.txt").write_text(f"{secrets['HELDOUT']}\nTo be, or not to be.\n")
    (course / "course.toml").write_text(
        f"# {secrets['TOML']}\nseed = 1234\n\n[textgen]\nheldout = \"private.txt\"\n\n"
        f"[shifted_targets.limits]\ntime_budget = 300\n")
    with sqlite3.connect(course / "old_grades.sqlite") as db:
        db.execute("create table results (student text, feedback text)")
        db.execute("insert into results values ('carol', ?)", (secrets["GRADEBOOK"],))
    home = root / "home"
    home.mkdir()
    (home / ".course_secret").write_text(secrets["HOME"])
    (course / "submissions" / "alice.py").write_text(HOSTILE)
    # Bob's own file holds a secret of his: his search may find it (it is his), Alice's
    # must not (another student's submission, during the same `grade`).
    neighbour = f"PLANTED-BOB-{token}"
    (course / "submissions" / "bob.py").write_text(HOSTILE + f"\n# {neighbour}\n")
    env = {**os.environ, "HOME": str(home), "SEQGRADE_INSTRUCTOR_TOKEN": secrets["ENV"]}
    return {"root": root, "course": course, "secrets": secrets, "env": env,
            "neighbour": neighbour}


def _run(machine: dict, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "checkers", *args], env=machine["env"],
                          cwd=machine["root"], capture_output=True, text=True, timeout=600)
    assert done.returncode in (0, 3), done.stdout + done.stderr
    return done.stdout + done.stderr


def _assert_clean(machine: dict, text: str, where: str) -> None:
    leaked = [kind for kind, secret in machine["secrets"].items() if secret in text]
    assert not leaked, f"{where} holds planted secrets {leaked}"


def test_no_secret_reaches_the_gradebook_exports_report_or_terminal(machine: dict) -> None:
    course, out = machine["course"], machine["root"] / "out"
    out.mkdir()
    db = str(machine["root"] / "grades.sqlite")
    config = str(course / "course.toml")
    terminal = _run(machine, "grade", "shifted_targets", str(course / "submissions"),
                    "--db", db, "--checks", CHECKS, "--config", config)
    terminal += _run(machine, "export", "--db", db, "--format", "csv",
                     "--out", str(out / "grades.csv"))
    terminal += _run(machine, "export", "--db", db, "--format", "gradescope",
                     "--out", str(out / "gradescope"))
    terminal += _run(machine, "report", "--db", db, "--html", str(out / "report.html"))
    terminal += _run(machine, "check", "shifted_targets", str(course / "submissions" / "alice.py"),
                     "--checks", CHECKS, "--config", config, "--format", "json")
    assert "FOUND" in terminal  # the hostile code ran, and its feedback is shown
    _assert_clean(machine, terminal, "the terminal")
    files = [Path(db), *(p for p in out.rglob("*") if p.is_file())]
    assert len(files) >= 4
    for path in files:
        _assert_clean(machine, path.read_bytes().decode("latin-1"), str(path))
    with sqlite3.connect(db) as connection:
        dump = "\n".join(connection.iterdump())
        alice = "\n".join(str(row) for row in connection.execute(
            "select report from grades where student like 'alice%'"))
    assert "FOUND" in dump
    _assert_clean(machine, dump, "the gradebook")
    assert "FOUND" in alice and machine["neighbour"] not in alice, alice
    _assert_level(machine, terminal)


def _assert_level(machine: dict, terminal: str) -> None:
    """Where the run knows the level it must reach (the container emulation: landlock),
    the report says that level."""
    expected = os.environ.get("SEQGRADE_EXPECT_ISOLATION")
    if expected:
        assert f'"isolation": "{expected}"' in terminal, terminal[-3000:]


def _aimed(machine: dict, name: str) -> Path:
    """The hostile search aimed at the course folder (so that the 2,000 characters of an
    error message are not spent on other finds of the host)."""
    aimed = machine["root"] / name / "alice.py"
    aimed.parent.mkdir()
    aimed.write_text(HOSTILE.replace('TOP = "/"', f"TOP = {str(machine['course'])!r}"))
    return aimed


@pytest.mark.skipif(os.environ.get("SEQGRADE_EXPECT_ISOLATION") != "landlock",
                    reason="a positive control for the container emulation (run inside it "
                           "by tests/test_sandbox_container.py)")
def test_the_search_finds_the_secrets_where_nothing_isolates(machine: dict) -> None:
    """Positive control: with no layer at all (a container without Landlock: only uid 0
    is mapped, so no user id of its own either), the same search finds them."""
    report = grade("shifted_targets", _aimed(machine, "aimed"), checks=[CHECKS],
                   options={"worker_env": {"SEQGRADE_NO_LANDLOCK": "1"}})
    feedback = " ".join(c.feedback for c in report.checks)
    assert machine["secrets"]["ROSTER"] in feedback, feedback
    assert report.isolation == "none"
    assert any("not isolated" in note for note in report.notes)


@pytest.mark.parametrize("switched_off", [
    ("SEQGRADE_NO_NAMESPACES",),
    ("SEQGRADE_NO_NAMESPACES", "SEQGRADE_NO_SECCOMP"),
])
def test_each_layer_alone_keeps_the_course_folder_out_of_reach(machine: dict,
                                                               switched_off) -> None:
    """Without namespaces, Landlock alone (and without seccomp too) stops the search."""
    report = grade("shifted_targets", _aimed(machine, "-".join(switched_off)),
                   checks=[CHECKS],
                   options={"worker_env": {name: "1" for name in switched_off}})
    feedback = " ".join(c.feedback for c in report.checks)
    assert "FOUND" in feedback
    _assert_clean(machine, feedback, "the feedback")
    assert report.isolation == "landlock", report.notes
