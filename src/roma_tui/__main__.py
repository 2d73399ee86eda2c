"""`python -m roma_tui` runs the same entry point as `roma-tui`."""

import sys

from .cli import main

sys.exit(main())
