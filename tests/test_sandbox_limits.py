"""The course TOML's sandbox settings (time budget, private held-out text) and the places
where isolation or ``resource`` do not exist."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap

import pytest

from checkers.engine.config import ConfigError, load_config
from checkers.engine.grading import grade
from checkers.sandbox.levels import reachable_level
from tests.helpers import REPO, SOLUTIONS, grading_options

CHEAP = ["shifted_targets.encoding", "shifted_targets.alignment", "shifted_targets.detector"]

STALLING = '''
import time


def vectorize(*args, **kwargs):
    time.sleep(1000)


def targets_are_shifted(decoder_input_data, decoder_target_data):
    time.sleep(1000)
'''


def test_a_stalling_submission_is_cut_at_its_budget_and_the_next_grades(tmp_path) -> None:
    config = tmp_path / "course.toml"
    config.write_text("[shifted_targets.limits]\ntime_budget = 8\n")
    stalling = tmp_path / "stalling" / "shifted_targets.py"
    stalling.parent.mkdir()
    stalling.write_text(STALLING)
    report = grade("shifted_targets", stalling, checks=CHEAP,
                   options={"config_path": str(config)})
    assert report.score == 0.0
    assert report.duration_s < 30  # cut at 8 s (plus starting and stopping the worker)
    assert all(c.status == "timeout" for c in report.checks), report.to_json()
    not_run = [c for c in report.checks if c.feedback.startswith("not run")]
    assert not_run and all("time budget" in c.feedback and "8 s" in c.feedback
                           for c in not_run)
    reference = tmp_path / "reference" / "shifted_targets.py"
    reference.parent.mkdir()
    shutil.copy(SOLUTIONS / "shifted_targets.py", reference)
    report = grade("shifted_targets", reference, checks=CHEAP,
                   options={"config_path": str(config)})
    assert report.score == report.max_score, report.to_json()


def test_an_import_that_stalls_is_cut_at_the_budget(tmp_path) -> None:
    config = tmp_path / "course.toml"
    config.write_text("[shifted_targets.limits]\ntime_budget = 6\n")
    stalling = tmp_path / "shifted_targets.py"
    stalling.write_text("import time\ntime.sleep(1000)\n")
    report = grade("shifted_targets", stalling, checks=CHEAP,
                   options={"config_path": str(config)})
    assert report.score == 0.0 and report.duration_s < 30, report.to_json()
    assert "longer than 6 s (what was left of your submission's time budget of 6 s)" in (
        report.checks[0].feedback)


def test_time_budget_and_heldout_in_the_course_toml(tmp_path) -> None:
    (tmp_path / "private.txt").write_text("a private text\n")
    config = tmp_path / "course.toml"
    config.write_text('seed = 1234\n[textgen]\nheldout = "private.txt"\n'
                      "[reber.limits]\ntime_budget = 120\n")
    configs = load_config(config)
    assert configs["textgen"].options == {"heldout_path": str(tmp_path / "private.txt")}
    from checkers.engine.registry import get_exercise
    from checkers.sandbox.runner import Limits

    limits, _ = configs["reber"].apply_limits(Limits(), get_exercise("reber"))
    assert limits.time_budget == 120.0 and Limits().time_budget == 600.0
    for bad, message in (('[textgen]\nheldout = "missing.txt"\n', "does not exist"),
                         ("[textgen]\nheldout = 3\n", "file name"),
                         ("[reber.limits]\ntime_budget = -1\n", "positive number")):
        config.write_text(bad)
        with pytest.raises(ConfigError, match=message):
            load_config(config)["reber"].apply_limits(Limits(), get_exercise("reber"))


def test_textgen_reads_the_private_heldout_text(tmp_path) -> None:
    from checkers.engine.model import Context
    from checkers.engine.registry import get_exercise
    from checkers.exercises.textgen.checks import heldout_passages

    options = grading_options()
    if not options.get("data_dir"):
        pytest.skip("tiny Shakespeare is not available")
    private = tmp_path / "private.txt"
    private.write_text("ROMEO:\nWhat light through yonder window breaks?\n" * 400)
    exercise = get_exercise("textgen")
    ctx = Context(runner=None, seed=1234, check=exercise.checks[0], exercise=exercise,
                  options={**options, "heldout_path": str(private)})
    passages = heldout_passages(ctx)
    text = private.read_text()
    assert passages and all(p in text for p in passages)
    assert str(private) not in exercise.data_files  # never shown to the worker


def _run_without(code: str, *hidden: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a Python where the modules ``hidden`` cannot be imported."""
    prelude = textwrap.dedent(f"""
        import sys
        for name in {list(hidden)!r}:
            sys.modules[name] = None
    """)
    return subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)],
                          cwd=REPO, capture_output=True, text=True, timeout=300)


def test_without_resource_the_package_and_self_check_still_work() -> None:
    done = _run_without("""
        import checkers
        from checkers.sandbox.runner import InProcessRunner, SandboxRunner
        from checkers.engine.grading import grade_with_runner
        from checkers.engine.registry import get_exercise

        namespace = {}
        exec(open("solutions/shifted_targets.py").read(), namespace)
        report = grade_with_runner(get_exercise("shifted_targets"), InProcessRunner(namespace),
                                   submission_label="notebook",
                                   checks=["shifted_targets.encoding"])
        print("SCORE", report.score, report.max_score)
    """, "resource")
    assert done.returncode == 0, done.stderr
    assert "SCORE 15.0 15.0" in done.stdout


def test_honest_reports_are_the_same_at_every_isolation_level(tmp_path) -> None:
    """The reference's report, durations and the level itself aside, is the same whatever
    layers the machine allows (the level "none" is tested in the container emulation)."""
    reference = tmp_path / "shifted_targets.py"
    shutil.copy(SOLUTIONS / "shifted_targets.py", reference)
    checks = ["shifted_targets.encoding", "shifted_targets.detector"]
    own_uid = reachable_level({"SEQGRADE_NO_NAMESPACES": "1", "SEQGRADE_NO_LANDLOCK": "1"})
    reports = {}
    for switched_off, expected in (((), "namespaces"),
                                   (("SEQGRADE_NO_NAMESPACES",), "landlock"),
                                   (("SEQGRADE_NO_NAMESPACES", "SEQGRADE_NO_SECCOMP"),
                                    "landlock"),
                                   (("SEQGRADE_NO_NAMESPACES", "SEQGRADE_NO_LANDLOCK"),
                                    own_uid)):
        report = grade("shifted_targets", reference, checks=checks,
                       options={"worker_env": {name: "1" for name in switched_off}})
        assert report.isolation == expected, (switched_off, report.notes)
        data = report.to_dict(with_durations=False)
        data.pop("isolation")
        data["notes"] = [n for n in data["notes"] if "switched off" not in n
                         and "not isolated" not in n and "not fully isolated" not in n]
        reports[switched_off] = data
    first = reports[()]
    assert first["score"] == first["max_score"] and first["notes"] == []
    for switched_off, data in reports.items():
        assert data == first, switched_off
