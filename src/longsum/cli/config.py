"""``longsum config``: the effective settings and where each value came from."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from longsum.cli.app import app, guarded, out
from longsum.settings import Settings, load_settings
from longsum.settings_file import config_path, origins


@app.command()
def config(
    as_json: Annotated[
        bool, typer.Option("--json", help="As JSON: {setting: {value, from}}.")
    ] = False,
) -> None:
    """Show the effective settings and where each came from: argument, env (LONGSUM_*), the
    config file ($LONGSUM_CONFIG, else $XDG_CONFIG_HOME/longsum/config.toml), or default."""
    settings = guarded(load_settings)
    where = guarded(lambda: origins(Settings.model_fields, {}))
    values: dict[str, Any] = settings.model_dump(mode="json")
    if as_json:
        payload = {
            "config_file": str(config_path()),
            "settings": {name: {"value": values[name], "from": where[name]} for name in values},
        }
        sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        return
    path = config_path()
    table = Table(
        title=f"config file: {path}{'' if path.is_file() else ' (none)'}", title_justify="left"
    )
    for name in ("setting", "value", "from"):
        table.add_column(name, no_wrap=name != "value")
    for name, value in values.items():
        table.add_row(name, "-" if value is None else str(value), where[name])
    out.print(table)
