"""``python -m seqgrade ...`` runs the ``seqgrade`` command line."""

import sys

from checkers.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
