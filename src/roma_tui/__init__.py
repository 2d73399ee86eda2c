"""roma-tui: a keyboard-driven terminal console for ROMA executions."""

import logging

__version__ = "0.1.0"

# A library's loggers stay silent until the app configures them (logsetup): never Python's
# last-resort handler, which would write over the console's screen.
logging.getLogger(__name__).addHandler(logging.NullHandler())
