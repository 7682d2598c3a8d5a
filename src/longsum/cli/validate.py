"""``longsum validate`` and ``longsum schema``: the contract on its own."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from longsum.cli.app import (
    app,
    err,
    guarded,
)
from longsum.errors import InputError


@app.command()
def validate(
    file: Annotated[Path, typer.Argument(help="A summary JSON file, or - for stdin.")],
    repair: Annotated[
        bool, typer.Option("--repair", help="Apply the deterministic repairs first.")
    ] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the (repaired) summary here.")
    ] = None,
) -> None:
    """Check a summary against the contract, naming every violation; exit 5 if any remain."""
    from longsum.tools.repair import repair_summary
    from longsum.tools.validation import validate_summary

    def load() -> Any:
        try:
            raw = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
            return json.loads(raw)
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{file}: cannot read: {exc}") from None
        except json.JSONDecodeError as exc:
            raise InputError(f"{file}: not JSON: {exc}") from None

    data = guarded(load)
    if repair:
        result = repair_summary(data)
        for change in result.changes:
            err.print(f"repaired: {change}", highlight=False)
        data = result.data
    violations = validate_summary(data)
    if output is not None:
        output.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for v in violations:
        sys.stdout.write(f"{v.path}: {v.message}\n")
    if violations:
        err.print(f"{len(violations)} violation(s)", highlight=False)
        raise typer.Exit(5)
    err.print("valid", highlight=False)


@app.command()
def schema() -> None:
    """Print the JSON schema of the summary contract (for constrained decoding)."""
    from longsum.contract import summary_json_schema

    sys.stdout.write(json.dumps(summary_json_schema(), indent=2) + "\n")
