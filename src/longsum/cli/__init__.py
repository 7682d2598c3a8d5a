"""The ``longsum`` command line.

Results go to stdout, messages and errors to stderr. Every error is one line
(``longsum: error: ...``), never a traceback, and exits with its kind's code: 2 bad option or
setting, 3 bad input, 4 model failure, 5 a summary that failed validation, 1 an error longsum
did not expect, 130 Ctrl-C (see :mod:`longsum.cli.app`). Each command lives in its own
module; importing them registers them on :data:`app`. Other installed packages add commands
through the ``longsum.commands`` entry point group (``longsum eval`` comes from
``longsum_eval`` that way): longsum itself names none of them.
"""

from importlib.metadata import entry_points

from longsum.cli import (  # noqa: F401  (registers the commands)
    batch,
    chunk,
    config,
    graph,
    inspect,
    report,
    summarize,
    validate,
)
from longsum.cli.app import app, interrupted

__all__ = ["app", "main"]

COMMANDS_GROUP = "longsum.commands"
"""The entry point group whose functions each add commands to :data:`app`."""

for _plugin in entry_points(group=COMMANDS_GROUP):
    try:
        _plugin.load()(app)
    except ImportError:  # a broken plugin must not take longsum's own commands down
        continue


def main() -> None:
    """Entry point of the ``longsum`` script."""
    try:
        app()
    except KeyboardInterrupt:  # one that came before or after any command ran
        raise SystemExit(interrupted().exit_code) from None
