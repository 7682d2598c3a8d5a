"""``longsum eval``: the door to the evaluation tooling, which ships as the ``eval`` extra.

The eval itself is the package :mod:`longsum_eval` beside this one, with what only it needs
(matplotlib, rouge-score). This command is always listed; run, it checks that the extra is
installed and hands all its arguments (``--help`` too) to ``longsum_eval``'s command.
Without the extra it is one error line, exit code 2, and ``longsum`` never imports it.
"""

from __future__ import annotations

from collections.abc import Callable

import typer

from longsum.cli.app import app, fail
from longsum.errors import ConfigError

__all__ = ["EXTRA_HINT", "eval_command"]

EXTRA_HINT = 'longsum eval needs the eval extra: pip install -e ".[eval]"'


@app.command(
    "eval",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    add_help_option=False,
)
def eval_command(ctx: typer.Context) -> None:
    """Score longsum and its baselines against human references (the eval extra).

    `longsum eval --help` lists its options.
    """
    run = _eval_main()
    code = run(list(ctx.args), ctx.command_path)
    if code:
        raise typer.Exit(code)


def _eval_main() -> Callable[[list[str], str], int]:
    """``longsum_eval``'s command line, or the one-line error when the extra is missing."""
    try:
        from longsum_eval.cli import main, require_extra

        require_extra()
    except ImportError as exc:
        if (exc.name or "").split(".")[0] == "longsum":
            raise  # longsum itself is broken: not a missing extra, show it
        raise fail(ConfigError(EXTRA_HINT)) from None
    return main
