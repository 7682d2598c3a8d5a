"""Run each system on each transcript of a dataset, cached, and score what it wrote.

A system's *output* (the summary, the call records, the wall time, its validity before and
after repair) is cached per (system, model, transcript, longsum's prompt version) under
``<cache_dir>/eval/``, so an interrupted eval resumes and a second eval with other
measures costs nothing; the *scores* are always recomputed from the cached output.

Systems:

- ``longsum``: the graph with the chosen model (validity first try = its first candidate
  broke no rule; after repair = the run ended valid; repair rounds as the graph counted);
- ``offline``: the graph on the offline extractive engine;
- ``single-pass`` and ``map-reduce``: the baselines (:mod:`longsum_eval.baselines`) with
  the same model; after repair = after longsum's deterministic repair (they have no loop).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from longsum.errors import ConfigError, SummaryValidationError
from longsum.masking import one_line
from longsum.settings import Settings
from longsum_eval.settings import EvalSettings

__all__ = [
    "BASELINES",
    "SYSTEMS",
    "SystemOutput",
    "cache_path",
    "failed_output",
    "output_of",
    "plan_systems",
    "run_system",
    "store_output",
]

SYSTEMS = ("longsum", "offline", "single-pass", "map-reduce")
BASELINES = ("single-pass", "map-reduce")
CACHE_VERSION = "1"


@dataclass
class SystemOutput:
    """What one system produced on one transcript (the cached part of an eval)."""

    system: str
    """One of :data:`SYSTEMS`."""
    item: str
    """The transcript's name."""
    model: str
    """The model id the system ran with (``extractive`` for the offline engine)."""
    summary: dict[str, Any] | None
    """The final summary as JSON (after repair), or the last candidate when it stayed
    invalid; None when nothing parseable came out."""
    valid_first: bool
    """The first candidate broke no rule."""
    valid_final: bool
    """The output after repair breaks no rule."""
    repair_rounds: int
    """Repair rounds used (the graph's loop; 1 for a baseline that needed the
    deterministic repair, else 0)."""
    violations: list[str] = field(default_factory=list)
    """What was still wrong at the end."""
    calls: list[dict[str, Any]] = field(default_factory=list)
    """One record per LLM call: node, prompt_tokens, completion_tokens, latency_s."""
    wall_s: float = 0.0
    """Wall time of the run."""
    positions: list[float] | None = None
    """Start of each section as a fraction of the transcript, when the system knows it
    (longsum's plan); None for systems whose sections must be located by content."""
    error: str | None = None
    """Why the run failed, when it did."""


def plan_systems(model: str | None, baselines: Sequence[str], offline: bool) -> list[str]:
    """The systems an eval runs, in report order; baselines need a model."""
    unknown = [b for b in baselines if b not in BASELINES]
    if unknown:
        raise ConfigError(f"unknown baseline(s) {', '.join(unknown)}; choose from {BASELINES}")
    if baselines and model is None:
        raise ConfigError("baselines run with the same model as longsum: pass --model too")
    systems = ["longsum"] if model is not None else []
    systems += ["offline"] if offline else []
    return systems + list(baselines)


def cache_path(settings: Settings, system: str, model: str, transcript: Path) -> Path:
    """Where one system's output on one transcript is cached."""
    from longsum.agent.prompts import PROMPT_VERSION

    digest = hashlib.sha256(transcript.read_bytes()).hexdigest()[:16]
    key = "\x1f".join((CACHE_VERSION, PROMPT_VERSION, system, model, digest))
    name = hashlib.sha256(key.encode()).hexdigest()[:24]
    return settings.cache_dir / "eval" / f"{transcript.stem}.{system}.{name}.json"


async def run_system(
    system: str,
    transcript: Path,
    settings: Settings,
    model: str | None,
    *,
    on_progress: Callable[[str], None] | None = None,
    options: EvalSettings | None = None,
) -> SystemOutput:
    """One system's output on one transcript: from the cache, else run now and cache it.

    ``options`` are the eval's own (the single-pass baseline's context window and shots);
    by default read from the ``LONGSUM_EVAL_*`` environment.
    """
    model_id = "extractive" if system == "offline" else str(model)
    path = cache_path(settings, system, model_id, transcript)
    if path.exists():
        return SystemOutput(**json.loads(path.read_text(encoding="utf-8")))
    began = time.perf_counter()
    try:
        if system in ("longsum", "offline"):
            output = await _run_graph(system, transcript, settings, model, on_progress)
        else:
            chosen = options if options is not None else EvalSettings()
            output = await _run_baseline(system, transcript, settings, str(model), chosen)
    except SummaryValidationError as exc:
        output = failed_output(system, transcript, model_id, exc, settings)
    output.wall_s = round(time.perf_counter() - began, 2)
    store_output(path, output)
    return output


def store_output(path: Path, output: SystemOutput) -> None:
    """Cache ``output`` at ``path`` (see :func:`cache_path`): a benchmark that ran longsum
    stores its run there, and the eval scores it without running it again."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(output), ensure_ascii=False), encoding="utf-8")


async def _run_graph(
    system: str,
    transcript: Path,
    settings: Settings,
    model: str | None,
    on_progress: Callable[[str], None] | None,
) -> SystemOutput:
    from longsum.api import run_summary

    def on_event(node: str, _: dict[str, Any]) -> None:
        if on_progress is not None:
            on_progress(node)

    result = await run_summary(
        transcript,
        model=None if system == "offline" else model,
        on_event=on_event,
        **_graph_options(settings),
    )
    return output_of(system, transcript, result, model)


def output_of(system: str, transcript: Path, result: Any, model: str | None) -> SystemOutput:
    """What the eval keeps of a graph run's ``RunResult`` on ``transcript``."""
    extended = result.extended
    validation = extended.get("validation", {})
    repairs = validation.get("repairs", [])
    first_changes = [r for r in repairs if r.get("round") == 0 and r.get("changes")]
    rounds = int(validation.get("repair_rounds", 0))
    return SystemOutput(
        system=system,
        item=transcript.stem,
        model=str(extended.get("models", {}).get("reduce", model)),
        summary=result.summary.model_dump(mode="json", by_alias=True),
        valid_first=rounds == 0 and not first_changes,
        valid_final=True,
        repair_rounds=rounds,
        calls=list(extended.get("calls", [])),
        positions=_positions(extended, transcript),
    )


def failed_output(
    system: str, transcript: Path, model_id: str, exc: SummaryValidationError, settings: Settings
) -> SystemOutput:
    """A graph run that never validated: its last candidate and violations, and what the
    run cost (calls, repair rounds used, section positions) from the extended result the
    error carries; the bound of repair rounds only when the error carries none."""
    extended = exc.extended or {}
    rounds = exc.repair_rounds
    return SystemOutput(
        system=system,
        item=transcript.stem,
        model=str(extended.get("models", {}).get("reduce", model_id)),
        summary=exc.candidate if isinstance(exc.candidate, dict) else None,
        valid_first=False,
        valid_final=False,
        repair_rounds=settings.max_repair_rounds if rounds is None else rounds,
        violations=[str(v) for v in exc.violations],
        calls=exc.calls,
        positions=_positions(extended, transcript) if extended.get("sections") else None,
        error=str(exc),
    )


def _positions(extended: dict[str, Any], transcript: Path) -> list[float] | None:
    """The graph's own section starts; None (located by content instead) when the
    extended result cannot place them."""
    from longsum_eval.locate import section_positions_from_extended

    try:
        return section_positions_from_extended(extended, transcript)
    except ValueError:
        return None


def _graph_options(settings: Settings) -> dict[str, Any]:
    """The eval's settings, passed on to each graph run as options."""
    return {
        name: getattr(settings, name)
        for name in ("cache_dir", "embedder", "vector_store", "concurrency", "max_tokens")
    }


async def _run_baseline(
    system: str, transcript: Path, settings: Settings, model: str, options: EvalSettings
) -> SystemOutput:
    from longsum.agent.models import load_chat_model
    from longsum.tools.repair import repair_summary
    from longsum.tools.tokens import get_tokenizer
    from longsum.tools.validation import validate_summary
    from longsum_eval.baselines import run_map_reduce, run_single_pass

    if system == "single-pass":  # the whole window the baseline is allowed
        settings = settings.model_copy(update={"llamacpp_n_ctx": options.context_tokens})
    chat = load_chat_model(model, settings)
    tokenizer = get_tokenizer(settings.encoding, settings.tokenizer_timeout)
    text = transcript.read_text(encoding="utf-8")  # what a user would paste
    if system == "single-pass":
        run = await run_single_pass(
            chat,
            text,
            shots=load_shots(options.shots_dir),
            tokenizer=tokenizer,
            context_tokens=options.context_tokens,
        )
    else:
        run = await run_map_reduce(
            chat,
            text,
            tokenizer=tokenizer,
            chunk_tokens=settings.max_tokens,
            concurrency=settings.concurrency,
        )
    first = validate_summary(run.summary) if run.summary is not None else None
    final: object = run.summary
    violations = [str(v) for v in first] if first else []
    rounds = 0
    if run.summary is not None and first:
        final = repair_summary(run.summary).data
        violations = [str(v) for v in validate_summary(final)]
        rounds = 1
    return SystemOutput(
        system=system,
        item=transcript.stem,
        model=model,
        summary=final if isinstance(final, dict) else None,
        valid_first=run.summary is not None and not first,
        valid_final=run.summary is not None and not violations,
        repair_rounds=rounds,
        violations=violations if run.summary is not None else ["no JSON object in the answer"],
        calls=run.calls,
        error=None if run.summary is not None else _no_json(run.raw),
    )


def _no_json(raw: str) -> str:
    """Why a baseline's answer gave no summary, with the answer's start to show it."""
    size = f"{len(raw):,} characters" if raw.strip() else "empty"
    return f"the answer holds no complete JSON object ({size}): {one_line(raw, 200)}"


def load_shots(folder: Path | None) -> list[tuple[str, dict[str, Any]]]:
    """The single-pass prompt's few-shot examples: each ``<name>.json`` reference answer in
    ``folder`` (:attr:`EvalSettings.shots_dir`) with the transcript ``<name>.txt`` beside it
    or in ``../seed_transcripts`` (the layout of the shared data)."""
    if folder is None or not folder.is_dir():
        return []
    shots = []
    for answer in sorted(folder.glob("*.json")):
        for candidate in (
            folder / f"{answer.stem}.txt",
            folder.parent / "seed_transcripts" / f"{answer.stem}.txt",
        ):
            if candidate.exists():
                shots.append(
                    (candidate.read_text(encoding="utf-8"), json.loads(answer.read_text()))
                )
                break
    return shots
