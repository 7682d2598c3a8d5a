"""``longsum.batch``: summarize many transcripts into one folder, resumably.

Each transcript's result is written to OUT_DIR, named after its source (stem plus the
format's suffix, see :data:`~longsum.batch.render.SUFFIXES`); OUT_DIR/batch.jsonl records
each one (see :mod:`longsum.batch.manifest`). A rerun into the same folder skips every
transcript whose result is there for the same :func:`result_key` (same text, format, model
and output-shaping settings), and runs the rest again, failed ones included.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from longsum.batch.engine import Engine, Job, LocalPool, default_workers, uses_api_model
from longsum.batch.inputs import expand_inputs
from longsum.batch.manifest import append_record, read_manifest, record
from longsum.batch.render import SUFFIXES, check_format
from longsum.errors import InputError, LongsumError
from longsum.settings import Settings, load_settings
from longsum.tools.parsing import content_hash, read_text

__all__ = ["KEY_IGNORES", "RecordHook", "batch", "choose_engine", "result_key"]

RecordHook = Callable[[dict[str, Any], int], None]
"""Called with each manifest line as it is known, and the number of transcripts in all."""

KEY_IGNORES = frozenset(
    {
        "cache_dir",
        "vector_store",
        "concurrency",
        "llm_timeout",
        "llm_attempts",
        "llm_backoff",
        "llm_backoff_max",
        "llm_give_up_after",
        "tokenizer_timeout",
        "llamacpp_threads",
        "trace_content",
        "output_format",
    }
)
"""Settings that change how a run goes, not what it writes: not part of the key."""


def result_key(digest: str, out_format: str, settings: Settings) -> str:
    """What a result depends on, hashed: the transcript's content hash, the format, and
    every setting but :data:`KEY_IGNORES` (the model among them)."""
    shaping = settings.model_dump(mode="json", exclude=set(KEY_IGNORES))
    blob = json.dumps([digest, out_format, shaping], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def batch(
    paths: Iterable[str | Path],
    out_dir: str | Path,
    *,
    format: str = "json",
    workers: int | None = None,
    ray: bool = False,
    ray_address: str | None = None,
    engine: Engine | None = None,
    settings: Settings | None = None,
    on_record: RecordHook | None = None,
    **options: Any,
) -> list[dict[str, Any]]:
    """Summarize every transcript ``paths`` name into ``out_dir``; their manifest lines,
    in input order.

    ``paths`` are files, folders (searched recursively) or ``@list`` files (see
    :mod:`longsum.batch.inputs`); ``format`` is one of ``summarize``'s; ``options`` are
    :class:`~longsum.settings.Settings` fields (``model=...``), or ``settings`` gives them
    whole. The engine (unless ``engine`` is given): with ``ray`` or ``ray_address``, Ray
    actors (:class:`~longsum.batch.ray_engine.RayEngine`, ``workers`` of them, default one
    per CPU of the cluster); else, for an API model, this process with many transcripts at
    once (:class:`~longsum.batch.local_async.LocalAsync`); else ``workers`` processes
    (default: see :func:`~longsum.batch.engine.default_workers`). However many, the LLM
    calls in flight are ``settings.concurrency`` at most for the whole batch.

    A transcript that cannot be read or summarized is a ``failed`` line with its one-line
    error; the others go on. Raises only for the batch as a whole: a bad setting or
    format (:class:`~longsum.errors.ConfigError`), a missing input or an unwritable
    ``out_dir`` (:class:`~longsum.errors.InputError`).

    The local pool spawns its workers, which import the calling script again: in a
    script, call this under ``if __name__ == "__main__":``.
    """
    settings = settings if settings is not None else load_settings(**options)
    out_format = check_format(format)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot write to {out}: {exc.strerror or exc}") from None
    sources = expand_inputs(paths, exclude=out)
    done = read_manifest(out)
    lines: dict[str, dict[str, Any]] = {}
    jobs: list[Job] = []
    taken = {line["output"] for line in done.values() if line.get("output")}

    def report(line: dict[str, Any]) -> None:
        lines[line["path"]] = line
        append_record(out, line)
        if on_record is not None:
            on_record(line, len(sources))

    for source in sources:
        path = str(source.resolve())  # the same line whether given relative or absolute
        try:
            text, _ = read_text(
                source,
                encoding=settings.text_encoding,
                max_bytes=int(settings.max_input_mb * 1024 * 1024),
            )
        except LongsumError as exc:  # unreadable: failed here, no worker spent on it
            report(record(path, "failed", error=str(exc)))
            continue
        digest = content_hash(text)
        key = result_key(digest, out_format, settings)
        earlier = done.get(path, {})
        name = earlier.get("output")
        if not name or _format_of(name) != out_format:  # kept across reruns, per format
            name = _free_name(source, out_format, taken)
        taken.add(name)
        finished = earlier.get("status") in ("ok", "skipped") and (out / name).is_file()
        if finished and earlier.get("key") == key:
            # Nothing spent now: the earlier run's cost stays on its own line.
            report({**earlier, "status": "skipped", "wall_s": 0.0, "calls": 0, "tokens": 0})
            continue
        jobs.append(Job(path, out / name, out_format, digest, key, earlier.get("node")))
    if jobs:
        if engine is None:
            engine = choose_engine(settings, len(jobs), workers, ray, ray_address)
        _prepare_node_cache(settings)
        # Longest first: the workers then finish together, not with one long transcript
        # left running alone at the end (the 22 shared transcripts on 2 workers: 86.6 s in
        # input order).
        jobs.sort(key=_size, reverse=True)
        for line in engine.run(jobs):
            report(line)
    return [lines[path] for path in (str(s.resolve()) for s in sources) if path in lines]


def choose_engine(
    settings: Settings,
    jobs: int,
    workers: int | None = None,
    ray: bool = False,
    ray_address: str | None = None,
) -> Engine:
    """The engine :func:`batch` uses for ``jobs`` transcripts (see there)."""
    if ray or ray_address:
        from longsum.batch.ray_engine import RayEngine

        return RayEngine(settings, workers, ray_address)
    if uses_api_model(settings) and workers is None:
        from longsum.batch.local_async import LocalAsync

        return LocalAsync(settings)
    return LocalPool(settings, workers if workers is not None else default_workers(jobs, settings))


def _prepare_node_cache(settings: Settings) -> None:
    """Make the node cache's SQLite file here, once, before the workers start: two worker
    processes making it together can find it locked while it turns to WAL mode."""
    from longsum.memory.checkpoints import open_node_cache

    with contextlib.suppress(Exception):  # a worker that cannot make it says why itself
        open_node_cache(settings.cache_dir / "node-cache.sqlite")


def _size(job: Job) -> int:
    try:
        return Path(job.path).stat().st_size
    except OSError:
        return 0


def _free_name(source: Path, out_format: str, taken: set[str]) -> str:
    """The result's file name: the source's stem and the format's suffix; when another
    source already has that name (same stem, another folder or suffix), the stem and a
    hash of the source's full path, the same on every rerun."""
    name = source.stem + SUFFIXES[out_format]
    if name not in taken:
        return name
    tag = hashlib.sha256(str(source.resolve()).encode("utf-8")).hexdigest()[:8]
    return f"{source.stem}-{tag}{SUFFIXES[out_format]}"


def _format_of(name: str) -> str | None:
    """The format whose suffix ``name`` has (the longest: ``.extended.json`` over ``.json``)."""
    fits = [fmt for fmt, suffix in SUFFIXES.items() if name.endswith(suffix)]
    return max(fits, key=lambda fmt: len(SUFFIXES[fmt]), default=None)
