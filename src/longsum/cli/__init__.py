"""The ``longsum`` command line.

Results go to stdout, messages and errors to stderr. Every error longsum expects is one line
(``longsum: error: ...``) and exits with its kind's code: 2 bad option or setting, 3 bad
input, 4 model failure, 5 a summary that failed validation. Each command lives in its own
module; importing them registers them on :data:`app`.
"""

from longsum.cli import (  # noqa: F401  (registers the commands)
    chunk,
    eval_extra,
    graph,
    inspect,
    summarize,
    validate,
)
from longsum.cli.app import app, err

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``longsum`` script."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("longsum: interrupted")
        raise SystemExit(130) from None
