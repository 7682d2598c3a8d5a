"""The summarization graph end to end, on a scripted fake model (no network, no real model)."""

from __future__ import annotations

import asyncio
import gc
import json
from pathlib import Path
from typing import Any

import pytest

from fakes import ScriptedResponder, fake_services
from longsum.api import build_graph, run_summary
from longsum.contract import Summary
from longsum.errors import ConfigError, SummaryValidationError
from longsum.graphs.services import Services
from longsum.memory.checkpoints import open_checkpointer
from longsum.settings import load_settings
from longsum.tools.validation import validate_summary


def services_for(tmp_path: Path, responder: ScriptedResponder, **options: Any) -> Services:
    settings = load_settings(cache_dir=tmp_path / "cache", vector_store="memory", **options)
    return fake_services(settings, responder)


def run(path: Path, services: Services, **kwargs: Any) -> Any:
    return asyncio.run(run_summary(path, services=services, **kwargs))


@pytest.fixture
def seed(shared_dir: Path) -> Path:
    return shared_dir / "data/seed_transcripts/mixtral8x7b.txt"


def test_whole_graph_on_a_seed_transcript(tmp_path: Path, seed: Path) -> None:
    responder = ScriptedResponder()
    result = run(seed, services_for(tmp_path, responder))
    summary = result.summary.model_dump(mode="json", by_alias=True)
    assert validate_summary(summary) == []
    assert [s["title"].split(":")[0] for s in summary["sections"]] == [
        f"Section {i}" for i in range(1, 6)
    ]
    ext = result.extended
    chunk_ids = [c["id"] for c in ext["chunks"]]
    covered = [cid for s in ext["sections"] for cid in s["chunk_ids"]]
    assert covered == chunk_ids, "sections must cover every chunk exactly once, in order"
    usage = ext["usage"]
    assert usage["llm_calls"] == len(chunk_ids) + 5 + 2
    assert usage["prompt_tokens"] > ext["transcript"]["tokens"]
    assert usage["prompt_to_transcript"] == pytest.approx(
        usage["prompt_tokens"] / ext["transcript"]["tokens"], abs=1e-3
    )
    assert all(c["latency_s"] >= 0 and c["completion_tokens"] > 0 for c in ext["calls"])


def test_map_fans_out_one_call_per_chunk(tmp_path: Path, seed: Path) -> None:
    responder = ScriptedResponder()
    result = run(seed, services_for(tmp_path, responder))
    chunks = result.extended["chunks"]
    assert len(chunks) >= 8
    assert sorted(responder.notes_parts) == list(range(1, len(chunks) + 1))


def test_collapse_triggers_past_budget_and_stops_at_its_bound(tmp_path: Path, seed: Path) -> None:
    responder = ScriptedResponder()
    services = services_for(
        tmp_path, responder, reduce_budget=500, max_collapse_depth=1, min_chunks=16
    )
    result = run(seed, services)
    ext = result.extended
    assert ext["collapse_depth"] == 1
    assert responder.kinds["collapse"] > 0
    collapsed = [n for n in ext["notes"] if n["level"] == 1]
    assert collapsed and all(len(n["chunk_ids"]) >= 2 for n in collapsed)
    ordered = [cid for n in ext["notes"] for cid in n["chunk_ids"]]
    assert ordered == [c["id"] for c in ext["chunks"]], "collapse keeps every chunk id in order"
    assert validate_summary(result.summary.model_dump(mode="json", by_alias=True)) == []


def test_collapse_is_not_run_under_budget(tmp_path: Path, seed: Path) -> None:
    responder = ScriptedResponder()
    result = run(seed, services_for(tmp_path, responder))
    assert result.extended["collapse_depth"] == 0 and responder.kinds["collapse"] == 0


def test_each_section_retrieves_chunks_from_outside_itself(tmp_path: Path, seed: Path) -> None:
    services = services_for(tmp_path, ScriptedResponder(), related_min_score=-1.0)
    result = run(seed, services)
    for section in result.extended["sections"]:
        related = [hit["chunk_id"] for hit in section["related"]]
        assert related, f"section {section['index']} retrieved nothing"
        assert not set(related) & set(section["chunk_ids"])
        scores = [hit["score"] for hit in section["related"]]
        assert scores == sorted(scores, reverse=True)


def test_repair_loop_fixes_a_dpo_style_answer_within_its_bound(tmp_path: Path, seed: Path) -> None:
    responder = ScriptedResponder(faults="dpo")
    result = run(seed, services_for(tmp_path, responder, max_repair_rounds=2))
    validation = result.extended["validation"]
    assert 1 <= validation["repair_rounds"] <= 2
    assert responder.kinds["repair_section"] == 5 and responder.kinds["repair_topics"] == 1
    assert responder.kinds["repair_intro"] == 0, "a piece without violations is not touched"
    titles = [s.title for s in result.summary.sections]
    assert not any("Repaired" in t for t in titles), "a field no violation named is kept"
    changes = [
        c for r in validation["repairs"] if r["kind"] == "deterministic" for c in r["changes"]
    ]
    assert any("Artificial Intelligence (AI) and Machine Learning" in c for c in changes)
    assert validate_summary(result.summary.model_dump(mode="json", by_alias=True)) == []


def test_a_model_that_never_answers_validly_fails_clearly(tmp_path: Path, seed: Path) -> None:
    responder = ScriptedResponder(faults="never")
    services = services_for(tmp_path, responder, max_repair_rounds=2)
    with pytest.raises(SummaryValidationError, match="after 2 repair round") as caught:
        run(seed, services)
    message = str(caught.value)
    assert "saved in" in message and "\n" not in message
    saved = Path(message.rsplit("saved in ", 1)[1])
    record = json.loads(saved.read_text(encoding="utf-8"))
    assert record["violations"] and len(record["candidate"]["sections"]) == 5
    assert caught.value.violations == record["violations"]


def test_a_chunk_whose_calls_fail_gets_degraded_notes(tmp_path: Path, seed: Path) -> None:
    responder = ScriptedResponder(fail_chunks=[2])
    result = run(seed, services_for(tmp_path, responder, llm_attempts=2))
    degraded = [n for n in result.extended["notes"] if n["degraded"]]
    assert [n["chunk_ids"] for n in degraded] == [["c001"]]
    assert responder.notes_parts.count(2) == 2  # retried once, then the error handler


def test_second_run_reuses_cached_notes(tmp_path: Path, seed: Path) -> None:
    first = ScriptedResponder()
    run(seed, services_for(tmp_path, first))
    second = ScriptedResponder()
    result = run(seed, services_for(tmp_path, second))
    assert second.kinds["notes"] == 0
    usage = result.extended["usage"]
    assert usage["cached_calls"] == len(result.extended["chunks"])
    assert usage["by_node"].get("summarize_chunk") is None


@pytest.mark.filterwarnings("ignore:coroutine .* was never awaited:RuntimeWarning")
def test_resume_after_an_interrupted_run_repeats_no_finished_chunk(
    tmp_path: Path, seed: Path
) -> None:
    database = tmp_path / "checkpoints.sqlite"
    config = {"configurable": {"thread_id": "t1"}}

    def graph_for(responder: ScriptedResponder, saver: Any) -> Any:
        settings = load_settings(cache_dir=tmp_path / "cache", vector_store="memory", concurrency=1)
        services = fake_services(settings, responder, latency=0.4)
        return build_graph(services=services, checkpointer=saver)  # no notes cache here

    async def killed_during_the_map(responder: ScriptedResponder) -> None:
        async with open_checkpointer(database) as saver:
            run = asyncio.create_task(
                graph_for(responder, saver).ainvoke({"path": str(seed), "run_id": "t1"}, config)
            )
            while len(responder.notes_parts) < 4:  # four answered, the fifth in flight
                await asyncio.sleep(0.005)
            await asyncio.sleep(0.2)  # the fourth is checkpointed; the fifth still runs
            run.cancel()  # the process dies here
            with pytest.raises(asyncio.CancelledError):
                await run

    async def resumed(responder: ScriptedResponder) -> dict[str, Any]:
        async with open_checkpointer(database) as saver:
            graph = graph_for(responder, saver)
            assert (await graph.aget_state(config)).next, "the run should be unfinished"
            return dict(await graph.ainvoke(None, config))

    first = ScriptedResponder()
    asyncio.run(killed_during_the_map(first))
    # A dead process loses its uncommitted write and its lock. Here the killed run's last
    # write can still sit, uncommitted, in a task its closed loop never finished: collect it.
    gc.collect()
    finished = list(first.notes_parts)
    assert len(finished) == 4
    second = ScriptedResponder()
    final = asyncio.run(resumed(second))
    assert not set(finished) & set(second.notes_parts), "a finished chunk was summarized again"
    total = len(final["extended"]["chunks"])
    assert sorted(finished + second.notes_parts) == list(range(1, total + 1))
    Summary.model_validate(final["summary"])


def test_a_write_a_cancelled_run_left_uncommitted_does_not_lock_the_next_run(
    tmp_path: Path,
) -> None:
    """Measured under load: the killed run's last INSERT had no COMMIT, and its connection,
    closed with the statement unfinalized, kept the file locked for the resumed run."""
    from langgraph.checkpoint.base import empty_checkpoint

    database = tmp_path / "checkpoints.sqlite"
    config = {"configurable": {"thread_id": "t", "checkpoint_ns": ""}}

    async def write_a_checkpoint() -> None:
        async with open_checkpointer(database) as saver:
            await saver.aput(config, empty_checkpoint(), {"step": 1}, {})

    async def write_and_abandon() -> None:
        async with open_checkpointer(database) as saver:
            cursor = await saver.conn.cursor()
            row = ("t", "", "c", "task", 0, "channel", "json", b"{}", "")
            await cursor.executemany("INSERT INTO writes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [row])
            stranded: list[Any] = [cursor]
            stranded.append(stranded)  # held by a cycle, as the cancelled task's frame held it

    asyncio.run(write_a_checkpoint())
    asyncio.run(write_and_abandon())
    asyncio.run(write_a_checkpoint())  # "database is locked" after 5 s, before the fix


def test_driving_the_graph_synchronously_says_how_to_drive_it(
    tmp_path: Path, shared_dir: Path
) -> None:
    # Its model calls have timeouts, which LangGraph runs only on the async path: a sync
    # invoke must say so, not return None or degrade every chunk as if the model failed.
    graph = build_graph(services=services_for(tmp_path, ScriptedResponder()))
    with pytest.raises(ConfigError, match="ainvoke"):
        graph.invoke({"path": str(shared_dir / "data/seed_transcripts/zig.txt")})


def test_a_model_that_repeats_a_bullet_on_every_repair_still_gets_four(
    tmp_path: Path, seed: Path
) -> None:
    # Seen with the 0.5B model: the repair of "3 bullets" answered the same duplicate twice,
    # and the run failed over a point its own notes held.
    responder = ScriptedResponder(faults="repeat")
    result = run(seed, services_for(tmp_path, responder))
    assert result.extended["validation"]["repair_rounds"] == 1
    points = {p for n in result.extended["notes"] for p in n["key_points"]}
    for section in result.summary.model_dump(mode="json", by_alias=True)["sections"]:
        bullets = section["content"]
        assert len(set(bullets)) == 4
        assert bullets[3] in points, "the fourth bullet comes from the section's notes"
        assert len(set(section["topics"])) == 3


def test_a_model_that_copies_another_sections_bullets_on_every_repair_still_ends_valid(
    tmp_path: Path, seed: Path
) -> None:
    # Seen with the 0.5B model on an AMI meeting: section 5 wrote section 4's four bullets,
    # its repair wrote them again on both rounds, and the run failed. One call at a time, so
    # every section after the first is written after (and copies) the one before it.
    responder = ScriptedResponder(faults="copy")
    result = run(seed, services_for(tmp_path, responder, concurrency=1))
    validation = result.extended["validation"]
    blamed = [line for r in validation["repairs"] if r["kind"] == "llm" for line in r["violations"]]
    assert blamed == [
        f"$.sections[{i}].content: has the same bullets as $.sections[0].content; write its own"
        for i in range(1, 5)
    ]
    assert all("content[3]: is already a bullet of section 1" in p for p in responder.repairs)
    assert validation["repair_rounds"] == 1, "fixed in code, without another model call"
    assert responder.kinds["repair_section"] == 4
    summary = result.summary.model_dump(mode="json", by_alias=True)
    assert validate_summary(summary) == []
    bullets = [b.casefold() for s in summary["sections"] for b in s["content"]]
    assert len(set(bullets)) == len(bullets) == 20, "no two sections share a bullet"
    points = {p for n in result.extended["notes"] for p in n["key_points"]}
    assert set(summary["sections"][0]["content"]) == set(responder.bullets[1])
    assert all(set(s["content"]) <= points for s in summary["sections"][1:])


def test_a_model_that_names_a_global_topic_twice_on_every_repair_still_ends_valid(
    tmp_path: Path, seed: Path
) -> None:
    # Seen with the 0.5B model on an AMI meeting, twice: the topics answer held one topic
    # twice, the deterministic repair dropped it, both repair rounds wrote it twice again,
    # and the run failed with "$.topics: has 4 topics; exactly 5 are required".
    responder = ScriptedResponder(faults="twice")
    result = run(seed, services_for(tmp_path, responder))
    summary = result.summary.model_dump(mode="json", by_alias=True)
    assert validate_summary(summary) == []
    topics = summary["topics"]
    assert len({t.casefold() for t in topics}) == 5
    section_topics = {t for s in summary["sections"] for t in s["topics"]}
    assert topics[4] in section_topics, "the fifth comes from the sections' own topics"
    assert responder.kinds["repair_topics"] >= 1
