"""``longsum batch``: summarize many transcripts into one folder (see :mod:`longsum.batch`).

Exit 0 when every transcript is ok or skipped; 1 when some failed, with one line saying how
many and where their errors are (the manifest): the others' results are written all the
same. A bad option or a missing input exits as any command does (2, 3), before anything runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from longsum.cli.app import (
    Encoding,
    Format,
    MaxInputMb,
    MaxTokens,
    app,
    default_of,
    err,
    guarded,
)
from longsum.settings import load_settings

__all__ = ["batch"]


@app.command()
def batch(
    inputs: Annotated[
        list[str],
        typer.Argument(
            help="Transcript files, folders (searched recursively for .txt .vtt .srt and "
            "Whisper .json) or @FILE: a list of paths, one per line.",
            show_default=False,
            metavar="INPUT",
        ),
    ],
    out_dir: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            metavar="OUT_DIR",
            help="Folder for the results and batch.jsonl (made if missing).",
            show_default=False,
        ),
    ],
    out_format: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="json, markdown, extended, chapters, podcast-chapters or vtt-chapters: "
            "one result file per transcript (stem + .json, .md, .extended.json, "
            ".chapters.txt, .chapters.json, .chapters.vtt) [env LONGSUM_OUTPUT_FORMAT; "
            f"{default_of('output_format')}].",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            help="Worker processes, or Ray actors with --ray [one per CPU, at most one per "
            "transcript; 1 for a llamacpp model; an API model: this process, many "
            "transcripts at once].",
        ),
    ] = None,
    ray: Annotated[
        bool,
        typer.Option("--ray", help="Run on a local Ray instance (needs the [ray] extra)."),
    ] = False,
    ray_address: Annotated[
        str | None,
        typer.Option(
            "--ray-address",
            metavar="ADDRESS",
            help="Run on an existing Ray cluster (the head node's host:port, or "
            "auto); every node needs longsum installed.",
            show_default=False,
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model", "-m", help="provider:model [LONGSUM_MODEL]; none: the offline engine."
        ),
    ] = None,
    map_model: Annotated[
        str | None, typer.Option("--map-model", help="provider:model for the map step only.")
    ] = None,
    language: Annotated[
        str | None, typer.Option("--language", help="Language the summaries are written in.")
    ] = None,
    concurrency: Annotated[
        int | None,
        typer.Option(
            "--concurrency",
            help="LLM calls in flight for the whole batch, across every worker and node "
            f"[env LONGSUM_CONCURRENCY; {default_of('concurrency')}].",
        ),
    ] = None,
    max_tokens: MaxTokens = None,
    input_format: Format = None,
    encoding: Encoding = None,
    max_input_mb: MaxInputMb = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress: the summary line and errors.")
    ] = False,
) -> None:
    """Summarize many transcripts into OUT_DIR, one result file each, resumably.

    OUT_DIR/batch.jsonl has a line per transcript (status, time, calls, tokens, error). A
    rerun skips the transcripts already done with the same text, format and settings, and
    retries the failed ones. Progress goes to stderr.
    """
    from longsum.batch.run import batch as run_batch
    from longsum.cli.batch_progress import BatchProgress

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
        )
    )
    progress = BatchProgress(err, live=False if quiet else None)
    with progress:
        lines = guarded(
            lambda: run_batch(
                inputs,
                out_dir,
                format=settings.output_format,
                workers=workers,
                ray=ray,
                ray_address=ray_address,
                settings=settings,
                on_record=None if quiet else progress.update,
            )
        )
    failed = sum(line["status"] == "failed" for line in lines)
    manifest = out_dir / "batch.jsonl"
    if failed:
        err.print(f"longsum: {failed} of {len(lines)} failed; see {manifest}", highlight=False)
        raise typer.Exit(1)
    if not quiet:
        skipped = sum(line["status"] == "skipped" for line in lines)
        again = f" ({skipped} by an earlier run)" if skipped else ""
        err.print(
            f"longsum: {len(lines)} transcripts summarized{again} into {out_dir}",
            highlight=False,
        )
