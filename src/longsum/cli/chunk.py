"""``longsum chunk``: parse and chunk transcripts."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from longsum.cli.app import (
    Encoding,
    Format,
    MaxInputMb,
    MaxTokens,
    Overlap,
    app,
    fail,
    guarded,
    out,
    read_transcript_file,
)
from longsum.errors import LongsumError
from longsum.settings import Settings, load_settings
from longsum.tools.transcript import format_timestamp


@app.command()
def chunk(
    files: Annotated[list[str], typer.Argument(help="Transcript files, or - for stdin.")],
    max_tokens: MaxTokens = None,
    overlap: Overlap = None,
    input_format: Format = None,
    encoding: Encoding = None,
    max_input_mb: MaxInputMb = None,
    as_json: Annotated[bool, typer.Option("--json", help="Chunks as JSON lines.")] = False,
) -> None:
    """Parse and chunk transcripts: a chunk table for one file, a row per file for several.

    The graph's first step (split_transcript) chunks the same way, bounds permitting; no
    model and no embedder is loaded.
    """
    from longsum.tools.chunking import chunk_transcript
    from longsum.tools.tokens import get_tokenizer

    settings = guarded(
        lambda: load_settings(
            max_tokens=max_tokens,
            overlap_tokens=overlap,
            input_format=input_format,
            text_encoding=encoding,
            max_input_mb=max_input_mb,
        )
    )
    tokenizer = guarded(lambda: get_tokenizer(settings.encoding, settings.tokenizer_timeout))
    failures: list[LongsumError] = []
    rows = []
    for path in files:
        try:
            transcript = read_transcript_file(path, settings)
            chunks = chunk_transcript(
                transcript,
                max_tokens=settings.max_tokens,
                overlap_tokens=settings.overlap_tokens,
                tokenizer=tokenizer,
            )
        except LongsumError as exc:
            fail(exc)  # says it now; the exit waits for the other files
            failures.append(exc)
            continue
        if as_json:
            for c in chunks:
                record = {"source": transcript.source, **c.model_dump(exclude={"spans"})}
                sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        elif len(files) == 1:
            print_chunk_table(transcript, chunks, settings, tokenizer.name)
        tokens = sum(tokenizer.count_many([u.render() for u in transcript.utterances]))
        rows.append((transcript, chunks, tokens))
    if len(files) > 1 and not as_json and rows:
        _print_file_table(rows, settings, tokenizer.name)
    if failures:
        raise typer.Exit(failures[0].exit_code)


def print_chunk_table(transcript: Any, chunks: list[Any], settings: Settings, tok: str) -> None:
    """A table of ``chunks`` on stdout, titled with the bounds in ``settings``."""
    timed = transcript.has_times
    table = Table(
        title=f"{Path(transcript.source).name}: {transcript.format}, "
        f"{len(transcript.utterances)} utterances, {len(chunks)} chunks of at most "
        f"{settings.max_tokens} tokens ({tok}), overlap {settings.overlap_tokens}",
        title_justify="left",
    )
    table.add_column("chunk", no_wrap=True)
    if timed:
        table.add_column("start", no_wrap=True)
        table.add_column("end", no_wrap=True)
    table.add_column("tokens", justify="right", no_wrap=True)
    table.add_column("utterances", justify="right", no_wrap=True)
    table.add_column("speakers", max_width=28, overflow="ellipsis", no_wrap=True)
    table.add_column("opens with", max_width=60, overflow="ellipsis", no_wrap=True)
    for c in chunks:
        first, last = c.utterance_range
        cells = [c.id]
        if timed:
            cells += [format_timestamp(c.start), format_timestamp(c.end)]
        cells += [
            str(c.token_count),
            f"{first}-{last}",
            ", ".join(c.speakers) or "-",
            c.own_text[:60].replace("\n", " "),
        ]
        table.add_row(*cells)
    out.print(table)


def _print_file_table(rows: list[tuple[Any, list[Any], int]], settings: Settings, tok: str) -> None:
    table = Table(
        title=f"max {settings.max_tokens} {tok} tokens, overlap {settings.overlap_tokens}",
        title_justify="left",
    )
    for name in (
        "file",
        "format",
        "duration",
        "utterances",
        "speakers",
        "tokens",
        "chunks",
        "largest",
    ):
        table.add_column(
            name, justify="left" if name in ("file", "format") else "right", no_wrap=True
        )
    for transcript, chunks, tokens in rows:
        duration = transcript.duration
        table.add_row(
            Path(transcript.source).name,
            str(transcript.format),
            format_timestamp(duration) if duration is not None else "-",
            str(len(transcript.utterances)),
            str(len(transcript.speakers)),
            str(tokens),
            str(len(chunks)),
            str(max(c.token_count for c in chunks)),
        )
    out.print(table)
