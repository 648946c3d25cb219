"""Batch grading: a mixed class folder into the gradebook, resume after SIGKILL, Dask, exports.

The class is graded on a subset of the reber checks (those that need no trained model, so
no TensorFlow import in the workers) to keep the default run short; every submission is
still a real one, graded in its own sandbox.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from checkers.batch.exports import export_csv, export_gradescope
from checkers.batch.gradebook import Gradebook, settings_key
from checkers.batch.procs import sandbox_workers_under, scratch_dir
from checkers.batch.run import run_batch
from checkers.batch.tasks import discover, entry_hash
from tests.helpers import (
    ADVERSARIAL,
    EXERCISES,
    MUTANTS,
    SOLUTIONS,
    Mutant,
    all_mutants,
    build_submission,
    grading_options,
)

CHECKS = ["reber.generate_valid", "reber.corrupted", "reber.string_to_ids", "reber.dataset"]
MAX = 35.0  # points of CHECKS
TIMEOUT_SCALE = 0.25  # per-call limit 15 s: the endless loop costs little
OPTIONS = {**grading_options(), "timeout_scale": TIMEOUT_SCALE}
REPO = Path(__file__).resolve().parent.parent
# Adversarial submissions in the class: crashes, hangs, forged output, stray processes (the
# bombs that need the full isolation tests are left to tests/test_mutants.py).
HOSTILE_IN_CLASS = {
    "always_equal", "always_equal_object", "fake_report", "infinite_loop", "missing_function",
    "monkeypatch_checkers", "os_exit_at_import", "os_exit_in_call", "raises_exception",
    "sys_exit_at_import", "sys_exit_in_call", "wrong_return_type", "detached_child",
    "exit_mid_protocol", "forged_protocol",
}


def _notebook(source: str) -> str:
    source = source.replace("from __future__ import annotations\n", "")
    code = {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": []}
    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# my reber"]},
             {**code, "source": ["%matplotlib inline\n"]}, {**code, "source": [source]}]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def build_class(root: Path) -> dict[str, object]:
    """A class folder of mixed submissions; student -> what the row must say.

    The value is "full" (full marks), "zero" (0 on every check, with the feedback word),
    "missing", or the Mutant whose expectations the row must meet.
    """
    root.mkdir(parents=True, exist_ok=True)
    expected: dict[str, object] = {}
    reference = (SOLUTIONS / "reber.py").read_text(encoding="utf-8")
    for i in (1, 2):
        (root / f"ref_file_{i}.py").write_text(reference, encoding="utf-8")
        expected[f"ref_file_{i}"] = "full"
        folder = root / f"ref_folder_{i}"
        folder.mkdir()
        shutil.copy2(SOLUTIONS / "reber.py", folder / "reber.py")
        shutil.copy2(SOLUTIONS / "reber.keras", folder / "reber.keras")
        expected[f"ref_folder_{i}"] = "full"
    notebook = root / "ref_notebook"
    notebook.mkdir()
    (notebook / "reber.ipynb").write_text(_notebook(reference), encoding="utf-8")
    expected["ref_notebook"] = "full"
    for i in (1, 2):
        shutil.copy2(EXERCISES / "reber.py", root / f"stub_{i}.py")
        expected[f"stub_{i}"] = ("zero", "not implemented")
    shutil.copy2(ADVERSARIAL / "reber" / "standalone" / "syntax_error.py", root / "syntax_error.py")
    expected["syntax_error"] = ("zero", "syntax error")
    (root / "empty_folder").mkdir()
    expected["empty_folder"] = "missing"
    (root / "notes.txt").write_text("I did not finish, sorry\n", encoding="utf-8")
    expected["notes"] = "missing"
    two = root / "two_files"
    two.mkdir()
    (two / "a.py").write_text(reference, encoding="utf-8")
    (two / "b.py").write_text("x = 1\n", encoding="utf-8")
    expected["two_files"] = "missing"
    bad = [m for m in all_mutants(MUTANTS) if m.exercise == "reber" and not m.standalone]
    bad += [m for m in all_mutants(ADVERSARIAL)
            if m.exercise == "reber" and m.path.stem in HOSTILE_IN_CLASS]
    for mutant in bad:
        kind = "hostile" if ADVERSARIAL in mutant.path.parents else "mutant"
        student = f"{kind}_{mutant.path.stem}"
        built = build_submission(root / ".build", mutant)
        built.rename(root / student)
        expected[student] = mutant
    shutil.rmtree(root / ".build")
    return expected


def _assert_row(row, expectation: object) -> None:
    """One gradebook row against what the submission must earn."""
    by_id = {c.id: c for c in row.report.checks}
    assert sorted(by_id) == sorted(CHECKS), row.student
    assert row.max_score == MAX and row.report.max_score == MAX, row.student
    assert row.score == pytest.approx(sum(c.score for c in row.report.checks)), row.student
    assert row.score == row.report.score
    assert row.settings == settings_key(0, CHECKS)
    if expectation == "full":
        assert row.score == MAX, (row.student, row.report.to_json())
        assert row.status == "graded"
        assert all(c.status == "passed" for c in row.report.checks)
    elif expectation == "missing":
        assert row.status == "missing" and row.score == 0.0, row.student
        assert all(c.status == "error" and c.feedback for c in row.report.checks)
    elif isinstance(expectation, tuple):
        word = expectation[1]
        assert row.score == 0.0, (row.student, row.report.to_json())
        assert all(word in c.feedback for c in row.report.checks), row.report.to_json()
    else:
        assert isinstance(expectation, Mutant)
        assert row.status in ("graded", "incomplete")
        for check_id, check in by_id.items():
            if check_id in expectation.expect:
                assert check.score < check.max_score, (row.student, check_id)
                assert check.feedback.strip(), (row.student, check_id)
                assert "internal grader error" not in check.feedback
            elif check_id not in expectation.may_lose and (
                    expectation.checks is None or check_id in expectation.checks):
                assert check.score == check.max_score, (row.student, check_id, check.feedback)
            if check_id in expectation.statuses:
                assert check.status == expectation.statuses[check_id], (row.student, check)
        incomplete = any(c.status in ("error", "timeout") for c in row.report.checks)
        assert row.status == ("incomplete" if incomplete else "graded")


def test_batch_grades_a_mixed_class_into_the_gradebook(tmp_path: Path) -> None:
    expected = build_class(tmp_path / "class")
    assert len(expected) >= 30
    db = tmp_path / "grades.sqlite"
    summary = run_batch("reber", tmp_path / "class", db, jobs=2, options=OPTIONS,
                        checks=CHECKS)
    assert summary.graded == summary.total == len(expected) and summary.skipped == 0
    entries = {e.student: e for e in discover(tmp_path / "class")}
    with Gradebook(db) as book:
        rows = book.rows("reber")
    assert [r.student for r in rows] == sorted(expected)
    for row in rows:
        assert row.content_hash == entry_hash(entries[row.student].path, "reber")
        assert row.path == str(entries[row.student].path.resolve())
        assert row.report.submission == row.path
        _assert_row(row, expected[row.student])
    with sqlite3.connect(db) as raw:
        checks = raw.execute("SELECT COUNT(*), COUNT(DISTINCT student) FROM check_results")
        assert checks.fetchone() == (len(expected) * len(CHECKS), len(expected))
    # the CSV gradebook has the same rows
    table = list(csv.DictReader(io.StringIO(export_csv(rows))))
    assert [t["student"] for t in table] == sorted(expected)
    for line, row in zip(table, rows, strict=True):
        assert float(line["total"]) == row.score and line["status"] == row.status
        for check in row.report.checks:
            assert float(line[check.id]) == check.score
    # nothing changed: a second run grades nothing
    again = run_batch("reber", tmp_path / "class", db, jobs=2, options=OPTIONS, checks=CHECKS)
    assert again.graded == 0 and again.skipped == len(expected)


def _small_class(root: Path) -> None:
    """Eight submissions, the endless loop first (so it is in flight when the kill comes)."""
    root.mkdir(parents=True)
    hostile = {m.path.stem: m for m in all_mutants(ADVERSARIAL) if m.exercise == "reber"}
    mutants = {m.path.stem: m for m in all_mutants(MUTANTS) if m.exercise == "reber"}
    for student, mutant in (("a_hang", hostile["infinite_loop"]),
                            ("b_off_by_one", mutants["string_to_ids_off_by_one"]),
                            ("c_unbalanced", mutants["unbalanced_dataset"]),
                            ("d_exit", hostile["sys_exit_in_call"])):
        build_submission(root / ".build", mutant).rename(root / student)
    shutil.rmtree(root / ".build")
    for student in ("e_ref", "f_ref", "h_ref"):
        shutil.copy2(SOLUTIONS / "reber.py", root / f"{student}.py")
    shutil.copy2(EXERCISES / "reber.py", root / "g_stub.py")


def _grade_command(folder: Path, db: Path) -> list[str]:
    return [sys.executable, "-m", "checkers", "grade", "reber", str(folder), "--db", str(db),
            "--jobs", "2", "--timeout-scale", str(TIMEOUT_SCALE),
            "--checks", ",".join(CHECKS), "--quiet"]


def _rows(db: Path) -> dict[str, dict]:
    with sqlite3.connect(db) as raw:
        return {student: {"report": report, "graded_at": graded_at}
                for student, report, graded_at in
                raw.execute("SELECT student, report, graded_at FROM grades")}


def _count(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as raw:
            return int(raw.execute("SELECT COUNT(*) FROM grades").fetchone()[0])
    except sqlite3.OperationalError:  # the schema is not there yet
        return 0


def _verdicts(db: Path) -> dict[str, tuple]:
    with Gradebook(db) as book:
        return {r.student: (r.score, r.status, r.content_hash,
                            tuple((c.id, c.score, c.status) for c in r.report.checks))
                for r in book.rows()}


def test_sigkill_in_the_middle_then_resume_grades_each_submission_once(tmp_path: Path) -> None:
    folder = tmp_path / "class"
    _small_class(folder)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    if OPTIONS.get("data_dir"):
        env["SEQGRADE_DATA_DIR"] = OPTIONS["data_dir"]
    # the reference: one uninterrupted run
    clean_db = tmp_path / "clean.sqlite"
    clean = subprocess.run(_grade_command(folder, clean_db), env=env, cwd=REPO,
                           capture_output=True, text=True, timeout=600)
    assert clean.returncode == 0, clean.stderr
    total = len(discover(folder))
    assert _count(clean_db) == total
    # a run killed (the whole process group, SIGKILL) once two submissions are recorded
    db = tmp_path / "grades.sqlite"
    process = subprocess.Popen(_grade_command(folder, db), env=env, cwd=REPO,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    deadline = time.monotonic() + 300
    while _count(db) < 2 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    before = _rows(db)
    assert 2 <= len(before) < total, "the batch was not killed in the middle"
    # the rerun resumes: grades only what is missing, and leaves no sandbox worker behind
    resumed = subprocess.run(_grade_command(folder, db), env=env, cwd=REPO,
                             capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{total - len(before)} to grade, {len(before)} unchanged" in resumed.stderr
    after = _rows(db)
    assert sorted(after) == sorted(p.stem if p.is_file() else p.name for p in folder.iterdir())
    for student, row in before.items():  # graded before the kill: not graded again
        assert after[student] == row, student
    assert _verdicts(db) == _verdicts(clean_db)
    with sqlite3.connect(db) as raw:
        assert raw.execute("SELECT COUNT(*), COUNT(DISTINCT student) FROM grades").fetchone() \
            == (total, total)
    assert sandbox_workers_under(scratch_dir(db)) == []
    # a changed submission is graded again, and only that one
    shutil.copy2(SOLUTIONS / "reber.py", folder / "g_stub.py")
    changed = subprocess.run(_grade_command(folder, db), env=env, cwd=REPO,
                             capture_output=True, text=True, timeout=600)
    assert changed.returncode == 0, changed.stderr
    assert f"1 to grade, {total - 1} unchanged" in changed.stderr
    final = _verdicts(db)
    assert final["g_stub"][0] == MAX
    assert {k: v for k, v in final.items() if k != "g_stub"} == \
        {k: v for k, v in _verdicts(clean_db).items() if k != "g_stub"}


def test_a_grading_process_killed_mid_batch_does_not_stop_the_batch(tmp_path: Path) -> None:
    """A pool process dies (SIGKILL from outside): its pool is replaced, nothing is lost."""
    import threading

    from checkers.batch.procs import children_of

    folder = tmp_path / "class"
    folder.mkdir()
    hang = next(m for m in all_mutants(ADVERSARIAL) if m.path.stem == "infinite_loop")
    build_submission(tmp_path / "build", hang).rename(folder / "a_hang")
    for student in ("b_ref", "c_ref", "d_ref"):
        shutil.copy2(SOLUTIONS / "reber.py", folder / f"{student}.py")
    db = tmp_path / "grades.sqlite"
    outcome: dict = {}
    batch = threading.Thread(target=lambda: outcome.update(summary=run_batch(
        "reber", folder, db, jobs=2, options=OPTIONS, checks=["reber.string_to_ids"])))
    batch.start()
    killed = None
    deadline = time.monotonic() + 300
    while killed is None and batch.is_alive() and time.monotonic() < deadline:
        for pid in children_of(os.getpid()):
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"spawn_main" in command and children_of(pid):  # grading, sandbox started
                os.kill(pid, signal.SIGKILL)
                killed = pid
                break
        time.sleep(0.05)
    batch.join(600)
    assert killed is not None, "no grading process was seen at work"
    summary = outcome["summary"]
    assert summary.graded == 4 and "grader_error" not in summary.statuses
    verdicts = _verdicts(db)
    assert {s: v[0] for s, v in verdicts.items()} == {
        "a_hang": 0.0, "b_ref": 5.0, "c_ref": 5.0, "d_ref": 5.0}
    assert verdicts["a_hang"][3] == (("reber.string_to_ids", 0.0, "timeout"),)
    assert sandbox_workers_under(scratch_dir(db)) == []


def test_dask_local_cluster_grades_like_the_local_pool(tmp_path: Path) -> None:
    from dask.distributed import LocalCluster

    from checkers.cli.main import main

    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy2(SOLUTIONS / "reber.py", folder / "alice.py")
    mutant = next(m for m in all_mutants(MUTANTS) if m.path.stem == "string_to_ids_off_by_one")
    build_submission(tmp_path / "build", mutant).rename(folder / "bob")
    shutil.copy2(EXERCISES / "reber.py", folder / "carol.py")
    (folder / "dave.txt").write_text("no code\n", encoding="utf-8")
    db = tmp_path / "grades.sqlite"
    args = ["grade", "reber", str(folder), "--db", str(db), "--timeout-scale",
            str(TIMEOUT_SCALE), "--checks", ",".join(CHECKS), "--quiet"]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        assert main([*args, "--dask", cluster.scheduler_address]) == 0
    local_db = tmp_path / "local.sqlite"
    summary = run_batch("reber", folder, local_db, jobs=2, options=OPTIONS, checks=CHECKS)
    assert summary.graded == 4
    on_dask, local = _verdicts(db), _verdicts(local_db)
    assert on_dask == local
    assert on_dask["alice"][0] == MAX and on_dask["dave"][1] == "missing"
    assert on_dask["bob"][3][2] == ("reber.string_to_ids", 0.0, "failed")
    with Gradebook(db) as book:
        rows = {r.student: r for r in book.rows()}
    assert rows["alice"].report.submission == str((folder / "alice.py").resolve())


def test_exports_csv_and_gradescope(tmp_path: Path) -> None:
    from checkers.engine.report import CheckResult, Report

    def report(student: str, scores: list[tuple[float, str]]) -> Report:
        checks = [CheckResult(id=f"reber.c{i}", name=f"check {i}", score=s, max_score=10.0,
                              status=status, feedback="OK" if status == "passed" else "bad",
                              counterexample=None if status == "passed" else "f('x')")
                  for i, (s, status) in enumerate(scores)]
        return Report(exercise="reber", submission=f"/class/{student}.py", seed=0,
                      score=sum(s for s, _ in scores), max_score=10.0 * len(scores),
                      duration_s=1.5, grader_version="test", checks=checks)

    db = tmp_path / "g.sqlite"
    with Gradebook(db) as book:
        book.record(student="bob", path="/class/bob.py", content_hash="h1",
                    settings=settings_key(0, None), status="graded",
                    report=report("bob", [(10.0, "passed"), (2.5, "failed")]))
        book.record(student="alice", path="/class/alice.py", content_hash="h2",
                    settings=settings_key(0, None), status="incomplete",
                    report=report("alice", [(0.0, "timeout"), (10.0, "passed")]))
        # grading bob again replaces his row
        book.record(student="bob", path="/class/bob.py", content_hash="h3",
                    settings=settings_key(0, None), status="graded",
                    report=report("bob", [(10.0, "passed"), (5.0, "failed")]))
        rows = book.rows()
        assert book.count() == 2
    assert export_csv(rows).splitlines() == [
        "student,total,max_score,reber.c0,reber.c1,status",
        "alice,10,20,0,10,incomplete",
        "bob,15,20,10,5,graded",
    ]
    written = export_gradescope(rows, tmp_path / "gs")
    assert sorted(p.relative_to(tmp_path / "gs").as_posix() for p in written) == [
        "alice/results.json", "bob/results.json"]
    bob = json.loads((tmp_path / "gs" / "bob" / "results.json").read_text())
    assert bob["score"] == 15.0
    assert [(t["score"], t["max_score"], t["status"]) for t in bob["tests"]] == [
        (10.0, 10.0, "passed"), (5.0, 10.0, "failed")]
    assert "f('x')" in bob["tests"][1]["output"]
    # the command line writes the same
    from checkers.cli.main import main

    out = tmp_path / "grades.csv"
    assert main(["export", "--db", str(db), "--format", "csv", "--out", str(out)]) == 0
    assert out.read_text().splitlines()[2] == "bob,15,20,10,5,graded"
    assert main(["export", "--db", str(db), "--format", "gradescope", "--out",
                 str(tmp_path / "gs2")]) == 0
    assert (tmp_path / "gs2" / "alice" / "results.json").exists()
    assert main(["export", "--db", str(tmp_path / "none.sqlite"), "--format", "csv"]) == 2


def test_grade_refuses_a_gradebook_in_use(tmp_path: Path) -> None:
    from checkers.batch.procs import GradebookBusy, lock_gradebook

    db = tmp_path / "g.sqlite"
    (tmp_path / "class").mkdir()
    held = lock_gradebook(scratch_dir(db))
    try:
        with pytest.raises(GradebookBusy):
            run_batch("reber", tmp_path / "class", db)
    finally:
        held.close()
    assert run_batch("reber", tmp_path / "class", db).total == 0


@pytest.mark.slow
def test_full_grading_with_models_in_the_pool(tmp_path: Path) -> None:
    """Every check, the model ones included (TensorFlow in each sandbox), two at a time."""
    folder = tmp_path / "class"
    folder.mkdir()
    reference = folder / "alice"
    reference.mkdir()
    shutil.copy2(SOLUTIONS / "reber.py", reference / "reber.py")
    shutil.copy2(SOLUTIONS / "reber.keras", reference / "reber.keras")
    mutant = next(m for m in all_mutants(MUTANTS) if m.path.stem == "constant_predictor")
    build_submission(tmp_path / "build", mutant).rename(folder / "bob")
    db = tmp_path / "grades.sqlite"
    summary = run_batch("reber", folder, db, jobs=2, options=grading_options())
    assert summary.graded == 2
    with Gradebook(db) as book:
        rows = {r.student: r for r in book.rows()}
    assert rows["alice"].score == rows["alice"].max_score == 100.0, rows["alice"].report.to_json()
    lost = {c.id for c in rows["bob"].report.checks if c.score < c.max_score}
    assert mutant.expect <= lost <= mutant.expect | mutant.may_lose
