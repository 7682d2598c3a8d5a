"""``longsum runs`` and ``longsum trace``: past runs and what happened inside them.

Every ``run_summary`` records its run under ``<cache_dir>/runs/<run_id>/`` (see
:mod:`longsum.memory.runs`); these commands only read those folders.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from longsum.cli.app import app, err, fail, guarded, out
from longsum.errors import InputError
from longsum.settings import load_settings

_SHOWN_ID = 20
"""Longer run ids are shown as their first 12 characters and an ellipsis."""


def _runs_dir() -> Path:
    return guarded(load_settings).runs_dir()


def _seconds(value: Any) -> str:
    if not isinstance(value, int | float):
        return ""
    if value < 60:
        return f"{value:.2f}s" if value < 10 else f"{value:.1f}s"
    minutes, secs = divmod(int(value), 60)
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m{secs:02d}s"


def _when(iso: Any) -> str:
    try:
        return datetime.fromisoformat(str(iso)).strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return str(iso or "")


def _model(meta: dict[str, Any]) -> str:
    models = meta.get("models") or {}
    names = dict.fromkeys(str(models[k]) for k in ("map", "reduce") if models.get(k))
    shown = " / ".join(names) or "?"
    engine = meta.get("engine")
    if engine in (None, "llm") or shown.startswith(f"{engine}:"):
        return shown  # the offline engine's model is already "extractive:<embedder>"
    return f"{engine}: {shown}"


@app.command()
def runs(
    limit: Annotated[int, typer.Option("--limit", "-n", help="Show at most this many.")] = 20,
) -> None:
    """List past runs, newest first: id, start, source, model, status, time, calls, tokens."""
    from longsum.memory.runs import list_runs

    runs_dir = _runs_dir()
    found = list_runs(runs_dir)
    if not found:
        out.print(f"no runs recorded in {runs_dir} yet", highlight=False)
        return
    table = Table(title=f"runs in {runs_dir}", title_justify="left")
    for name in ("run", "started", "source", "engine/model", "status"):
        table.add_column(name, overflow="fold")
    for name in ("wall", "calls", "tokens"):
        table.add_column(name, justify="right")
    for folder, meta in found[:limit]:
        run_id = folder.name
        shown = run_id if len(run_id) <= _SHOWN_ID else run_id[:12] + "…"
        status = str(meta.get("status", "unknown"))
        style = {"ok": "green", "failed": "red"}.get(status, "yellow")
        table.add_row(
            shown,
            _when(meta.get("started")),
            Path(str(meta.get("source", "?"))).name,
            _model(meta),
            Text(status, style=style),
            _seconds(meta.get("wall_s")),
            str(meta.get("llm_calls", "")),
            f"{meta['tokens']:,}" if isinstance(meta.get("tokens"), int) else "",
        )
    out.print(table)
    if len(found) > limit:
        out.print(f"{len(found) - limit} older run(s) not shown (--limit)", highlight=False)


def _repair(e: dict[str, Any]) -> str:
    if e.get("degraded"):
        return f"{e.get('chunk')} notes extracted after: {e.get('error')}"
    if e.get("kind") == "deterministic":
        changes = e.get("changes") or []
        return f"round {e.get('round')}, deterministic, {len(changes)} change(s): " + "; ".join(
            changes[:2]
        )
    return f"round {e.get('round')}, {e.get('piece')}: {len(e.get('violations') or [])} to fix"


def _retrieval(e: dict[str, Any]) -> str:
    parts = []
    for section in e.get("sections") or []:
        hits = ", ".join(f"{h['chunk_id']} {h['score']:.2f}" for h in section.get("hits") or [])
        parts.append(f"§{section.get('section')}: {hits or '-'}")
    return " · ".join(parts)


def _validation(e: dict[str, Any]) -> str:
    found = e.get("violations") or []
    first = "; ".join(f"{v['path']}: {v['message']}" for v in found[:2])
    return f"{len(found)} violation(s)" + (f": {first}" if first else "")


def _llm(e: dict[str, Any]) -> str:
    if e.get("event") == "llm_error":
        return f"{e.get('model')}: {e.get('error')}"
    text = f"{e.get('model')} {e.get('prompt_tokens')}→{e.get('completion_tokens')} tokens"
    if e.get("cached_prompt_tokens"):
        text += f" ({e['cached_prompt_tokens']} of the prompt cached)"
    if (e.get("attempts") or 1) > 1:
        text += f", {e['attempts']} attempts"
    if e.get("finish_reason") not in (None, "stop", "end_turn"):
        text += f", {e['finish_reason']}"
    if e.get("kept_partial"):
        text += " (cut off: its complete part kept)"
    preview = str((e.get("prompt") or {}).get("preview", ""))
    return text + (f': "{preview[:48]}…"' if preview else "")


_DETAILS: dict[str, Callable[[dict[str, Any]], str]] = {
    "run_start": lambda e: f"{Path(str(e.get('source'))).name}, invocation {e.get('invocation')}",
    "node_start": lambda e: f"step {e.get('step')}",
    "node_end": lambda e: str(e.get("error") or ""),
    "node_cached": lambda e: f"from the node cache ({e.get('calls')} call(s) reused)",
    "llm_call": _llm,
    "llm_error": _llm,
    "retrieval": lambda e: f"{e.get('hits')} hit(s) {_retrieval(e)}",
    "validation": _validation,
    "repair": _repair,
    "run_end": lambda e: (
        f"{e.get('llm_calls')} calls, {e.get('tokens')} tokens"
        + (f"; {e['error']}" if e.get("error") else "")
    ),
}
_STYLES = {"run_start": "bold", "run_end": "bold", "node_start": "dim", "repair": "cyan"}


def _style(e: dict[str, Any]) -> str:
    failed = e.get("status") in ("error", "failed") or e["event"] == "llm_error"
    if failed or (e["event"] == "validation" and e.get("count")):
        return "red" if failed else "yellow"
    return _STYLES.get(e["event"], "")


def _timeline(title: str, events: list[dict[str, Any]]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("t", justify="right")
    table.add_column("node")
    table.add_column("event")
    table.add_column("dur", justify="right")
    table.add_column("details", overflow="fold")
    # A map task's node_start names its chunk; its other rows (calls, end) name the span.
    chunks = {e["span"]: e["chunk"] for e in events if e.get("chunk") and e.get("span")}
    for e in events:
        if e["event"] == "run_start" and table.row_count:
            table.add_section()  # a resumed thread: a new invocation starts
        duration = e.get("duration_s", e.get("latency_s", e.get("wall_s")))
        describe = _DETAILS.get(e["event"])
        detail = describe(e) if describe is not None else ""
        table.add_row(
            f"{e.get('t', 0):.3f}",
            _node_label({**e, "chunk": e.get("chunk") or chunks.get(e.get("span"))}),
            e["event"],
            _seconds(duration),
            Text(detail),  # Text, not markup: prompts and errors hold brackets
            style=_style(e),
        )
    return table


def _node_label(e: dict[str, Any]) -> str:
    """The node of an event with what tells its parallel runs apart (and links their rows):
    the chunk it works on when the event names one, else its span's short id."""
    if not e.get("node"):
        return ""
    tag = e.get("chunk") or str(e.get("span") or "")[:4]
    return f"{e['node']} #{tag}" if tag else str(e["node"])


def _in_order(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Events by time within each invocation (an LLM call is written when its node ends,
    but stamped with the time its first request started)."""
    invocation = 0
    keyed = []
    for position, e in enumerate(events):
        invocation += e.get("event") == "run_start"
        keyed.append(((invocation, float(e.get("t", 0)), position), e))
    return [e for _, e in sorted(keyed, key=lambda item: item[0])]


def _print_calls(events: list[dict[str, Any]]) -> None:
    calls = [e for e in events if e["event"] in ("llm_call", "llm_error")]
    for number, e in enumerate(calls, 1):
        head = f"call {number} at {e.get('t', 0):.3f}s, {_seconds(e.get('latency_s'))}: {_llm(e)}"
        out.print(Text(head, style="bold red" if e["event"] == "llm_error" else "bold"))
        for part in ("prompt", "output"):
            info = e.get(part) or {}
            if not info:
                continue
            size = f"{info.get('chars')} chars" + (
                f", {info['messages']} messages" if "messages" in info else ""
            )
            out.print(Text(f"{part} ({size}):", style="cyan"))
            content = info.get("content")
            if isinstance(content, list):
                for message in content:
                    out.print(Text(f"[{message.get('role')}] {message.get('content')}"))
            else:
                out.print(Text(str(content if content is not None else info.get("preview"))))
        out.print()


def _status(meta: Path) -> str:
    try:
        return str(json.loads(meta.read_text(encoding="utf-8")).get("status", ""))
    except (OSError, ValueError, AttributeError):
        return ""


@app.command()
def trace(
    run: Annotated[str, typer.Argument(help="A run id, a unique prefix of one, or 'last'.")],
    node: Annotated[
        str | None, typer.Option("--node", help="Only this node, with each LLM call in full.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The raw JSON lines.")] = False,
) -> None:
    """Show a run's trace as a timeline: nodes, LLM calls, retrieval, validation, repairs."""
    from longsum.memory.runs import META, find_run, read_trace

    runs_dir = _runs_dir()
    folder = guarded(lambda: find_run(runs_dir, run))
    if run == "last" and _status(folder / META) == "running":
        note = f"note: no run has ended yet; run {folder.name} is still running"
        err.print(note, highlight=False)
    events = guarded(lambda: read_trace(folder))
    if node is not None:
        nodes = sorted({str(e["node"]) for e in events if e.get("node")})
        events = [e for e in events if e.get("node") == node]
        if not events:
            problem = f"run {folder.name} has no node {node!r}; its nodes: {', '.join(nodes)}"
            raise fail(InputError(problem))
    if as_json:
        for e in events:
            sys.stdout.write(json.dumps(e, ensure_ascii=False) + "\n")
        return
    title = f"run {folder.name}" + (f", node {node}" if node else "")
    out.print(_timeline(title, _in_order(events)))
    if node is not None:
        out.print()
        _print_calls(_in_order(events))
