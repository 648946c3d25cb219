"""Tests of the engine's parts: wire format, plain-data conversion, submissions, runners."""

from __future__ import annotations

import json
import math
import os

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from checkers.engine.errors import (
    CallTimeout,
    NotImplementedInSubmission,
    SubmissionError,
    SubmissionRaised,
    WorkerDied,
)
from checkers.sandbox import protocol
from checkers.sandbox.runner import InProcessRunner, SandboxRunner
from checkers.sandbox.submission import SubmissionNotFound, find_submission, notebook_to_script

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
arrays = hnp.arrays(
    dtype=st.sampled_from([np.int32, np.int64, np.float32, np.float64, np.bool_]),
    shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=4),
)
plain_values = st.recursive(
    scalars | arrays,
    lambda children: st.lists(children, max_size=4)
    | st.tuples(children, children)
    | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=12,
)


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return (isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape
                and np.array_equal(a, b))
    if type(a) is not type(b):
        return False
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


@given(plain_values)
def test_plain_values_survive_the_wire(value) -> None:
    message = protocol.dumps({"value": protocol.encode(value)})
    read, write = os.pipe()
    try:
        os.write(write, message)
        decoded = protocol.read_message(read, max_bytes=1 << 24)
    finally:
        os.close(read)
        os.close(write)
    assert _same(protocol.decode(decoded["value"]), value)


def test_subclasses_become_exact_builtin_types() -> None:
    class Sneaky(str):
        def __eq__(self, other):
            return True

        __hash__ = str.__hash__

    class Number(int):
        pass

    plain = protocol.to_plain([Sneaky("ab"), Number(3), np.int64(4), np.bool_(True),
                               np.float32(0.5), (np.arange(2),)])
    assert type(plain[0]) is str and plain[0] == "ab" and not plain[0] == "zz"
    assert type(plain[1]) is int and type(plain[2]) is int
    assert plain[3] is True and type(plain[4]) is float
    assert type(plain[5]) is tuple and type(plain[5][0]) is np.ndarray


def test_non_plain_values_are_refused() -> None:
    with pytest.raises(protocol.Unencodable):
        protocol.to_plain(object())
    with pytest.raises(protocol.Unencodable):
        protocol.to_plain(lambda: 1)


def test_decoder_refuses_unknown_tags_and_pickles() -> None:
    with pytest.raises(protocol.ProtocolError):
        protocol.decode({"__pickle__": "gASVAAAAAAAAAAA="})
    import base64
    import io

    buffer = io.BytesIO()
    np.save(buffer, np.array([object()], dtype=object), allow_pickle=True)
    with pytest.raises(protocol.ProtocolError):
        protocol.decode({"__nd__": base64.b64encode(buffer.getvalue()).decode()})


def test_oversized_message_is_refused() -> None:
    read, write = os.pipe()
    try:
        os.write(write, protocol.HEADER.pack(10**9))
        with pytest.raises(protocol.MessageTooLarge):
            protocol.read_message(read, max_bytes=1000)
    finally:
        os.close(read)
        os.close(write)


def test_generators_travel_by_state() -> None:
    rng = np.random.default_rng(7)
    rng.random()
    copy = protocol.decode(protocol.encode(rng))
    assert copy.random() == rng.random()


def test_notebook_conversion_drops_magics_and_reports_them() -> None:
    notebook = {"cells": [
        {"cell_type": "markdown", "source": "# title"},
        {"cell_type": "code", "source": ["%matplotlib inline\n", "x = 1\n"]},
        {"cell_type": "code", "source": "!pip install foo\ny = x + 1"},
        {"cell_type": "code", "source": "%%time\nz = 3"},
    ]}
    script, notes = notebook_to_script(json.dumps(notebook))
    namespace: dict = {}
    exec(compile(script, "nb", "exec"), namespace)
    # %%time runs its body, as in Jupyter (tests/test_notebooks.py covers the rest).
    assert namespace["y"] == 2 and namespace["z"] == 3
    assert any("cell 2: %matplotlib" in n and "cell 4: %%time" in n for n in notes)


def test_malformed_notebook_is_explained() -> None:
    with pytest.raises(ValueError, match="not valid JSON"):
        notebook_to_script("{not json")
    with pytest.raises(ValueError, match="no list of cells"):
        notebook_to_script("[]")


def test_folder_with_several_code_files_needs_a_name(tmp_path) -> None:
    (tmp_path / "a.py").write_text("")
    (tmp_path / "b.py").write_text("")
    with pytest.raises(SubmissionNotFound, match="several code files"):
        find_submission(tmp_path, "reber")
    (tmp_path / "reber.py").write_text("")
    assert find_submission(tmp_path, "reber").source.name == "reber.py"


SANDBOX_SOURCE = '''
import os, sys, time
import numpy as np

def add(a, b):
    return a + b

def draw(rng):
    return float(rng.random())

def stub():
    raise NotImplementedError

def boom():
    raise KeyError("missing")

def spin():
    while True:
        pass

def die():
    os._exit(3)

def leave():
    sys.exit(0)

def weird():
    return object()

def big():
    return np.zeros(50_000_000)

def shout():
    print("hello from the submission")
    return 1
'''


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sandbox")
    (folder / "submission.py").write_text(SANDBOX_SOURCE)
    from checkers.sandbox.runner import Limits

    runner = SandboxRunner(find_submission(folder / "submission.py", "x"),
                           limits=Limits(reply_bytes=8 << 20))
    yield runner
    runner.close()


def test_sandbox_calls_and_errors(sandbox) -> None:
    assert sandbox.call("add", (2, 3), {}, timeout=10) == 5
    assert sandbox.call("add", ("a",), {"b": "b"}, timeout=10) == "ab"
    value, (rng_after,) = sandbox.call_with_rngs("draw", (np.random.default_rng(1),), {},
                                                 timeout=10)
    expected = np.random.default_rng(1)
    assert value == expected.random() and rng_after.random() == expected.random()
    with pytest.raises(NotImplementedInSubmission):
        sandbox.call("stub", (), {}, timeout=10)
    with pytest.raises(SubmissionRaised) as raised:
        sandbox.call("boom", (), {}, timeout=10)
    assert raised.value.raised("LookupError") and "submission.py" in raised.value.message
    with pytest.raises(SubmissionError, match="no function `nothing`"):
        sandbox.call("nothing", (), {}, timeout=10)
    with pytest.raises(SubmissionError, match="not plain data"):
        sandbox.call("weird", (), {}, timeout=10)
    with pytest.raises(SubmissionError, match="end the program"):
        sandbox.call("leave", (), {}, timeout=10)
    assert sandbox.call("shout", (), {}, timeout=10) == 1
    assert any("hello from the submission" in out for out in sandbox.output_log)


def test_sandbox_recovers_from_hangs_deaths_and_huge_replies(sandbox) -> None:
    with pytest.raises(CallTimeout):
        sandbox.call("spin", (), {}, timeout=1)
    assert sandbox.call("add", (1, 1), {}, timeout=10) == 2
    with pytest.raises(WorkerDied, match="exited with code 3"):
        sandbox.call("die", (), {}, timeout=10)
    assert sandbox.call("add", (1, 2), {}, timeout=10) == 3
    with pytest.raises(SubmissionError, match="too large"):
        sandbox.call("big", (), {}, timeout=30)
    assert sandbox.call("add", (2, 2), {}, timeout=10) == 4


def test_sandbox_worker_has_a_scrubbed_environment(tmp_path) -> None:
    (tmp_path / "s.py").write_text("import os\ndef env():\n    return dict(os.environ)\n"
                                   "def cwd():\n    return os.getcwd()\n")
    os.environ["SEQGRADE_TEST_SECRET"] = "hidden"
    try:
        with SandboxRunner(find_submission(tmp_path / "s.py", "x")) as runner:
            env = runner.call("env", (), {}, timeout=10)
            cwd = runner.call("cwd", (), {}, timeout=10)
    finally:
        del os.environ["SEQGRADE_TEST_SECRET"]
    assert "SEQGRADE_TEST_SECRET" not in env
    assert str(tmp_path) not in cwd


def test_in_process_runner_gives_the_same_data_and_messages() -> None:
    namespace: dict = {}
    exec(compile(SANDBOX_SOURCE, "nb", "exec"), namespace)
    runner = InProcessRunner(namespace)
    assert runner.call("add", (np.arange(2), 1), {}, timeout=5).tolist() == [1, 2]
    with pytest.raises(NotImplementedInSubmission):
        runner.call("stub", (), {}, timeout=5)
    with pytest.raises(SubmissionRaised):
        runner.call("boom", (), {}, timeout=5)
    with pytest.raises(CallTimeout):
        runner.call("spin", (), {}, timeout=0.5)


def test_instructor_config_sets_points_and_limits(tmp_path) -> None:
    from checkers.engine.config import ConfigError, load_config
    from checkers.engine.grading import grade

    (tmp_path / "reber.py").write_text(
        "def string_to_ids(s, chars='BEPSTVX'):\n"
        "    hoard = bytearray(3 * 1024**3)\n"
        "    return [chars.index(c) for c in s]\n")
    config = tmp_path / "seqgrade.toml"
    config.write_text('[reber.points]\n"reber.string_to_ids" = 7\n\n'
                      '[reber.limits]\nmemory = "2 GiB"\ncall_timeout = 5\n')
    report = grade("reber", tmp_path / "reber.py", checks=["reber.string_to_ids"],
                   options={"config_path": str(config)})
    check = report.result("reber.string_to_ids")
    assert check.max_score == 7.0 and check.score == 0.0
    assert "memory limit (2 GiB" in check.feedback
    config.write_text('[reber.limits]\nmemory = "lots"\n')
    with pytest.raises(ConfigError, match="not a size"):
        grade("reber", tmp_path / "reber.py", options={"config_path": str(config)})
    config.write_text("[reber\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(config)
