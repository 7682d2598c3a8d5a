"""``longsum summarize``: run the graph on a transcript, or plan the run (``--dry-run``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from longsum.cli.app import (
    Encoding,
    Format,
    MaxInputMb,
    MaxTokens,
    app,
    default_of,
    err,
    fail,
    guarded,
    read_terminal_stdin,
    stdin_is_terminal,
)
from longsum.cli.chapters import ChapterCount, chapters_text, prepare_chapters
from longsum.errors import ConfigError, InputError
from longsum.settings import Settings, load_settings
from longsum.tools.chapters import KINDS
from longsum.tools.speakers import parse_speaker_names

if TYPE_CHECKING:
    from longsum.api import RunResult

FORMATS = ("json", "markdown", "extended", *KINDS)
EXTRACTIVE_NOTICE = "no model configured: offline extractive engine; pass --model for an LLM"


@app.command()
def summarize(
    file: Annotated[
        str | None,
        typer.Argument(help="A transcript file, or - for stdin (read when piped, too)."),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            "-m",
            help="provider:model for every LLM step [LONGSUM_MODEL]; none: the offline "
            "extractive engine.",
        ),
    ] = None,
    map_model: Annotated[
        str | None, typer.Option("--map-model", help="provider:model for the map step only.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the result here, not stdout.")
    ] = None,
    out_format: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="json (the contract), markdown (to read), extended (json with section "
            "times, sources, notes, usage, chapters), chapters (YouTube), podcast-chapters "
            "(Podcasting 2.0 JSON) or vtt-chapters (WebVTT) [env LONGSUM_OUTPUT_FORMAT; "
            f"{default_of('output_format')}].",
        ),
    ] = None,
    language: Annotated[
        str | None,
        typer.Option(
            "--language",
            help="Language the model writes the summary in [env LONGSUM_LANGUAGE; the "
            "transcript's own].",
        ),
    ] = None,
    concurrency: Annotated[
        int | None,
        typer.Option(
            "--concurrency",
            help=f"LLM calls in flight [env LONGSUM_CONCURRENCY; {default_of('concurrency')}].",
        ),
    ] = None,
    thread_id: Annotated[
        str | None, typer.Option("--thread-id", help="Checkpoint under this id; resume it.")
    ] = None,
    max_tokens: MaxTokens = None,
    input_format: Format = None,
    encoding: Encoding = None,
    max_input_mb: MaxInputMb = None,
    trace_content: Annotated[
        bool,
        typer.Option(
            "--trace-content", help="Keep prompts and answers in full in the run's trace."
        ),
    ] = False,
    speakers: Annotated[
        str | None,
        typer.Option(
            "--speakers",
            help="Names for a diarizer's labels: SPEAKER_00=Naval,SPEAKER_01=Host.",
        ),
    ] = None,
    title: Annotated[
        str | None,
        typer.Option(
            "--title",
            help="The document's title (Markdown heading, extended result). Default: the "
            "source's own (WebVTT header, an opening '# heading' or 'Title:' line, Whisper "
            "JSON 'title'), else the file name cleaned.",
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Chunk the transcript and list the LLM calls a run would make, with "
            "estimated tokens; load and call no model.",
        ),
    ] = False,
    chapters: ChapterCount = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress and no notes: errors only.")
    ] = False,
) -> None:
    """Summarize a transcript into the contract JSON (or Markdown, or the extended result).

    The result goes to stdout (or --output), progress and messages to stderr.
    """
    if file is None:
        if stdin_is_terminal():
            raise fail(
                ConfigError(
                    "missing FILE: name a transcript file, pipe one in, or pass - to type it "
                    "(see longsum summarize --help)"
                )
            )
        file = "-"
    if output is not None and not output.parent.is_dir():
        raise fail(ConfigError(f"cannot write {output}: no folder {output.parent}"))
    settings = guarded(
        lambda: load_settings(
            model=model,
            map_model=map_model,
            language=language,
            output_format=out_format,
            concurrency=concurrency,
            max_tokens=max_tokens,
            input_format=input_format,
            text_encoding=encoding,
            max_input_mb=max_input_mb,
            # None leaves LONGSUM_TRACE_CONTENT in charge when the flag is not given.
            trace_content=True if trace_content else None,
        )
    )
    out_format = settings.output_format
    if out_format not in FORMATS:
        raise fail(ConfigError(f"unknown --format {out_format!r}: use {', '.join(FORMATS)}"))
    if dry_run:
        from longsum.cli.plan import print_plan

        guarded(lambda: print_plan(file, settings, extractive=_offline(settings)))
        return
    count, timed = guarded(lambda: prepare_chapters(file, settings, out_format, chapters))
    names = guarded(lambda: parse_speaker_names(speakers or ""))
    result = _run(file, settings, thread_id, names, title, quiet=quiet)
    text = guarded(lambda: chapters_text(result, out_format, count, timed))
    if text is None:
        from longsum.batch.render import render_result  # shared with longsum batch

        text = render_result(result, out_format)
    if output is None:
        sys.stdout.write(text)
    else:
        guarded(lambda: _write(output, text))
    if quiet:
        return
    err.print(_done_line(result, output), highlight=False)
    if left := _left_line(result):
        err.print(left, highlight=False)


def _offline(settings: Settings) -> bool:
    """Whether a run on ``settings`` uses the offline extractive engine (no model at all)."""
    from longsum.graphs.services import OFFLINE

    if settings.model is not None and settings.model != OFFLINE:
        return False
    if settings.map_model is not None and settings.map_model != OFFLINE:
        raise ConfigError("--map-model needs --model too (the offline engine has no map model)")
    return True


def _run(
    file: str,
    settings: Settings,
    thread_id: str | None,
    speakers: dict[str, str],
    title: str | None = None,
    *,
    quiet: bool = False,
) -> RunResult:
    import asyncio

    from longsum.api import run_summary
    from longsum.cli.progress import RunProgress
    from longsum.graphs.services import build_services

    if file == "-":
        read_terminal_stdin(settings)  # before any model loads: the prompt shows at once
    services = guarded(lambda: build_services(settings))
    extractive = services.engine == "extractive"
    progress = RunProgress(err, live=False if quiet else None)

    def on_event(node: str, event: dict[str, Any]) -> None:
        if quiet:
            return
        # Said once the transcript has been read, so a bad input stays a one-line error.
        if extractive and progress.node is None:
            err.print(f"longsum: {EXTRACTIVE_NOTICE}", highlight=False)
        progress.update(node, event)

    # A Path, so that a mistyped file name is an error rather than a transcript to summarize.
    source: str | Path = file if file == "-" else Path(file)
    with progress:
        return guarded(
            lambda: asyncio.run(
                run_summary(
                    source,
                    services=services,
                    thread_id=thread_id,
                    on_event=on_event,
                    speakers=speakers,
                    title=title,
                )
            )
        )


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None


def _left_line(result: RunResult) -> str:
    """What the run degraded (chunks summarized without the model), what the repair rounds
    left unfixed (a reader's violations: the contract holds) and which pieces were composed
    instead, or "" when none."""
    validation = result.extended["validation"]
    composed = validation.get("composed", [])
    said = (
        f"note: the {' and '.join(composed)} composed from the sections, the model's repair "
        "being still unfit\n"
        if composed
        else ""
    )
    degraded = result.extended.get("degraded", [])
    if degraded:
        chunks = len(result.extended["chunks"])
        ids = ", ".join(d["chunk"] for d in degraded[:5]) + (", ..." if len(degraded) > 5 else "")
        said += (
            f"note: {len(degraded)} of {chunks} chunks ({ids}) "
            f"{'was' if len(degraded) == 1 else 'were'} summarized without the "
            f"model, its calls having failed (first: {degraded[0]['error']}); listed under "
            "degraded in --format extended\n"
        )
    left = validation.get("unresolved", [])
    if not left:
        return said.rstrip()
    first = left[0]
    return said + (
        f"note: {len(left)} reader problem(s) left after the repair rounds, first "
        f"{first['path']}: {first['message']} (all listed under validation.unresolved in "
        "--format extended)"
    )


def _done_line(result: RunResult, output: Path | None) -> str:
    usage = result.extended["usage"]
    repairs = result.extended["validation"]["repair_rounds"]
    where = f", written to {output}" if output is not None else ""
    if result.extended.get("engine") == "extractive":
        return (
            f"done in {result.wall_s:.1f} s with the offline extractive engine (no LLM calls; "
            f"pass --model for an LLM), {repairs} repair round(s){where}"
        )
    sent = usage.get("requests", usage["llm_calls"])
    retried = f" ({sent} requests, retries included)" if sent != usage["llm_calls"] else ""
    return (
        f"done in {result.wall_s:.1f} s: {usage['llm_calls']} LLM calls{retried}, "
        f"{usage['prompt_tokens']} prompt + {usage['completion_tokens']} completion tokens "
        f"({usage['prompt_to_transcript']} x transcript{_uncached(usage)}), "
        f"{repairs} repair round(s){where}"
    )


def _uncached(usage: dict[str, Any]) -> str:
    """How much of the prompt the provider read from its prefix cache, when it said."""
    cached = usage.get("cached_prompt_tokens") or 0
    if not cached:
        return ""
    ratio = usage["uncached_prompt_to_transcript"]
    return f"; {cached} read from the provider's cache, {ratio} x uncached"
