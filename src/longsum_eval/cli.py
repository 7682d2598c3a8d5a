"""``longsum eval``: score longsum and its baselines against human references.

The command is :data:`app`, a one-command typer app of its own. :func:`register`, the
``longsum.commands`` entry point, adds ``longsum eval`` to longsum's command line: always
listed; run, it checks that the eval extra is installed (:func:`require_extra`) and hands
its arguments, ``--help`` too, to :func:`main`. Without the extra it is one error line,
exit code 2. Messages and errors go through longsum's CLI (one ``longsum: error: ...``
line, exit code by kind).
"""

from __future__ import annotations

import asyncio
import importlib
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from longsum.cli.app import err, fail, guarded, out
from longsum.errors import ConfigError
from longsum.settings import Settings, load_settings
from longsum_eval.settings import EvalSettings, load_eval_settings

__all__ = [
    "EXTRA_HINT",
    "EXTRA_MODULES",
    "app",
    "eval_command",
    "main",
    "register",
    "require_extra",
]

EXTRA_MODULES = ("matplotlib", "rouge_score")
"""What the ``eval`` extra installs that longsum itself does not need."""

EXTRA_HINT = 'longsum eval needs the eval extra: pip install -e ".[eval]"'

app = typer.Typer(
    name="eval",
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

_SHOWN = (
    ("valid_first", "valid 1st", "{:.0%}"),
    ("valid_final", "valid", "{:.0%}"),
    ("repair_rounds", "repairs", "{:.1f}"),
    ("boundary_mean", "bound. mean", "{:.3f}"),
    ("boundary_worst", "bound. worst", "{:.3f}"),
    ("boundary_located_mean", "located", "{:.3f}"),
    ("boundary_equal_mean", "equal 5ths", "{:.3f}"),
    ("coverage", "coverage", "{:.0%}"),
    ("rouge1", "R-1", "{:.3f}"),
    ("rouge2", "R-2", "{:.3f}"),
    ("rougeL", "R-L", "{:.3f}"),
    ("invented_times", "inv. times", "{:.0f}"),
    ("llm_calls", "calls", "{:.0f}"),
    ("prompt_tokens", "prompt tok", "{:,.0f}"),
    ("completion_tokens", "compl. tok", "{:,.0f}"),
    ("prompt_ratio", "prompt/transcr.", "{:.2f}"),
    ("uncached_ratio", "uncached/transcr.", "{:.2f}"),
    ("wall_s", "wall s", "{:.1f}"),
)
_READABLE = (  # beside coverage and ROUGE, so content and form are read together
    ("coverage", "coverage", "{:.0%}"),
    ("rougeL", "R-L", "{:.3f}"),
    ("defects", "defects", "{:.0%}"),
    ("defect_question", "questions", "{:.0%}"),
    ("defect_fragment", "fragments", "{:.0%}"),
    ("defect_filler", "filler", "{:.0%}"),
    ("defect_scaffold", "scaffold", "{:.0%}"),
    ("defect_markup", "mark-up", "{:.0%}"),
    ("defect_duplicate", "dupl.", "{:.0%}"),
    ("speaker_attribution", "speaker quoted", "{:.0%}"),
)
_TABLES = (("quality", _SHOWN[:12]), ("readability", _READABLE), ("cost", _SHOWN[12:]))
"""The printed tables: title and (measure, column, format); every measure is in eval.json."""


@app.command()
def eval_command(
    dataset: Annotated[
        Path, typer.Argument(help="Folder of NAME.txt transcripts and NAME.ref.json references.")
    ],
    model: Annotated[
        str | None,
        typer.Option(
            "--model", help="provider:model for longsum and the baselines [LONGSUM_MODEL]."
        ),
    ] = None,
    baselines: Annotated[
        str,
        typer.Option("--baselines", help="Comma-separated: single-pass,map-reduce (need --model)."),
    ] = "",
    offline: Annotated[
        bool, typer.Option("--offline/--no-offline", help="Also run the offline engine [on].")
    ] = True,
    limit: Annotated[
        int | None, typer.Option("--limit", help="Only the N shortest transcripts.")
    ] = None,
    max_minutes: Annotated[
        float | None, typer.Option("--max-minutes", help="Skip transcripts longer than this.")
    ] = None,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder for eval.json and eval.png.")
    ] = Path("eval-results"),
    concurrency: Annotated[
        int | None, typer.Option("--concurrency", help="LLM calls in flight [4].")
    ] = None,
    context_tokens: Annotated[
        int | None,
        typer.Option(
            "--context-tokens",
            help="Context window of the single-pass baseline [env LONGSUM_EVAL_CONTEXT_TOKENS; "
            "8192].",
        ),
    ] = None,
    shots_dir: Annotated[
        Path | None,
        typer.Option(
            "--shots-dir",
            help="Few-shot examples of the single-pass baseline [env LONGSUM_EVAL_SHOTS_DIR; "
            "DATASET/../gold if it exists].",
        ),
    ] = None,
) -> None:
    """Score each system's summary of each transcript against its human references.

    Prints a table per transcript and one of the means per system, and writes
    OUTPUT/eval.json (every measure) and OUTPUT/eval.png (a chart per measure). Outputs are
    cached per (system, model, transcript): an interrupted eval resumes where it stopped.
    """
    from longsum_eval.dataset import load_dataset
    from longsum_eval.runner import plan_systems

    settings = guarded(lambda: load_settings(model=model, concurrency=concurrency))
    chosen = {"context_tokens": context_tokens, "shots_dir": shots_dir}
    options = guarded(lambda: load_eval_settings(**chosen))
    if options.shots_dir is None and (dataset.parent / "gold").is_dir():
        options = options.model_copy(update={"shots_dir": dataset.parent / "gold"})
    wanted = [b.strip() for b in baselines.split(",") if b.strip()]
    systems = guarded(lambda: plan_systems(settings.model, wanted, offline))
    if not systems:
        raise typer.Exit(guarded(_no_systems))
    if not dataset.is_dir():
        guarded(lambda: _missing(dataset))
    items = guarded(lambda: load_dataset(dataset, limit=limit, max_minutes=max_minutes))
    if not items:
        guarded(lambda: _missing(dataset))
    rows = asyncio.run(_evaluate(items, systems, settings, options))
    _report(rows, systems, settings, output, items)


def _no_systems() -> int:
    raise ConfigError("nothing to run: give --model, or leave the offline engine on")


def _missing(dataset: Path) -> None:
    raise ConfigError(f"{dataset}: no transcripts (NAME.txt) to evaluate")


async def _evaluate(
    items: list[Any], systems: list[str], settings: Settings, options: EvalSettings
) -> list[dict[str, Any]]:
    from longsum.memory.embeddings import load_embedder
    from longsum.tools.tokens import get_tokenizer
    from longsum_eval.report import score
    from longsum_eval.runner import run_system

    embedder = load_embedder(settings.embedder)
    tokenizer = get_tokenizer(settings.encoding, settings.tokenizer_timeout)
    rows = []
    total, done, began = len(items) * len(systems), 0, time.perf_counter()
    for item in items:
        tokens = tokenizer.count(item.transcript.read_text(encoding="utf-8"))
        for system in systems:
            done += 1
            head = f"[{done}/{total}] {item.name} · {system}"
            err.print(f"{time.perf_counter() - began:7.1f} s  {head} …", highlight=False)

            shown: list[str] = []

            def step(node: str, head: str = head, shown: list[str] = shown) -> None:
                if shown[-1:] != [node]:  # one line per node, not one per chunk
                    shown.append(node)
                    elapsed = time.perf_counter() - began
                    err.print(f"{elapsed:7.1f} s  {head}: {node}", highlight=False)

            output = await run_system(
                system, item.transcript, settings, settings.model, on_progress=step, options=options
            )
            rows.append(score(output, item, embedder, tokens))
    return rows


def _report(
    rows: list[dict[str, Any]],
    systems: list[str],
    settings: Settings,
    folder: Path,
    items: list[Any],
) -> None:
    from longsum_eval.report import summary_rows, write_chart, write_json

    means = summary_rows(rows, systems)
    model = settings.model or "none"
    for title, columns in _TABLES:
        per_item = Table(title=f"{title}, per transcript")
        per_item.add_column("transcript", no_wrap=True)
        per_item.add_column("system", no_wrap=True)
        for _, label, _ in columns:
            per_item.add_column(label, justify="right")
        for row in rows:
            cells = (_cell(row.get(k), f) for k, _, f in columns)
            per_item.add_row(row["item"], row["system"], *cells)
        out.print(per_item)
    for title, columns in _TABLES:
        table = Table(title=f"{title}, means over {len(items)} transcript(s); model {model}")
        table.add_column("system", no_wrap=True)
        for _, label, _ in columns:
            table.add_column(label, justify="right")
        for row in means:
            table.add_row(row["system"], *(_cell(row.get(k), f) for k, _, f in columns))
        out.print(table)
    meta = {"model": settings.model, "systems": systems, "transcripts": [i.name for i in items]}
    write_json(folder / "eval.json", rows, means, meta)
    write_chart(folder / "eval.png", means)
    err.print(f"longsum: wrote {folder / 'eval.json'} and {folder / 'eval.png'}", highlight=False)


def _cell(value: Any, fmt: str) -> str:
    return "–" if value is None else fmt.format(value)


def main(args: list[str], prog_name: str = "longsum eval") -> int:
    """Run the eval's command on ``args``; its exit code (0 when it finished).

    Usage errors (a missing DATASET, an unknown option) are raised to the caller's CLI,
    which prints them as it prints its own.
    """
    command = typer.main.get_command(app)
    code = command.main(args=args, prog_name=prog_name, standalone_mode=False)
    return code if isinstance(code, int) else 0


def require_extra() -> None:
    """Import what the eval extra installs; raises :class:`ImportError` when it is absent."""
    for name in EXTRA_MODULES:
        importlib.import_module(name)


def register(longsum_app: typer.Typer) -> None:
    """Add ``longsum eval`` to longsum's command line (the ``longsum.commands`` entry point)."""

    @longsum_app.command(
        "eval",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
        add_help_option=False,
    )
    def eval_door(ctx: typer.Context) -> None:
        """Score longsum and its baselines against human references (the eval extra).

        `longsum eval --help` lists its options.
        """
        try:
            require_extra()
        except ImportError:
            raise fail(ConfigError(EXTRA_HINT)) from None
        code = main(list(ctx.args), ctx.command_path)
        if code:
            raise typer.Exit(code)
