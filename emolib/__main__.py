"""``python -m emolib`` runs the command-line interface."""

import sys

from emolib.cli import main

sys.exit(main())
