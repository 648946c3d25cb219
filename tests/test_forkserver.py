"""The fork server (issue 17): workers forked from a process that imported the heavy
libraries once grade exactly like workers started on their own, and the fork server
holds nothing of any submission."""

from __future__ import annotations

import os
import re
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checkers.engine.grading import grade
from checkers.sandbox import forkserver, protocol
from checkers.sandbox.runner import SandboxRunner, _ForkedProcess
from checkers.sandbox.submission import find_submission
from tests.helpers import (
    MUTANTS,
    SOLUTIONS,
    build_submission,
    copy_artifacts,
    grading_options,
    read_mutant,
)

PROBE = textwrap.dedent("""
    import os, sys

    def tensorflow_sum(n):
        import tensorflow as tf
        return float(tf.reduce_sum(tf.range(n, dtype=tf.float64)).numpy())

    def torch_sum(n):
        import torch
        return float(torch.arange(n, dtype=torch.float64).sum())

    def keras_model_output(n):
        import keras
        import numpy as np
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        return model.predict(np.ones((n, 3), dtype="float32"), verbose=0).round(5)

    def open_descriptors():
        found = {}
        for name in os.listdir("/proc/self/fd"):
            try:
                found[name] = os.readlink(f"/proc/self/fd/{name}")
            except OSError:
                pass
        return found

    def temporary_folder():
        import tempfile
        return tempfile.gettempdir(), os.environ.get("TMPDIR"), sys.argv

    def loaded(name):
        return name in sys.modules

    def leave(code):
        os._exit(code)
""")


def _runner(folder: Path, preload: tuple[str, ...]) -> SandboxRunner:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "probe.py").write_text(PROBE, encoding="utf-8")
    return SandboxRunner(find_submission(folder / "probe.py", "x"), preload=preload)


def _same_reports(exercise: str, path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    forked = grade(exercise, path, options=grading_options())
    monkeypatch.setenv("SEQGRADE_NO_FORK_SERVER", "1")
    started = grade(exercise, path, options=grading_options())
    monkeypatch.delenv("SEQGRADE_NO_FORK_SERVER")
    assert forked.to_json(with_durations=False) == started.to_json(with_durations=False)


def test_tensorflow_and_torch_work_in_forked_workers(tmp_path: Path) -> None:
    runner = _runner(tmp_path / "student", ("tensorflow", "keras", "torch"))
    try:
        assert runner.call("loaded", ("tensorflow",), {}, timeout=60) is True
        assert isinstance(runner._process, _ForkedProcess)
        assert runner.call("tensorflow_sum", (1000,), {}, timeout=60) == 499500.0
        assert runner.call("torch_sum", (1000,), {}, timeout=60) == 499500.0
        first = runner.call("keras_model_output", (4,), {}, timeout=60)
    finally:
        runner.close()
    # A second worker forked from the same server: same answers, no hang.
    again = _runner(tmp_path / "other", ("tensorflow", "keras", "torch"))
    try:
        assert (again.call("keras_model_output", (4,), {}, timeout=60) == first).all()
        assert again.call("tensorflow_sum", (10,), {}, timeout=60) == 45.0
    finally:
        again.close()


def test_a_forked_worker_holds_only_its_pipes_and_its_own_folders(tmp_path: Path) -> None:
    runner = _runner(tmp_path / "student", ("numpy",))
    try:
        descriptors = runner.call("open_descriptors", (), {}, timeout=60)
        folder, tmpdir, argv = runner.call("temporary_folder", (), {}, timeout=60)
    finally:
        runner.close()
    assert not [t for t in descriptors.values() if t.startswith("socket:")], descriptors
    assert folder == tmpdir and "zygote" not in folder
    assert all("zygote" not in a and "--" not in a for a in argv), argv


def test_the_death_of_a_forked_worker_is_reported_like_a_started_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    messages = []
    for switched_off in (False, True):
        if switched_off:
            monkeypatch.setenv("SEQGRADE_NO_FORK_SERVER", "1")
        runner = _runner(tmp_path / f"student{switched_off}", ())
        try:
            runner.call("loaded", ("numpy",), {}, timeout=60)
            with pytest.raises(Exception) as caught:
                runner.call("leave", (3,), {}, timeout=60)
            messages.append(str(caught.value))
        finally:
            runner.close()
    assert messages[0] == messages[1] and "exited with code 3" in messages[0]


def test_the_fork_server_never_holds_a_students_path(tmp_path: Path) -> None:
    """Its memory, command line and environment: no trace of the submissions it served."""
    marker = "ZEBRA-QUOKKA-7731"
    runner = _runner(tmp_path / marker, ())
    try:
        assert runner.call("loaded", ("numpy",), {}, timeout=60) is True
        server = runner._process.server
    finally:
        runner.close()
    pid = server.process.pid
    for name in ("cmdline", "environ"):
        assert marker.encode() not in Path(f"/proc/{pid}/{name}").read_bytes()
    assert not _memory_holds(pid, marker.encode())
    assert _memory_holds(os.getpid(), marker.encode())  # the scan does find it where it is


def _memory_holds(pid: int, needle: bytes) -> bool:
    """Whether the writable, anonymous memory of ``pid`` contains ``needle``."""
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as memory:
        for line in maps:
            fields = line.split()
            if "rw" not in fields[1] or (len(fields) > 5 and fields[5].startswith("/")):
                continue
            start, end = (int(x, 16) for x in fields[0].split("-"))
            try:
                memory.seek(start)
                if needle in memory.read(end - start):
                    return True
            except (OSError, ValueError, OverflowError):
                continue
    return False


def test_a_forked_reference_and_mutant_grade_as_started_ones(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reference = tmp_path / "reference"
    reference.mkdir()
    (reference / "reber.py").write_bytes((SOLUTIONS / "reber.py").read_bytes())
    copy_artifacts("reber", reference)
    _same_reports("reber", reference, monkeypatch)
    mutant = read_mutant("reber", MUTANTS / "reber" / "corruption_never_at_the_ends.py")
    _same_reports("reber", build_submission(tmp_path / "mutant", mutant), monkeypatch)


def test_a_dead_fork_server_is_replaced(tmp_path: Path) -> None:
    runner = _runner(tmp_path / "one", ())
    try:
        runner.call("loaded", ("numpy",), {}, timeout=60)
        server = runner._process.server
    finally:
        runner.close()
    os.killpg(server.process.pid, 9)
    server.process.wait()
    runner = _runner(tmp_path / "two", ())
    try:
        assert runner.call("loaded", ("numpy",), {}, timeout=60) is True
        assert runner._process.server is not server
    finally:
        runner.close()
    forkserver.close_all()


plain = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner) | st.tuples(inner, inner)
    | st.dictionaries(st.text() | st.integers(), inner),
    max_leaves=40)


@settings(max_examples=300, deadline=None)
@given(plain)
def test_one_pass_encoding_equals_the_two_passes(value: object) -> None:
    assert protocol.encode_plain(value) == protocol.encode(protocol.to_plain(value))


def test_call_many_matches_single_calls_and_stops_at_the_first_failure(tmp_path: Path) -> None:
    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "f.py").write_text("def f(x):\n    if x == 3:\n        raise ValueError('three')\n"
                                 "    return [x, str(x)]\n", encoding="utf-8")
    runner = SandboxRunner(find_submission(folder / "f.py", "x"))
    try:
        values, error = runner.call_many("f", [((x,), {}) for x in range(6)], timeout=60)
        single = [runner.call("f", (x,), {}, timeout=60) for x in range(3)]
        with pytest.raises(Exception) as caught:
            runner.call("f", (3,), {}, timeout=60)
    finally:
        runner.close()
    assert values == single
    assert error is not None and error.message == str(caught.value.message)
    assert re.search(r"ValueError: three", error.message)
