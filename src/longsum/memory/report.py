"""The run report: one self-contained HTML page of a recorded run, to read offline.

:func:`report_view` turns a run folder (see :mod:`longsum.memory.runs`) into the view model
of ``templates/report.html.j2``: the timeline of node spans and LLM calls, usage by node,
every section's bullets with the chunks and transcript passages they came from, retrieval
hits, validation and repairs, degraded chunks. :func:`render_report` renders it with
Jinja2, autoescaped: every string here is transcript or model text, which is hostile.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from longsum.errors import InputError
from longsum.memory.runs import META, RESULT, read_chunk_texts, read_json, read_trace

__all__ = ["render_report", "report_view"]

_WORD = re.compile(r"\w{3,}")
_CHANGE = re.compile(
    r"^(?P<path>\S+): (?:rewrote|mapped|renamed key) (?P<a>.+?) (?:as|to) (?P<b>.+)$"
)
_EXCERPT_LINES = 2
"""Lines shown on each side of a bullet's best-matching line of its chunk."""


def clock(seconds: Any) -> str:
    """``H:MM:SS`` of a transcript time (``-`` when the transcript has no times)."""
    if not isinstance(seconds, int | float):
        return "-"
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def _span(start: Any, end: Any) -> str:
    """``H:MM:SS–H:MM:SS``, or nothing for an untimed transcript."""
    return f"{clock(start)}–{clock(end)}" if isinstance(start, int | float) else ""


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def _best_line(bullet: str, lines: list[str]) -> tuple[int, float]:
    """The index of the line sharing most words with ``bullet``, and that share."""
    wanted = _words(bullet)
    best, score = 0, 0.0
    for i, line in enumerate(lines):
        shared = len(wanted & _words(line)) / (len(wanted) or 1)
        if shared > score:
            best, score = i, shared
    return best, score


def _source_lines(meta: dict[str, Any]) -> tuple[list[str], str]:
    """The source file's lines when it still exists (a run recorded before chunk texts
    were kept), with a note saying where the excerpts come from."""
    source = Path(str(meta.get("source") or ""))
    if source.name and source.is_file():
        try:
            text = source.read_text(encoding="utf-8", errors="replace")
        except OSError:
            text = ""
        if text:
            note = f"chunk texts were not recorded; excerpts are read from {source}"
            return [line for line in text.splitlines() if line.strip()], note
    return [], f"chunk texts were not recorded and the source {source} is gone: no excerpts"


def _bullets(
    section: dict[str, Any], placed: dict[str, Any], texts: dict[str, list[str]]
) -> list[dict[str, Any]]:
    """A section's bullets, each with the chunk of its section it best matches and the
    passage of that chunk around its best-matching line."""
    candidates = [c for c in placed.get("chunk_ids") or [] if c in texts] or list(texts)
    bullets = []
    for text in section.get("content") or []:
        best: tuple[float, str, int] = (-1.0, "", 0)
        for chunk_id in candidates:
            line, score = _best_line(str(text), texts[chunk_id])
            if score > best[0]:
                best = (score, chunk_id, line)
        score, chunk_id, line = best
        lines = texts.get(chunk_id, [])
        window = lines[max(0, line - _EXCERPT_LINES) : line + _EXCERPT_LINES + 1]
        bullets.append(
            {
                "text": str(text),
                "chunk": chunk_id,
                "match": round(max(score, 0.0), 2),
                "excerpt": window,
                "hit": min(line, _EXCERPT_LINES),
            }
        )
    return bullets


def _lanes(events: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], float]:
    """Node spans and LLM calls as bars: one lane per node, parallel spans of a node in
    rows of their own, each call on its span's row. Resumed invocations follow on."""
    spans: dict[str, dict[str, Any]] = {}
    calls: list[dict[str, Any]] = []
    offset = end = 0.0
    for e in events:
        t = float(e.get("t") or 0.0)
        if e.get("event") == "run_start":
            offset = end  # a resumed thread's clock starts again at 0
        at = offset + t
        if e.get("event") == "node_start":
            spans[str(e.get("span"))] = {"node": e.get("node"), "start": at, "end": at}
        elif e.get("event") in ("node_end", "node_cached") and str(e.get("span")) in spans:
            span = spans[str(e.get("span"))]
            span.update(end=at, status=e.get("status", "ok"), error=e.get("error"))
        elif e.get("event") in ("llm_call", "llm_error"):
            dur = float(e.get("latency_s") or 0.0)
            calls.append({**e, "start": at, "end": at + dur})
        end = max(end, at, *(c["end"] for c in calls[-1:]))
    total = max(end, 1e-3)
    lanes: dict[str, dict[str, Any]] = {}
    for key, span in spans.items():
        lane = lanes.setdefault(str(span["node"]), {"node": span["node"], "rows": []})
        rows: list[list[dict[str, Any]]] = lane["rows"]
        row = next((r for r in rows if r[-1]["end"] <= span["start"]), None)
        if row is None:
            rows.append(row := [])
        bar = {**span, "span": key, "calls": [], "kind": "node"}
        row.append(bar)
    by_span = {b["span"]: b for lane in lanes.values() for r in lane["rows"] for b in r}
    for call in calls:
        owner = by_span.get(str(call.get("span")))
        if owner is not None:
            owner["calls"].append(call)
    for lane in lanes.values():
        for r in lane["rows"]:
            for bar in r:
                bar["left"] = 100 * bar["start"] / total
                bar["width"] = max(100 * (bar["end"] - bar["start"]) / total, 0.15)
                for call in bar["calls"]:
                    call["left"] = 100 * call["start"] / total
                    call["width"] = max(100 * (call["end"] - call["start"]) / total, 0.15)
    return list(lanes.values()), total


def _after(summary: dict[str, Any], piece: str) -> list[str]:
    """A repaired piece as the final summary holds it (a model's repair keeps no copy of
    what it replaced: the violations are its ``before``)."""
    sections = summary.get("sections") or []
    if piece.startswith("section ") and piece[8:].isdigit() and int(piece[8:]) <= len(sections):
        section = sections[int(piece[8:]) - 1]
        topics = ", ".join(map(str, section.get("topics") or []))
        return [*map(str, section.get("content") or []), f"topics: {topics}"]
    if piece == "overview":
        topics = ", ".join(map(str, summary.get("topics") or []))
        return [str(summary.get("introduction", "")), f"topics: {topics}"]
    return []


def _repairs(extended: dict[str, Any], summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Each repair with what it changed: ``before``/``after`` pairs when a deterministic
    change's text names them, a model repair's violations and the piece it left."""
    shown = []
    for repair in (extended.get("validation") or {}).get("repairs") or []:
        if repair.get("degraded"):
            continue  # shown with the chunks
        changes = []
        for change in repair.get("changes") or []:
            found = _CHANGE.match(str(change))
            parts = found.groupdict() if found else {"path": "", "a": "", "b": ""}
            changes.append({"text": str(change), **parts})
        after = _after(summary, str(repair.get("piece") or ""))
        shown.append({**repair, "change_rows": changes, "after": after})
    return shown


def report_view(folder: Path) -> dict[str, Any]:
    """The report's view model of the run recorded in ``folder``.

    Raises :class:`~longsum.errors.InputError` when the run has no result (it failed or
    is still running: ``longsum trace`` shows how far it got).
    """
    result = read_json(folder / RESULT)
    if not result:
        raise InputError(
            f"run {folder.name} has no result to report (failed or unfinished): "
            f"`longsum trace {folder.name}` shows how far it got"
        )
    meta = read_json(folder / META)
    events = read_trace(folder)
    extended: dict[str, Any] = result.get("extended") or {}
    summary: dict[str, Any] = result.get("summary") or {}
    recorded = read_chunk_texts(folder)
    texts = {k: [ln for ln in v.splitlines() if ln.strip()] for k, v in recorded.items()}
    excerpt_note = ""
    if not texts:
        lines, excerpt_note = _source_lines(meta)
        if lines:  # every chunk matched against the whole file
            texts = {str(c.get("id")): lines for c in extended.get("chunks") or []}
    degraded = {str(d.get("chunk")): str(d.get("error", "")) for d in extended.get("degraded", [])}
    placed = extended.get("sections") or []
    sections = []
    for i, section in enumerate(summary.get("sections") or []):
        where = placed[i] if i < len(placed) else {}
        sections.append(
            {
                "title": section.get("title", f"Section {i + 1}"),
                "topics": section.get("topics") or [],
                "when": _span(where.get("start"), where.get("end")),
                "chunk_ids": where.get("chunk_ids") or [],
                "related": where.get("related") or [],
                "bullets": _bullets(section, where, texts),
            }
        )
    chunks = [
        {
            **c,
            "when": _span(c.get("start"), c.get("end")),
            "degraded": degraded.get(str(c.get("id"))),
            "text": recorded.get(str(c.get("id")), ""),
        }
        for c in extended.get("chunks") or []
    ]
    lanes, total = _lanes(events)
    usage = extended.get("usage") or {}
    by_node: dict[str, Any] = usage.get("by_node") or {}
    validations = [e for e in events if e.get("event") == "validation"]
    return {
        "run_id": folder.name,
        "meta": meta,
        "title": (extended.get("transcript") or {}).get("title") or meta.get("source", ""),
        "transcript": extended.get("transcript") or {},
        "duration": clock((extended.get("transcript") or {}).get("duration")),
        "summary": summary,
        "sections": sections,
        "chunks": chunks,
        "degraded": degraded,
        "times": {str(c["id"]): c["when"] for c in chunks},
        "lanes": lanes,
        "total_s": total,
        "ticks": [{"left": 100 * k / 8, "s": total * k / 8} for k in range(9)],
        "usage": usage,
        "by_node": sorted((usage.get("by_node") or {}).items()),
        "usage_max": max(
            [int(n["prompt_tokens"] + n["completion_tokens"]) for n in by_node.values()] or [1]
        )
        or 1,
        "validations": validations,
        "unresolved": (extended.get("validation") or {}).get("unresolved") or [],
        "repairs": _repairs(extended, summary),
        "excerpt_note": excerpt_note,
        "raw_meta": json.dumps(meta, indent=1, ensure_ascii=False),
    }


def render_report(folder: Path) -> str:
    """The run in ``folder`` as one HTML page needing no network (inline CSS and JS)."""
    env = Environment(
        loader=PackageLoader("longsum", "templates"),
        # On for every template: bullets, excerpts and errors are transcript and model text.
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("report.html.j2").render(**report_view(folder))
