"""``longsum summarize --dry-run``: the chunks and the LLM calls a run would make.

The transcript is chunked by the function ``split_transcript`` chunks it with; the calls are
estimated by :mod:`longsum.graphs.estimate`. No model and no embedder is loaded.
"""

from __future__ import annotations

from rich.table import Table

from longsum.cli.app import out, read_transcript_file
from longsum.cli.chunk import print_chunk_table
from longsum.graphs.estimate import FILL, estimate_calls, max_repair_calls, per_node
from longsum.graphs.nodes.split_transcript import split_chunks, too_short
from longsum.settings import Settings
from longsum.tools.tokens import get_tokenizer

__all__ = ["print_plan"]


def print_plan(path: str, settings: Settings, *, extractive: bool) -> None:
    """Print the chunk table of ``path`` and the planned LLM calls per node with their
    estimated tokens (none with the offline ``extractive`` engine) on stdout.

    Raises :class:`~longsum.errors.InputError`, after the table, when the transcript is too
    short for the graph, as the run itself would.
    """
    tokenizer = get_tokenizer(settings.encoding, settings.tokenizer_timeout)
    transcript = read_transcript_file(path, settings)
    chunks, total, bound, overlap = split_chunks(transcript, settings, tokenizer)
    # The table's title names the bounds; show the ones the graph uses for this length.
    shown = settings.model_copy(update={"max_tokens": bound, "overlap_tokens": overlap})
    print_chunk_table(transcript, chunks, shown, tokenizer.name)
    if error := too_short(transcript, chunks, total):
        raise error
    if extractive:
        out.print(
            "0 LLM calls: no model configured, so the offline extractive engine would write "
            "the summary (pass --model for an LLM).",
            highlight=False,
        )
        return

    planned = estimate_calls(chunks, settings, tokenizer)
    map_model = settings.map_model or settings.model
    table = Table(
        title=f"planned LLM calls (map: {map_model}, reduce: {settings.model}); "
        f"transcript {total} tokens",
        title_justify="left",
    )
    table.add_column("node", no_wrap=True)
    for name in ("calls", "prompt tokens", "of them cached", "completion tokens"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("prompt tokens are", no_wrap=True)
    for node, (calls, prompt, completion, cached) in per_node(planned).items():
        exact = all(c.exact_prompt for c in planned if c.node == node)
        table.add_row(
            node,
            str(calls),
            str(prompt),
            str(cached),
            str(completion),
            "counted" if exact else "estimated",
        )
    repairs = f"0 (at most {max_repair_calls(settings)})"
    table.add_row("repair_summary", repairs, "0", "0", "0", "expected none")
    prompt = sum(c.prompt_tokens for c in planned)
    cached = sum(c.cached_tokens for c in planned)
    completion = sum(c.completion_tokens for c in planned)
    table.add_section()
    table.add_row("total", str(len(planned)), str(prompt), str(cached), str(completion), "")
    out.print(table)
    out.print(
        f"Map prompts are counted on the prompts the run will send; after the map, answers "
        f"are assumed to fill {FILL:.0%} of their output caps. Prompt tokens "
        f"{prompt / total:.2f} x the transcript, {(prompt - cached) / total:.2f} x uncached "
        "(a prompt's start shared with the call before it, where the provider caches a prefix "
        "that long). Cached chunk notes would make fewer map calls.",
        highlight=False,
    )
