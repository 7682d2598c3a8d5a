"""``longsum summarize``: run the graph on a transcript."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from longsum.cli.app import (
    MaxTokens,
    app,
    err,
    fail,
    guarded,
)
from longsum.errors import InputError
from longsum.settings import load_settings


@app.command()
def summarize(
    file: Annotated[str, typer.Argument(help="A transcript file, or - for stdin.")],
    model: Annotated[
        str | None,
        typer.Option("--model", "-m", help="provider:model for every LLM step [LONGSUM_MODEL]."),
    ] = None,
    map_model: Annotated[
        str | None, typer.Option("--map-model", help="provider:model for the map step only.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the result here, not stdout.")
    ] = None,
    out_format: Annotated[
        str, typer.Option("--format", help="json (the contract) or extended.")
    ] = "json",
    thread_id: Annotated[
        str | None, typer.Option("--thread-id", help="Checkpoint under this id; resume it.")
    ] = None,
    concurrency: Annotated[
        int | None, typer.Option("--concurrency", help="LLM calls in flight [4].")
    ] = None,
    max_tokens: MaxTokens = None,
    input_format: Annotated[
        str | None, typer.Option("--input-format", help="Transcript format (default: detect).")
    ] = None,
) -> None:
    """Summarize a transcript into the contract JSON (the extended result with --format
    extended)."""
    import asyncio

    from longsum.api import run_summary
    from longsum.graphs.services import build_services

    if out_format not in ("json", "extended"):
        raise fail(InputError(f"unknown --format {out_format!r}: use json or extended"))
    settings = guarded(
        lambda: load_settings(
            model=model,
            map_model=map_model,
            concurrency=concurrency,
            max_tokens=max_tokens,
            input_format=input_format,
        )
    )
    started: dict[str, int] = {"chunks": 0}

    def on_event(node: str, event: dict[str, Any]) -> None:
        if node == "split_transcript":
            started["total"] = len(event["update"].get("chunks", []))
        if node.endswith("summarize_chunk"):
            started["chunks"] += 1
            err.print(
                f"map: {started['chunks']}/{started.get('total', '?')} chunks"
                + (" (cached)" if event["cached"] else ""),
                highlight=False,
            )
        else:
            err.print(f"{node}", highlight=False)

    services = guarded(lambda: build_services(settings))
    result = guarded(
        lambda: asyncio.run(
            run_summary(file, services=services, thread_id=thread_id, on_event=on_event)
        )
    )
    if out_format == "extended":
        payload: Any = {
            "summary": result.summary.model_dump(mode="json", by_alias=True),
            **result.extended,
            "wall_s": round(result.wall_s, 2),
        }
    else:
        payload = result.summary.model_dump(mode="json", by_alias=True)
    text = json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
    usage = result.extended["usage"]
    err.print(
        f"done in {result.wall_s:.1f} s: {usage['llm_calls']} LLM calls, "
        f"{usage['prompt_tokens']} prompt + {usage['completion_tokens']} completion tokens "
        f"({usage['prompt_to_transcript']} x transcript), "
        f"{result.extended['validation']['repair_rounds']} repair round(s)",
        highlight=False,
    )
