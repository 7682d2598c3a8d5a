"""Scores of each system's output, and the eval's three reports: a table, JSON, a chart.

Each (transcript, system) row carries every measure the eval reports; the summary rows
are their means per system (a measure a transcript's reference cannot support, such as
ROUGE without a written summary, is left out of that mean, and the count says how many
transcripts it covers).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from longsum.embedding import Embedder
from longsum.tools.quality import DEFECTS
from longsum_eval.dataset import EvalItem
from longsum_eval.readability import defect_key
from longsum_eval.runner import SystemOutput

__all__ = ["DEFECT_MEASURES", "MEASURES", "score", "summary_rows", "write_chart", "write_json"]

_DEFECT_LABELS = {
    "question": "questions",
    "backchannel": "replies",
    "fragment": "fragments",
    "filler": "filler",
    "too_long": "over 35 words",
    "title_like": "title, not sentence",
    "scaffold": "prompt scaffolding",
    "markup": "mark-up",
    "script": "foreign script",
    "placeholder_number": "placeholder numbers",
    "duplicate": "duplicates",
}
DEFECT_MEASURES: dict[str, tuple[str, bool]] = {
    "defects": ("bullets with any defect", False),
    **{defect_key(c): (_DEFECT_LABELS[c], False) for c in DEFECTS},
}
"""Shares of bullets with each defect (lower is better); charted together in one panel."""

MEASURES: dict[str, tuple[str, bool]] = {
    "valid_first": ("valid, first try", True),
    "valid_final": ("valid, after repair", True),
    "repair_rounds": ("repair rounds", False),
    "boundary_mean": ("boundary error, mean", False),
    "boundary_worst": ("boundary error, worst", False),
    "boundary_located_mean": ("boundary error, located, mean", False),
    "boundary_equal_mean": ("boundary error of equal fifths (yardstick)", False),
    "coverage": ("chapter coverage", True),
    "rouge1": ("ROUGE-1 F", True),
    "rouge2": ("ROUGE-2 F", True),
    "rougeL": ("ROUGE-L F", True),
    "invented_times": ("invented timestamps", False),
    **DEFECT_MEASURES,
    "speaker_attribution": ("bullets quoting a named speaker", True),
    "llm_calls": ("LLM calls", False),
    "prompt_tokens": ("prompt tokens", False),
    "completion_tokens": ("completion tokens", False),
    "prompt_ratio": ("prompt / transcript tokens", False),
    "uncached_ratio": ("uncached prompt / transcript tokens", False),
    "wall_s": ("wall time, s", False),
}
"""Measure key -> (label, whether higher is better)."""


def score(
    output: SystemOutput, item: EvalItem, embedder: Embedder, transcript_tokens: int
) -> dict[str, Any]:
    """Every measure of one system's output on one transcript (None where it cannot be
    measured: no summary, or no reference of that kind)."""
    from longsum_eval.locate import locate_sections
    from longsum_eval.metrics import (
        boundary_alignment,
        chapter_coverage,
        invented_timestamps,
        rouge_scores,
        uniform_starts,
        usage,
    )
    from longsum_eval.readability import readability

    row: dict[str, Any] = {
        "item": item.name,
        "system": output.system,
        "model": output.model,
        "valid_first": float(output.valid_first),
        "valid_final": float(output.valid_final),
        "repair_rounds": output.repair_rounds,
        "wall_s": output.wall_s,
        "error": output.error,
        "violations": output.violations,
    }
    calls = usage(output.calls, transcript_tokens)
    row.update(
        llm_calls=calls["llm_calls"],
        prompt_tokens=calls["prompt_tokens"],
        completion_tokens=calls["completion_tokens"],
        prompt_ratio=calls["prompt_to_transcript"],
        uncached_ratio=calls["uncached_prompt_to_transcript"],
    )
    summary, reference = output.summary, item.reference
    if summary is None or not isinstance(summary.get("sections"), list):
        return row
    text = item.transcript.read_text(encoding="utf-8")
    row["invented_times"] = len(invented_timestamps(summary, text))
    row.update(readability(summary, item.transcript, text))  # needs no reference
    if reference is None:
        return row
    if reference.marks:
        marks = [m.position for m in reference.marks]
        located = locate_sections(summary, item.transcript, embedder)
        # The graph knows where its sections start; a baseline's must be located by content.
        # Located starts are reported for every system too, so all compare the same way.
        own = output.positions or located
        row["positions"] = "graph" if output.positions else "located"
        aligned, by_content = boundary_alignment(own, marks), boundary_alignment(located, marks)
        # Five equal fifths, as a yardstick: dense chapters make any split look close.
        equal = boundary_alignment(uniform_starts(), marks)
        row.update(
            boundary_mean=aligned["mean"],
            boundary_worst=aligned["worst"],
            boundary_located_mean=by_content["mean"],
            boundary_equal_mean=equal["mean"],
        )
    if reference.titles:
        row["coverage"] = chapter_coverage(reference.titles, summary, embedder)["share"]
    if reference.summaries:
        row.update(rouge_scores(summary, reference.summaries))
    return row


def summary_rows(rows: Sequence[dict[str, Any]], systems: Sequence[str]) -> list[dict[str, Any]]:
    """Per system: the mean of each measure over the transcripts that have it."""
    out = []
    for system in systems:
        mine = [r for r in rows if r["system"] == system]
        means: dict[str, Any] = {"system": system, "transcripts": len(mine)}
        for key in MEASURES:
            values = [r[key] for r in mine if isinstance(r.get(key), int | float)]
            means[key] = sum(values) / len(values) if values else None
            means[f"{key}_n"] = len(values)
        out.append(means)
    return out


def write_json(
    path: Path,
    rows: Sequence[dict[str, Any]],
    summary: Sequence[dict[str, Any]],
    meta: dict[str, Any],
) -> None:
    """Everything the eval measured, for machines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"meta": meta, "systems": list(summary), "rows": list(rows)}
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def write_chart(path: Path, summary: Sequence[dict[str, Any]]) -> None:
    """One bar chart per measure, a bar per system (means over transcripts); the bullet
    defect shares share one wide panel, a group of bars per defect."""
    import matplotlib

    matplotlib.use("Agg")  # no display on a server
    import matplotlib.pyplot as plt

    present = [k for k in MEASURES if any(s.get(k) is not None for s in summary)]
    keys = [k for k in present if k not in DEFECT_MEASURES]
    defects = [k for k in DEFECT_MEASURES if k in present]
    columns = 4
    rows = math.ceil(len(keys) / columns) + (1 if defects else 0)
    fig, axes = plt.subplots(rows, columns, figsize=(4 * columns, 2.8 * rows), squeeze=False)
    names = [s["system"] for s in summary]
    colours = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860"]
    for ax, key in zip(axes.flat, keys, strict=False):
        label, higher = MEASURES[key]
        values = [s.get(key) or 0.0 for s in summary]
        ax.bar(names, values, color=[colours[i % len(colours)] for i in range(len(names))])
        ax.set_title(f"{label} ({'higher' if higher else 'lower'} is better)", fontsize=9)
        ax.tick_params(axis="x", labelrotation=20, labelsize=8)
        ax.tick_params(axis="y", labelsize=8)
    for ax in list(axes.flat)[len(keys) :]:
        ax.axis("off")
    if defects:
        _defect_panel(fig.add_subplot(rows, 1, rows), summary, defects, colours)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _defect_panel(
    ax: Any, summary: Sequence[dict[str, Any]], keys: list[str], colours: list[str]
) -> None:
    """Grouped bars: one group per defect, one bar per system (eleven panels would not read)."""
    width = 0.8 / max(1, len(summary))
    for i, system in enumerate(summary):
        xs = [k + (i - (len(summary) - 1) / 2) * width for k in range(len(keys))]
        values = [system.get(key) or 0.0 for key in keys]
        ax.bar(xs, values, width, label=system["system"], color=colours[i % len(colours)])
    ax.set_xticks(range(len(keys)), [MEASURES[k][0] for k in keys], fontsize=8, rotation=15)
    ax.set_title("share of bullets with each defect (lower is better)", fontsize=9)
    ax.tick_params(axis="y", labelsize=8)
    ax.legend(fontsize=8, loc="upper right")
