"""``longsum batch``: the local pool gives what single runs give, a rerun resumes, one bad
transcript fails alone, inputs expand as documented, and the CLI reports progress."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import longsum
from longsum.api import run_summary
from longsum.batch import Job, expand_inputs, read_manifest
from longsum.batch.engine import LocalPool, uses_api_model
from longsum.batch.local_async import LocalAsync
from longsum.batch.manifest import append_record, manifest_path, record
from longsum.batch.run import choose_engine
from longsum.cli import app
from longsum.errors import ConfigError, InputError
from longsum.settings import Settings

SEEDS = ("rust", "zig", "react", "typescript_fireship")


def offline(tmp_path: Path, name: str = "cache", **fields: Any) -> dict[str, Any]:
    """Settings for the offline engine on the hashing embedder, given explicitly (worker
    processes are spawned: they must not depend on the test's environment)."""
    return {
        "cache_dir": tmp_path / name,
        "embedder": "hashing",
        "vector_store": "memory",
        **fields,
    }


class FakeEngine:
    """Runs nothing: writes a placeholder result per job and says it is ok."""

    def __init__(self, fail: Sequence[str] = ()) -> None:
        self.ran: list[str] = []
        self.fail = set(fail)

    def run(self, jobs: Sequence[Job]) -> Iterator[dict[str, Any]]:
        for job in jobs:
            self.ran.append(Path(job.path).name)
            if Path(job.path).name in self.fail:
                yield record(job.path, "failed", key=job.key, error="boom\nsecond line")
                continue
            job.output.write_text("{}", encoding="utf-8")
            yield record(job.path, "ok", output=job.output.name, key=job.key)


def corpus(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"t{i}.txt"
        path.write_text(f"Speaker {i}: words of transcript {i}.\n", encoding="utf-8")
        paths.append(path)
    return paths


def test_the_pool_gives_single_runs_results_and_a_bad_file_fails_alone(
    shared_dir: Path, tmp_path: Path
) -> None:
    seeds = [shared_dir / "data" / "seed_transcripts" / f"{name}.txt" for name in SEEDS]
    binary = tmp_path / "in" / "binary.txt"
    binary.parent.mkdir()
    binary.write_bytes(b"\x00\x01\x02\xff" * 64)
    empty = tmp_path / "in" / "empty.txt"
    empty.write_text("", encoding="utf-8")
    out = tmp_path / "out"

    lines = longsum.batch([*seeds, binary, empty], out, workers=2, **offline(tmp_path))

    assert [Path(line["path"]).name for line in lines] == [
        *(f"{name}.txt" for name in SEEDS),
        "binary.txt",
        "empty.txt",
    ]
    assert [line["status"] for line in lines] == ["ok"] * 4 + ["failed"] * 2
    assert "binary" in lines[4]["error"] and "\n" not in lines[4]["error"]
    assert "empty" in lines[5]["error"]
    for seed, line in zip(seeds, lines, strict=False):
        single = asyncio.run(run_summary(seed, **offline(tmp_path, "single")))
        written = json.loads((out / line["output"]).read_text(encoding="utf-8"))
        assert written == single.summary.model_dump(mode="json", by_alias=True)
        assert line["content_hash"] == single.extended["transcript"]["content_hash"]
    assert len(read_manifest(out)) == 6


def test_a_rerun_runs_only_what_is_new_changed_or_failed(tmp_path: Path) -> None:
    paths = corpus(tmp_path / "in", 4)
    out = tmp_path / "out"
    first = FakeEngine()
    longsum.batch(paths[:2], out, engine=first, **offline(tmp_path))
    assert first.ran == ["t0.txt", "t1.txt"]

    with manifest_path(out).open("a", encoding="utf-8") as handle:
        handle.write('{"path": "half a line of a killed batch')  # ignored on reading
    second = FakeEngine()
    lines = longsum.batch(paths, out, engine=second, **offline(tmp_path))
    assert second.ran == ["t2.txt", "t3.txt"]
    assert [line["status"] for line in lines] == ["skipped", "skipped", "ok", "ok"]

    line = read_manifest(out)[str(paths[1].resolve())]
    append_record(out, {**line, "status": "failed", "output": None, "error": "x"})
    third = FakeEngine()
    longsum.batch(paths, out, engine=third, **offline(tmp_path))
    assert third.ran == ["t1.txt"]

    paths[3].write_text("Speaker: other words now.\n", encoding="utf-8")
    (out / "t2.json").unlink()  # a result deleted by hand is made again
    fourth = FakeEngine()
    longsum.batch(paths, out, engine=fourth, **offline(tmp_path))
    assert fourth.ran == ["t2.txt", "t3.txt"]

    fifth = FakeEngine()  # another format or setting is another result
    longsum.batch(paths, out, engine=fifth, **offline(tmp_path, max_tokens=500))
    assert fifth.ran == [path.name for path in paths]


def test_a_failure_is_recorded_on_one_line_and_retried(tmp_path: Path) -> None:
    paths = corpus(tmp_path / "in", 3)
    out = tmp_path / "out"
    lines = longsum.batch(paths, out, engine=FakeEngine(fail=["t1.txt"]), **offline(tmp_path))
    assert [line["status"] for line in lines] == ["ok", "failed", "ok"]
    assert lines[1]["error"] == "boom second line"
    again = FakeEngine()
    longsum.batch(paths, out, engine=again, **offline(tmp_path))
    assert again.ran == ["t1.txt"]


def test_equal_stems_get_distinct_names_that_stay_on_rerun(tmp_path: Path) -> None:
    a = corpus(tmp_path / "a", 1)[0]
    b = corpus(tmp_path / "b", 1)[0]
    out = tmp_path / "out"
    longsum.batch([b], out, engine=FakeEngine(), format="markdown", **offline(tmp_path))
    lines = longsum.batch([a, b], out, engine=FakeEngine(), format="markdown", **offline(tmp_path))
    names = [line["output"] for line in lines]
    assert names[1] == "t0.md" and names[0].startswith("t0-") and names[0].endswith(".md")
    assert [line["status"] for line in lines] == ["ok", "skipped"]
    lines = longsum.batch([a, b], out, engine=FakeEngine(), format="extended", **offline(tmp_path))
    names = [line["output"] for line in lines]  # not the markdown's names: new ones
    assert names[0] == "t0.extended.json" and names[1].endswith(".extended.json")


def test_inputs_expand_folders_lists_and_dedupe(tmp_path: Path, monkeypatch: Any) -> None:
    root = tmp_path / "talks"
    (root / "deep" / "deeper").mkdir(parents=True)
    (root / ".hidden").mkdir()
    for name in ("b.txt", "a.vtt", "deep/c.srt"):
        (root / name).write_text("x", encoding="utf-8")
    (root / "deep/deeper/d.JSON").write_text('{"segments": []}', encoding="utf-8")
    # Not transcripts: a folder's notes, its manifest and reference summaries.
    for name in ("notes.pdf", ".hidden/f.txt", "deep/g.mp3", "deep/e.md", "SOURCES.md"):
        (root / name).write_text("x", encoding="utf-8")
    (root / "b.ref.json").write_text('{"title": "x", "note": "five segments"}', encoding="utf-8")
    (root / "manifest.json").write_text('[{"id": "b", "title": "x"}]', encoding="utf-8")
    (root / "deep" / "bare.json").write_text('[{"start": 0, "text": "hi"}]', encoding="utf-8")
    out = root / "out"
    out.mkdir()
    (out / "b.json").write_text("{}", encoding="utf-8")
    listing = tmp_path / "lists" / "corpus.lst"
    listing.parent.mkdir()
    listing.write_text("# mine\n\n../talks/b.txt\n../extra.txt\n", encoding="utf-8")
    (tmp_path / "extra.txt").write_text("x", encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    found = expand_inputs(["talks/b.txt", "talks", f"@{listing}"], exclude=out)

    assert [p.relative_to(tmp_path) if p.is_absolute() else p for p in found] == [
        Path("talks/b.txt"),
        Path("talks/a.vtt"),
        Path("talks/deep/bare.json"),
        Path("talks/deep/c.srt"),
        Path("talks/deep/deeper/d.JSON"),
        Path("lists/../extra.txt"),
    ]
    with pytest.raises(InputError, match=r"nope\.txt does not exist"):
        expand_inputs(["talks", "nope.txt"])


def test_bad_format_and_the_engine_each_model_gets(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown --format"):
        longsum.batch([], tmp_path, format="pdf", **offline(tmp_path))
    offline_settings = Settings(cache_dir=tmp_path)
    api = Settings(cache_dir=tmp_path, model="fake:scripted", concurrency=6)
    local = Settings(cache_dir=tmp_path, model="llamacpp:/m.gguf")
    mixed = Settings(cache_dir=tmp_path, model="llamacpp:/m.gguf", map_model="openai:gpt-4o")
    assert [uses_api_model(s) for s in (offline_settings, api, local, mixed)] == [
        False,
        True,
        False,
        True,
    ]
    assert isinstance(choose_engine(offline_settings, 8), LocalPool)
    many = choose_engine(api, 8)  # waiting on the network: one process, many at once
    assert isinstance(many, LocalAsync) and many.in_flight == 6
    assert isinstance(choose_engine(api, 8, workers=3), LocalPool)
    single = choose_engine(local, 8)
    assert isinstance(single, LocalPool) and single.workers == 1


def test_a_process_gate_bounds_calls_across_its_holders() -> None:
    import multiprocessing

    from longsum.batch.gates import ProcessGate

    async def calls(gate: ProcessGate) -> int:
        now = peak = 0

        async def one() -> None:
            nonlocal now, peak
            async with gate():
                now += 1
                peak = max(peak, now)
                await asyncio.sleep(0.03)
                now -= 1

        await asyncio.gather(*(one() for _ in range(7)))
        return peak

    with multiprocessing.get_context("spawn").Manager() as manager:
        semaphore = manager.BoundedSemaphore(2)
        assert asyncio.run(calls(ProcessGate(semaphore))) == 2
        assert semaphore.acquire(False) and semaphore.acquire(False)  # every slot given back
        assert not semaphore.acquire(False)


def test_an_api_model_batch_keeps_one_bound_on_calls_across_its_transcripts(
    shared_dir: Path, tmp_path: Path
) -> None:
    import contextlib

    from fakes import ScriptedResponder, fake_services

    seeds = [shared_dir / "data" / "seed_transcripts" / f"{name}.txt" for name in SEEDS[:3]]
    settings = Settings(**offline(tmp_path, concurrency=3))
    now = peak = 0

    @contextlib.asynccontextmanager
    async def counted() -> Any:
        nonlocal now, peak
        now += 1
        peak = max(peak, now)
        try:
            yield
        finally:
            now -= 1

    services = fake_services(settings, ScriptedResponder(), latency=0.05)
    services.map_writer.retrier.gate = counted  # type: ignore[attr-defined]
    engine = LocalAsync(settings, services=services)
    out = tmp_path / "out"

    lines = longsum.batch(seeds, out, format="extended", engine=engine, settings=settings)

    assert [line["status"] for line in lines] == ["ok"] * 3, lines
    assert peak == 3  # the writer's bound is the batch's, with three transcripts at once
    for seed, line in zip(seeds, lines, strict=True):
        written = json.loads((out / line["output"]).read_text(encoding="utf-8"))
        single = asyncio.run(run_summary(seed, services=services))
        assert written["summary"] == single.summary.model_dump(mode="json", by_alias=True)
        assert line["calls"] > 0 and line["node"] is None


@pytest.mark.usefixtures("isolated_cli")
def test_cli_prints_plain_progress_and_exits_1_when_some_fail(
    shared_dir: Path, tmp_path: Path
) -> None:
    seeds = [shared_dir / "data" / "seed_transcripts" / f"{name}.txt" for name in SEEDS[:2]]
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    out = tmp_path / "out"
    args = ["batch", *map(str, seeds), str(empty), "-o", str(out), "--workers", "2"]

    result = CliRunner().invoke(app, args)

    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len([line for line in lines if line.startswith("[")]) == 3
    assert any("empty.txt: failed:" in line for line in lines)
    assert lines[-1] == f"longsum: 1 of 3 failed; see {out / 'batch.jsonl'}"
    assert sorted(p.name for p in out.iterdir()) == ["batch.jsonl", "rust.json", "zig.json"]

    empty.unlink()
    rerun = CliRunner().invoke(app, [*args[:3], "-o", str(out), "-q"])
    assert rerun.exit_code == 0, rerun.output
    assert rerun.stderr == ""


def test_progress_counts_and_eta_leave_skipped_transcripts_out() -> None:
    import io

    from rich.console import Console

    from longsum.cli.batch_progress import BatchProgress

    now = [0.0]
    console = Console(file=io.StringIO(), width=200)
    progress = BatchProgress(console, clock=lambda: now[0])
    assert progress.live is False
    for status in ("skipped", "ok", "failed", "ok"):
        now[0] += 3.0
        progress.update({"path": "p", "status": status, "tokens": 100, "error": "e"}, 6)
    # 12 s for the 3 run now, 2 to go: 8 s; the skipped one's tokens were spent earlier.
    assert progress.status() == "4/6 transcripts, 1 failed, 1 skipped, 300 tokens, ETA 8 s"
    printed = console.file.getvalue().splitlines()  # type: ignore[attr-defined]
    assert printed[2].startswith("[3/6] p: failed: e (3/6 transcripts, 1 failed")


def test_chapters_formats_refuse_an_untimed_transcript_before_its_run(
    shared_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from longsum.batch.engine import run_job
    from longsum.graphs.services import build_services
    from longsum.tools.chapters import render_chapters

    seed = shared_dir / "data" / "seed_transcripts" / "typescript_fireship.txt"
    words = seed.read_text(encoding="utf-8").split()
    cues = [  # 12 words every 5 s
        f"{_stamp(i // 12 * 5)} --> {_stamp(i // 12 * 5 + 5)}\n{' '.join(words[i : i + 12])}\n"
        for i in range(0, len(words), 12)
    ]
    timed = tmp_path / "timed.vtt"
    timed.write_text("WEBVTT\n\n" + "\n".join(cues), encoding="utf-8")
    services = build_services(Settings(**offline(tmp_path)))

    line = run_job(Job(str(timed), tmp_path / "t.vtt", "vtt-chapters", "h", "k"), services)
    assert line["status"] == "ok", line["error"]
    single = asyncio.run(run_summary(timed, services=services))
    expected = render_chapters(single, "vtt-chapters")
    assert (tmp_path / "t.vtt").read_text(encoding="utf-8") == expected

    def no_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("an untimed transcript was summarized")

    monkeypatch.setattr("longsum.api.run_summary", no_run)
    untimed = shared_dir / "data" / "seed_transcripts" / "zig.txt"
    line = run_job(Job(str(untimed), tmp_path / "u.txt", "chapters", "h", "k"), services)
    assert line["status"] == "failed" and "carries no times" in line["error"]


def _stamp(seconds: int) -> str:
    return f"00:{seconds // 60:02d}:{seconds % 60:02d}.000"


def test_ray_is_imported_only_when_chosen_and_its_absence_is_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import subprocess
    import sys

    probe = "import sys, longsum, longsum.batch.run, longsum.cli.batch; print('ray' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr
    from longsum.batch.ray_engine import import_ray

    monkeypatch.setitem(sys.modules, "ray", None)  # as if the [ray] extra were missing
    with pytest.raises(ConfigError, match=r"pip install 'longsum\[ray\]'"):
        import_ray()
