"""``python -m checkers`` runs the ``seqgrade`` command line."""

import sys

from checkers.cli import main

sys.exit(main())
