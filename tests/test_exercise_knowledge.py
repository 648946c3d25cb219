"""What the engine, batch and CLI layers know of an exercise comes from its declaration.

No exercise is named in ``checkers/engine``, ``checkers/batch`` or ``checkers/cli`` (code,
docstrings, comments, examples): what those layers need (extras, leaderboard, review
metrics, options, plots, data to fetch, a once-per-submission ``prepare``) is declared on
the :class:`Exercise` and read from there.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from checkers.engine.errors import ConfigError
from checkers.engine.options import GradingOptions, Option
from checkers.engine.registry import available_exercises, exercise_names

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("engine", "batch", "cli")


def _mentions(names: tuple[str, ...]) -> list[str]:
    pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, names)) + r")(?![\w-])")
    found = []
    for layer in LAYERS:
        for path in sorted((ROOT / "checkers" / layer).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if pattern.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return found


def test_no_exercise_is_named_outside_its_folder() -> None:
    names = tuple(e.name for e in available_exercises())
    assert names == exercise_names()
    assert not _mentions(names), "\n".join(_mentions(names))


def test_the_search_finds_a_name() -> None:
    """The positive control: the same search sees a name written in those layers."""
    assert _mentions(("grading_options",))  # a word of checkers/cli/common.py


@pytest.mark.parametrize("exercise", available_exercises(), ids=lambda e: e.name)
def test_declarations_are_consistent(exercise) -> None:
    ids = {c.id for c in exercise.checks}
    assert {column.check_id for column in exercise.leaderboard} <= ids
    assert {name for name, _ in exercise.fetch_data} <= set(exercise.data_files)
    for _, target in exercise.fetch_data:
        module, function = target.split(":")
        assert callable(getattr(__import__(module, fromlist=[function]), function))
    assert len({o.name for o in exercise.options}) == len(exercise.options)
    assert exercise.extras is None or all(isinstance(e, str) for e in exercise.extras)


def test_options_keep_the_old_dict_form() -> None:
    options = GradingOptions.of({"data_dir": "/d", "timeout_scale": 2, "size": 5})
    assert options.data_dir == "/d" and options.timeout_scale == 2.0
    assert options.exercise == {"size": 5}
    assert GradingOptions.of(options.to_dict()) == options
    declared = (Option("size", int, 10),)
    assert options.for_exercise(declared, "x").exercise == {"size": 5}
    with pytest.raises(ConfigError, match="no option size"):
        options.for_exercise((), "x")
    with pytest.raises(ConfigError, match="must be int"):
        GradingOptions.of({"size": "five"}).for_exercise(declared, "x")


def test_the_course_file_sets_an_exercises_own_options(tmp_path: Path) -> None:
    from checkers.engine.config import validate_course

    exercise, option = next((e, o) for e in available_exercises() for o in e.options
                            if o.type is int)
    course = tmp_path / "course.toml"
    course.write_text(f"[{exercise.name}.options]\n{option.name} = 3\n")
    assert validate_course(course)[exercise.name].options == {option.name: 3}
    course.write_text(f"[{exercise.name}.options]\nno_such_option = 3\n")
    with pytest.raises(ConfigError, match="no option no_such_option"):
        validate_course(course)
    course.write_text(f'[{exercise.name}.options]\n{option.name} = "three"\n')
    with pytest.raises(ConfigError, match=f"option {option.name} must be"):
        validate_course(course)


def test_every_check_function_follows_the_naming_convention() -> None:
    """``check_<what>`` for every built-in check (docs/WRITING_AN_EXERCISE.md)."""
    for exercise in available_exercises():
        if not exercise.stub_path.is_relative_to(ROOT):  # a course's own exercise
            continue
        for check in exercise.checks:
            assert check.run.__name__.startswith("check_"), (check.id, check.run.__name__)

