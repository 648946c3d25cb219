"""The student's self-check: per-check runs, HTML and text display, hints by failure kind."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import checkers
from checkers.engine.errors import ConfigError, UnknownCheck
from checkers.engine.hints import GENERIC, load_hints, validate_hints
from checkers.engine.registry import available_exercises, get_exercise
from checkers.engine.selfcheck import SelfCheck
from tests.helpers import EXERCISES, REPO, SOLUTIONS


def _namespace(module_file, **overrides) -> dict:
    namespace: dict = {"__name__": "student", "__file__": str(module_file)}
    exec(compile(module_file.read_text(encoding="utf-8"), str(module_file), "exec"), namespace)
    namespace.update(overrides)
    return namespace


@pytest.fixture(scope="module")
def reference() -> dict:
    return _namespace(SOLUTIONS / "reber.py")


@pytest.fixture(scope="module")
def stub() -> dict:
    return _namespace(EXERCISES / "reber.py")


@pytest.fixture(scope="module")
def half_done(reference) -> dict:
    """The reference with generate_dataset still a stub."""
    def generate_dataset(size, rng):
        raise NotImplementedError

    return {**reference, "generate_dataset": generate_dataset}


def test_only_the_checks_asked_for_run(stub, half_done) -> None:
    result = checkers.check("reber", half_done, checks=["reber.dataset"], show=False)
    assert isinstance(result, SelfCheck)
    assert [c.id for c in result.checks] == ["reber.dataset"]
    assert result.max_score == 10 and result.kinds == {"reber.dataset": "not_implemented"}
    one = checkers.check("reber", stub, checks="reber.string_to_ids", show=False)
    assert [c.id for c in one.checks] == ["reber.string_to_ids"]
    with pytest.raises(UnknownCheck, match="reber.dataset"):
        checkers.check("reber", stub, checks=["reber.nope"], show=False)


def test_the_namespace_defaults_to_the_callers_globals(stub) -> None:
    namespace = {**stub, "checkers": checkers}
    exec("result = checkers.check('reber', checks=['reber.string_to_ids'], show=False)",
         namespace)
    assert namespace["result"].kinds == {"reber.string_to_ids": "not_implemented"}


def test_the_reference_passes_the_cheap_checks(reference) -> None:
    result = checkers.check("reber", reference, show=False,
                            checks=["reber.string_to_ids", "reber.dataset"])
    assert result.score == result.max_score == 15
    assert set(result.kinds.values()) == {"passed"}


def test_each_failure_kind_is_recognised(reference) -> None:
    def wrong(s, chars="BEPSTVX"):
        return [chars.index(c) + 1 for c in s]

    def crashes(s, chars="BEPSTVX"):
        return {}["missing key"]

    def not_a_list(s, chars="BEPSTVX"):
        return object()

    cases = {"failed": wrong, "raised": crashes, "wrong_type": not_a_list}
    for kind, function in cases.items():
        namespace = {**reference, "string_to_ids": function}
        result = checkers.check("reber", namespace, checks=["reber.string_to_ids"], show=False)
        assert result.kinds == {"reber.string_to_ids": kind}, (kind, result.checks)
    namespace = {k: v for k, v in reference.items() if k != "string_to_ids"}
    result = checkers.check("reber", namespace, checks=["reber.string_to_ids"], show=False)
    assert result.kinds == {"reber.string_to_ids": "missing"}


def test_the_hint_addresses_how_the_check_failed(reference, half_done) -> None:
    hints = load_hints(get_exercise("reber"))["reber.dataset"]
    checkers.check("reber", half_done, checks=["reber.dataset"], show=False)
    view = checkers.hint("reber.dataset", show=False)
    assert view.hint.kind == "not_implemented"
    assert view.hint.specific == GENERIC["not_implemented"]
    assert hints["hint"] in str(view) and "not implemented yet" in str(view)

    def unbalanced(size, rng):
        return [[0, 4, 1]] * size, np.ones(size)

    checkers.check("reber", {**reference, "generate_dataset": unbalanced},
                   checks=["reber.dataset"], show=False)
    view = checkers.hint("reber.dataset", show=False)
    assert view.hint.kind == "failed" and view.hint.specific == hints["failed"]
    assert hints["failed"] in str(view) and "wrong result" in view._repr_html_()


def test_html_in_jupyter_plain_text_elsewhere_and_a_short_repr(stub, capsys) -> None:
    stub = {**stub, "string_to_ids": lambda s, chars="": "<script>alert(1)</script>"}
    result = checkers.check("reber", stub, checks=["reber.string_to_ids", "reber.dataset"])
    printed = capsys.readouterr().out
    assert "reber.dataset" in printed and 'checkers.hint("reber.string_to_ids")' in printed
    assert "<table>" in result._repr_html_() and "<script>" not in result._repr_html_()
    assert "&lt;script&gt;" in result._repr_html_()
    assert len(repr(result)) < 100 and "CheckResult(" not in repr(result)
    assert re.fullmatch(r"<seqgrade self-check reber: \d+/15, \d of 2 checks passed>",
                        repr(result))


def test_a_text_exercise_self_checks_its_answers_file(tmp_path) -> None:
    answers = tmp_path / "qa.md"
    answers.write_text((EXERCISES / "qa.md").read_text(encoding="utf-8"), encoding="utf-8")
    result = checkers.check("qa", answers, checks=["qa.q1"], show=False)
    assert result.score == 0 and "No answer" in result.checks[0].feedback
    with pytest.raises(TypeError, match="graded from a file"):
        checkers.check("qa", {}, show=False)


def test_malformed_hints_are_refused_with_their_place() -> None:
    exercise = get_exercise("reber")
    for data, message in (
        ({"reber.nope": {"hint": "x"}}, "not a check of reber"),
        ({"reber.dataset": {"hint": "x", "because": "y"}}, "unknown key 'because'"),
        ({"reber.dataset": {"failed": "y"}}, "a general `hint` is required"),
        ({"reber.dataset": {"hint": ""}}, "non-empty text"),
        (["reber.dataset"], "mapping"),
    ):
        with pytest.raises(ConfigError, match=re.escape(message)):
            validate_hints(data, exercise, "hints.yaml")


def _reference_lines() -> set[str]:
    """Code lines of the references that the stubs do not already give."""
    given = set()
    for stub in EXERCISES.glob("*.py"):
        given |= {line.strip() for line in stub.read_text(encoding="utf-8").splitlines()}
    lines = set()
    for path in [*SOLUTIONS.glob("*.py"), SOLUTIONS / "qa_answers.md"]:
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if len(line) >= 12 and not line.startswith(("#", '"""', ">")) and line not in given:
                lines.add(line)
    return lines


def test_a_hint_never_contains_reference_code() -> None:
    lines = _reference_lines()
    assert len(lines) > 300  # the references were read
    for exercise in available_exercises():
        for check_id, entry in load_hints(exercise).items():
            for kind, text in entry.items():
                normalized = " ".join(text.split())
                leaked = [line for line in lines if " ".join(line.split()) in normalized]
                assert not leaked, (check_id, kind, leaked[:3])
                # and no sentence of a model answer (qa)
                for sentence in re.split(r"(?<=[.!?])\s+", normalized):
                    if len(sentence) > 40:
                        assert not any(sentence in line for line in lines), (check_id, kind)


def test_check_and_hint_do_nothing_during_grading(stub, monkeypatch) -> None:
    monkeypatch.setenv("SEQGRADE_GRADING", "1")
    assert checkers.check("reber", stub) is None
    assert checkers.hint("reber.dataset") is None


def test_model_path_works_in_a_script_and_in_a_notebook(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    in_notebook: dict = {"checkers": checkers}  # Jupyter: no __file__
    exec("where = checkers.model_path('reber.keras')", in_notebook)
    assert in_notebook["where"] == tmp_path / "reber.keras"
    in_script = {"checkers": checkers, "__file__": str(REPO / "exercises" / "reber.py")}
    exec("where = checkers.model_path('reber.keras')", in_script)
    assert in_script["where"] == REPO / "exercises" / "reber.keras"


def _run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=REPO,
                          capture_output=True, text=True, timeout=300)


def test_import_checkers_and_list_load_no_framework() -> None:
    done = _run_python("""
        import sys
        import checkers
        from checkers.cli.main import main
        try:
            main(["list"])
        except SystemExit:
            pass
        heavy = [m for m in ("tensorflow", "torch", "transformers", "keras") if m in sys.modules]
        print("HEAVY", heavy)
    """)
    assert "HEAVY []" in done.stdout, done.stdout + done.stderr


def test_the_self_check_runs_without_the_resource_module() -> None:
    """As on Windows: no ``resource`` module (the sandbox's limits are POSIX only)."""
    done = _run_python("""
        import sys
        sys.modules["resource"] = None  # any import of it now fails
        import checkers
        from tests.helpers import SOLUTIONS
        namespace = {"__file__": str(SOLUTIONS / "reber.py")}
        exec((SOLUTIONS / "reber.py").read_text(), namespace)
        result = checkers.check("reber", namespace, checks=["reber.string_to_ids"],
                                show=False)
        print("SCORE", result.score, result.max_score)
    """)
    assert "SCORE 5.0 5.0" in done.stdout, done.stdout + done.stderr
