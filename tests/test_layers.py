"""The package's folders are its layers, and imports flow one way (see tests/layers.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.layers import LAYERS, violations

ROOT = Path(__file__).resolve().parent.parent


def test_imports_flow_one_way_without_cycles() -> None:
    assert violations(ROOT) == []


def test_top_level_holds_the_facade_and_the_layer_folders_only() -> None:
    entries = {p.name for p in (ROOT / "checkers").iterdir() if p.name != "__pycache__"}
    folders = set(LAYERS) - {"facade"}
    assert entries == folders | {"__init__.py", "__main__.py"}


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "checkers", tmp_path / "checkers",
                    ignore=shutil.ignore_patterns("__pycache__", "*.safetensors", "*.yaml"))
    return tmp_path


def _append(path: Path, line: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n" + line + "\n", encoding="utf-8")


def test_a_forbidden_import_is_caught(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _append(root / "checkers/sandbox/protocol.py", "from checkers.batch import gradebook")
    _append(root / "checkers/engine/grading.py",
            "    from checkers.exercises.reber import oracle  # inside a function too")
    _append(root / "checkers/exercises/dates/checks.py",
            "from checkers.exercises.reber.oracle import is_reber")
    found = violations(root)
    assert any("checkers.sandbox.protocol (sandbox) imports checkers.batch.gradebook" in p
               for p in found)
    assert any("checkers.engine.grading (engine) imports checkers.exercises.reber.oracle" in p
               for p in found)
    assert any("another exercise's module checkers.exercises.reber.oracle" in p for p in found)


def test_an_import_cycle_is_caught(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _append(root / "checkers/engine/model.py", "from checkers.engine import grading")
    assert any(p.startswith("import cycle:") and "checkers.engine.model" in p
               for p in violations(root))
