"""The ``longsum`` command line.

Results go to stdout, messages and errors to stderr. Every error longsum expects is one line
(``longsum: error: ...``) and exits with its kind's code: 2 bad option or setting, 3 bad
input, 4 model failure, 5 a summary that failed validation.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from longsum.errors import LongsumError
from longsum.settings import Settings

__all__ = ["MaxTokens", "app", "err", "fail", "guarded", "out", "read_transcript_file"]

app = typer.Typer(
    name="longsum",
    help="Structured summaries of long transcripts (podcasts, lectures, meetings).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
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


def fail(exc: LongsumError) -> typer.Exit:
    # The message is plain text: a "[...]" in it (a path, an extra) is not markup.
    err.print(f"[bold red]longsum: error:[/] {escape(str(exc))}", highlight=False, markup=True)
    return typer.Exit(exc.exit_code)


def guarded(action: Callable[[], T]) -> T:
    try:
        return action()
    except LongsumError as exc:
        raise fail(exc) from None


def read_transcript_file(path: str, settings: Settings) -> Any:
    from longsum.tools.parsing import read_transcript

    return read_transcript(
        path,
        format=settings.input_format,
        encoding=settings.text_encoding,
        max_bytes=int(settings.max_input_mb * 1024 * 1024),
    )
