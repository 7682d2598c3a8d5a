"""``longsum report``: a recorded run as one self-contained HTML page, to open offline.

The page (see :mod:`longsum.memory.report`) shows the graph's timeline, usage by node,
every section's bullets with the chunk passages they came from, retrieval hits, validation
and repairs, and degraded chunks; it loads nothing from the network.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from longsum.cli.app import app, err, guarded
from longsum.errors import InputError
from longsum.settings import load_settings


@app.command()
def report(
    run: Annotated[str, typer.Argument(help="A run id, a unique prefix of one, or 'last'.")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The HTML file to write (default run.html).")
    ] = Path("run.html"),
) -> None:
    """Write a run's report as one self-contained HTML file: timeline, usage, sections
    with their sources, retrieval, validation, repairs."""
    from longsum.memory.report import render_report
    from longsum.memory.runs import find_run

    runs_dir = guarded(load_settings).runs_dir()
    folder = guarded(lambda: find_run(runs_dir, run))
    page = guarded(lambda: render_report(folder))

    def write() -> None:
        try:
            output.write_text(page, encoding="utf-8")
        except OSError as exc:  # a missing folder or no permission: the user's to fix
            raise InputError(f"cannot write the report to {output}: {exc.strerror}") from None

    guarded(write)
    err.print(f"report of run {folder.name} written to {output}", highlight=False)
