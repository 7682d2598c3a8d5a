"""The ``longsum`` command line.

Results go to stdout, messages and errors to stderr. Every error longsum expects is one line
(``longsum: error: ...``) and exits with its kind's code: 2 bad option or setting, 3 bad
input, 4 model failure, 5 a summary that failed validation.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from longsum.errors import InputError, LongsumError
from longsum.settings import Settings, load_settings
from longsum.tools.transcript import format_timestamp

__all__ = ["app", "main"]

app = typer.Typer(
    name="longsum",
    help="Structured summaries of long transcripts (podcasts, lectures, meetings).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Piped output has no terminal width to fit; keep table rows whole rather than 80 columns.
out = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, soft_wrap=True)

T = TypeVar("T")

MaxTokens = Annotated[
    int | None,
    typer.Option("--max-tokens", help="Largest chunk in tokens [env LONGSUM_MAX_TOKENS; 3000]."),
]
Overlap = Annotated[
    int | None,
    typer.Option("--overlap", help="Tokens repeated from the previous chunk [150]."),
]
Format = Annotated[
    str | None,
    typer.Option(
        "--format", "-f", help="text|timestamped|speaker|vtt|srt|whisper (default: detect)."
    ),
]
Encoding = Annotated[
    str | None, typer.Option("--encoding", help="Character encoding of the file [utf-8].")
]
MaxInputMb = Annotated[
    float | None, typer.Option("--max-input-mb", help="Largest file accepted, in MB [32].")
]


def _fail(exc: LongsumError) -> typer.Exit:
    err.print(f"[bold red]longsum: error:[/] {exc}", highlight=False, markup=True)
    return typer.Exit(exc.exit_code)


def _guarded(action: Callable[[], T]) -> T:
    try:
        return action()
    except LongsumError as exc:
        raise _fail(exc) from None


def _read(path: str, settings: Settings) -> Any:
    from longsum.tools.parsing import read_transcript

    return read_transcript(
        path,
        format=settings.input_format,
        encoding=settings.text_encoding,
        max_bytes=int(settings.max_input_mb * 1024 * 1024),
    )


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

    This is the first stage of the summarization pipeline; the summarization graph itself
    is not built yet.
    """
    from longsum.tools.chunking import chunk_transcript
    from longsum.tools.tokens import get_tokenizer

    settings = _guarded(
        lambda: load_settings(
            max_tokens=max_tokens,
            overlap_tokens=overlap,
            input_format=input_format,
            text_encoding=encoding,
            max_input_mb=max_input_mb,
        )
    )
    tokenizer = _guarded(lambda: get_tokenizer(settings.encoding, settings.tokenizer_timeout))
    failures: list[LongsumError] = []
    rows = []
    for path in files:
        try:
            transcript = _read(path, settings)
            chunks = chunk_transcript(
                transcript,
                max_tokens=settings.max_tokens,
                overlap_tokens=settings.overlap_tokens,
                tokenizer=tokenizer,
            )
        except LongsumError as exc:
            err.print(f"[bold red]longsum: error:[/] {exc}", highlight=False)
            failures.append(exc)
            continue
        if as_json:
            for c in chunks:
                record = {"source": transcript.source, **c.model_dump(exclude={"spans"})}
                sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        elif len(files) == 1:
            _print_chunk_table(transcript, chunks, settings, tokenizer.name)
        tokens = sum(tokenizer.count_many([u.render() for u in transcript.utterances]))
        rows.append((transcript, chunks, tokens))
    if len(files) > 1 and not as_json:
        _print_file_table(rows, settings, tokenizer.name)
    if failures:
        raise typer.Exit(failures[0].exit_code)


def _print_chunk_table(transcript: Any, chunks: list[Any], settings: Settings, tok: str) -> None:
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
        raise _fail(InputError(f"unknown --format {out_format!r}: use json or extended"))
    settings = _guarded(
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

    services = _guarded(lambda: build_services(settings))
    result = _guarded(
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

    data = _guarded(load)
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


def main() -> None:
    """Entry point of the ``longsum`` script."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("longsum: interrupted")
        raise SystemExit(130) from None
