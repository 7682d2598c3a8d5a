"""The ``longsum`` command line.

Results go to stdout, messages and errors to stderr. Every error is one line
(``longsum: error: ...``), never a traceback, and exits with its kind's code: 2 bad option or
setting, 3 bad input, 4 model failure, 5 a summary that failed validation, 1 anything
longsum did not expect (``LONGSUM_DEBUG=1`` shows its traceback), 130 an interrupt.
"""

from __future__ import annotations

import errno
import io
import os
import sys
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.text import Text

# typer ships its own copy of Click: its usage errors are that copy's, not ``click``'s.
from typer._click.exceptions import UsageError
from typer.core import TyperGroup
from typer.exceptions import TyperException

from longsum.errors import ConfigError, LongsumError
from longsum.masking import one_line
from longsum.settings import Settings

__all__ = [
    "DEBUG_ENV",
    "STDIN_PROMPT",
    "MaxTokens",
    "app",
    "err",
    "fail",
    "guarded",
    "internal_error",
    "interrupted",
    "out",
    "read_terminal_stdin",
    "read_transcript_file",
    "stdin_is_terminal",
    "usage_error",
]

DEBUG_ENV = "LONGSUM_DEBUG"
"""Set to 1 to let an unexpected exception end in its traceback, for a bug report."""
STDIN_PROMPT = (
    "longsum: reading a transcript from the terminal; end with Ctrl-D (Ctrl-Z Enter on "
    "Windows), Ctrl-C to cancel"
)
_SHOWN_CHARS = 300
"""An unexpected error's message is cut here: a pydantic or provider dump can run to pages."""

T = TypeVar("T")


class _GuardedGroup(TyperGroup):
    """The command group: whatever escapes a command ends as one line and an exit code."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except UsageError as exc:
            raise usage_error(exc) from None

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except UsageError as exc:  # a bad option or argument of a command
            raise usage_error(exc) from None
        except (typer.Exit, typer.Abort, TyperException):
            raise  # typer's own exits and usage errors, already one line
        except LongsumError as exc:
            raise fail(exc) from None
        except KeyboardInterrupt:
            raise interrupted() from None
        except Exception as exc:
            if isinstance(exc, OSError) and exc.errno == errno.EPIPE:
                raise  # a closed pipe (``| head``): typer exits quietly on it
            if os.environ.get(DEBUG_ENV, "") not in ("", "0"):
                raise
            raise internal_error(exc) from None


app = typer.Typer(
    name="longsum",
    cls=_GuardedGroup,
    help="Structured summaries of long transcripts (podcasts, lectures, meetings).",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
# No markup on either console: what is printed holds paths, transcript text and providers'
# errors, where "[/Music]" or "[bold]" is text (and a stray closing tag would crash Rich).
# Piped output has no terminal width to fit; keep table rows whole rather than 80 columns.
out = Console(width=None if sys.stdout.isatty() else 160, markup=False)
err = Console(stderr=True, soft_wrap=True, markup=False)

_DEFAULTS = Settings.model_fields


def default_of(field: str) -> Any:
    """The default of the :class:`Settings` field ``field``, for an option's help text."""
    value = _DEFAULTS[field].default
    return int(value) if isinstance(value, float) and value.is_integer() else value


MaxTokens = Annotated[
    int | None,
    typer.Option(
        "--max-tokens",
        help=f"Largest chunk in tokens [env LONGSUM_MAX_TOKENS; {default_of('max_tokens')}].",
    ),
]
Overlap = Annotated[
    int | None,
    typer.Option(
        "--overlap",
        help="Tokens repeated from the previous chunk "
        f"[env LONGSUM_OVERLAP_TOKENS; {default_of('overlap_tokens')}].",
    ),
]
Format = Annotated[
    str | None,
    typer.Option(
        "--input-format",
        help="Transcript format: text|timestamped|speaker|vtt|srt|whisper "
        "[env LONGSUM_INPUT_FORMAT; detect].",
    ),
]
Encoding = Annotated[
    str | None,
    typer.Option(
        "--encoding",
        help="Text encoding of the transcript file "
        f"[env LONGSUM_TEXT_ENCODING; {default_of('text_encoding')}].",
    ),
]
MaxInputMb = Annotated[
    float | None,
    typer.Option(
        "--max-input-mb",
        help="Largest file accepted, in MB "
        f"[env LONGSUM_MAX_INPUT_MB; {default_of('max_input_mb')}].",
    ),
]


def _error_line(message: str) -> Text:
    # Text, not markup: the message is printed as it is, brackets and all.
    # Masked: a provider's error may echo a key that has no tell-tale shape.
    return Text.assemble(("longsum: error:", "bold red"), " ", one_line(message, 100_000))


def usage_error(exc: UsageError) -> typer.Exit:
    """Print Click's usage error as the one-line error with a hint; return exit code 2."""
    where = exc.ctx.command_path if exc.ctx is not None else "longsum"
    message = exc.format_message().rstrip(".")
    err.print(_error_line(f"{message} (see {where} --help)"), highlight=False)
    return typer.Exit(ConfigError.exit_code)


def _show_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        out.print(f"longsum {version('longsum')}", highlight=False)
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Structured summaries of long transcripts (podcasts, lectures, meetings)."""


def fail(exc: LongsumError) -> typer.Exit:
    """Print ``exc`` as the one-line error and return the exit to raise (its kind's code)."""
    err.print(_error_line(str(exc)), highlight=False)
    return typer.Exit(exc.exit_code)


def internal_error(exc: BaseException) -> typer.Exit:
    """Print an exception longsum did not expect as one line; return exit code 1."""
    message = " ".join(str(exc).split())
    if len(message) > _SHOWN_CHARS:
        message = message[: _SHOWN_CHARS - 1] + "…"
    err.print(
        _error_line(
            f"internal error: {type(exc).__name__}: {message or '(no message)'} "
            f"(run with {DEBUG_ENV}=1 for the traceback)"
        ),
        highlight=False,
    )
    return typer.Exit(LongsumError.exit_code)


def interrupted() -> typer.Exit:
    """Say that Ctrl-C stopped longsum; return exit code 130 (128 + SIGINT), as shells do."""
    err.print("longsum: interrupted", highlight=False)
    return typer.Exit(130)


def guarded(action: Callable[[], T]) -> T:
    """Run ``action``; a :class:`LongsumError` becomes the one-line error and its exit."""
    try:
        return action()
    except LongsumError as exc:
        raise fail(exc) from None


def stdin_is_terminal() -> bool:
    """Whether standard input is a terminal (someone would have to type the text)."""
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stdin
        return False


def read_terminal_stdin(settings: Settings) -> None:
    """When standard input is a terminal, say on stderr what longsum waits for, and read it.

    It is read here, in the main thread, where Ctrl-C interrupts the read (a worker thread
    blocked on a terminal keeps the process alive), and kept in memory as ``sys.stdin``
    for the reader of ``-`` to take. A pipe or a file is left alone: nobody is typing.
    """
    if not stdin_is_terminal():
        return
    err.print(STDIN_PROMPT, highlight=False)
    limit = int(settings.max_input_mb * 1024 * 1024)
    data = sys.stdin.buffer.read(limit + 1)  # one byte over: the reader reports the limit
    sys.stdin = io.TextIOWrapper(io.BytesIO(data))


def read_transcript_file(path: str, settings: Settings) -> Any:
    """Read and parse the transcript at ``path`` (``-``: standard input) with ``settings``'
    format, encoding and size limit."""
    from longsum.tools.parsing import read_transcript

    if path == "-":
        read_terminal_stdin(settings)
    return read_transcript(
        path,
        format=settings.input_format,
        encoding=settings.text_encoding,
        max_bytes=int(settings.max_input_mb * 1024 * 1024),
    )
