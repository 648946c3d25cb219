"""The ``seqgrade`` command line (:mod:`checkers.cli.main` lists every command)."""

from checkers.cli.main import main

__all__ = ["main"]
