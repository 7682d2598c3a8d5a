"""The issue's bar, end to end: a YouTube auto-caption VTT, a Zoom VTT with ``Name:`` cues,
an SRT lecture and a Whisper JSON each give an offline summary whose bullets are whole
sentences in the speakers' words. The caption files are written here, in each format's
published layout, from the words of real transcripts read in place (none is copied)."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from longsum.api import run_summary
from longsum.tools.parsing import read_transcript
from longsum.tools.sentences import content_words
from test_youtube_vtt import youtube_vtt

SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")


def _stamp(seconds: float, sep: str) -> str:
    ms = round(seconds * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def _turns(shared_dir: Path, name: str, words: int) -> list[tuple[str | None, str]]:
    """(speaker, text) turns of a real transcript, up to about ``words`` words."""
    turns, total = [], 0
    for u in read_transcript(shared_dir / "data" / "real" / name).utterances:
        turns.append((u.speaker, u.text))
        total += len(u.text.split())
        if total >= words:
            break
    return turns


def _cues(turns: list[tuple[str | None, str]], size: int = 9) -> list[tuple[str | None, str]]:
    """Each turn cut into caption-sized cues of ``size`` words: mid-sentence, as captions are."""
    out = []
    for who, text in turns:
        words = text.split()
        out += [(who, " ".join(words[i : i + size])) for i in range(0, len(words), size)]
    return out


def srt_lecture(shared_dir: Path) -> str:
    cues = _cues(_turns(shared_dir, "lecture_vtssum_intro_ml.txt", 2600))
    blocks = [
        f"{i}\n{_stamp(i * 3.0, ',')} --> {_stamp(i * 3.0 + 2.9, ',')}\n{text}\n"
        for i, (_, text) in enumerate(cues, start=1)
    ]
    return "\n".join(blocks)


def zoom_vtt(shared_dir: Path) -> str:
    cues = _cues(_turns(shared_dir, "podcast_lex_lisa_randall.txt", 2600))
    out = ["WEBVTT", ""]
    for i, (who, text) in enumerate(cues, start=1):
        out += [str(i), f"{_stamp(i * 3.0, '.')} --> {_stamp(i * 3.0 + 2.9, '.')}"]
        out += [f"{who}: {text}", ""]
    return "\n".join(out)


def whisper_json(shared_dir: Path) -> str:
    cues = _cues(_turns(shared_dir, "podcast_lex_aravind_srinivas.txt", 2600), size=12)
    segments = [
        {"id": i, "start": i * 4.0, "end": i * 4.0 + 3.9, "text": " " + text}
        for i, (_, text) in enumerate(cues)
    ]
    body = {"text": "".join(s["text"] for s in segments), "segments": segments}
    return json.dumps({**body, "language": "en"})


def youtube_auto(shared_dir: Path) -> str:
    """Auto-captions are lowercase and unpunctuated: the words of a seed transcript."""
    path = shared_dir / "data" / "seed_transcripts" / "full-stack.txt"
    words = re.findall(r"[a-z0-9']+", path.read_text(encoding="utf-8").casefold())[:2600]
    lines = [words[i : i + 7] for i in range(0, len(words), 7)]
    return youtube_vtt(lines).text


FORMATS: dict[str, tuple[str, Callable[[Path], str]]] = {
    "youtube": ("talk.en.vtt", youtube_auto),
    "zoom": ("meeting.vtt", zoom_vtt),
    "lecture": ("lecture.srt", srt_lecture),
    "whisper": ("podcast.json", whisper_json),
}


@pytest.fixture(scope="module", params=sorted(FORMATS))
def summarized(
    request: pytest.FixtureRequest, shared_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, str, dict[str, Any], list[str]]:
    name, build = FORMATS[request.param]
    folder = tmp_path_factory.mktemp(request.param)
    path = folder / name
    path.write_text(build(shared_dir), encoding="utf-8")
    result = asyncio.run(
        run_summary(path, vector_store="memory", cache_dir=folder, embedder="hashing")
    )
    transcript = read_transcript(path)
    spoken = " ".join(u.text for u in transcript.utterances)  # the words, without cue mark-up
    summary = result.summary.model_dump(mode="json", by_alias=True)
    return request.param, spoken, summary, transcript.speakers


def _words(text: str) -> str:
    """Content words, a word said twice in a row once (a bullet drops the stutter)."""
    kept: list[str] = []
    for word in content_words(text):
        if not kept or kept[-1] != word:
            kept.append(word)
    return " ".join(kept)


def _said(bullet: str, speakers: list[str]) -> str:
    head, _, rest = bullet.partition(": ")
    return rest if rest and any(head in s for s in speakers) else bullet


def test_bullets_are_whole_sentences_in_the_speakers_words(
    summarized: tuple[str, str, dict[str, Any], list[str]],
) -> None:
    kind, source, summary, speakers = summarized
    stream = f" {_words(source)} "
    bullets = [b for s in summary["sections"] for b in s["content"]]
    assert len(bullets) == 20
    for bullet in bullets:
        said = _said(bullet, speakers)
        assert said[:1].isupper() and SENTENCE_END.search(said), (kind, bullet)
        assert f" {_words(said)} " in stream, (kind, bullet)
        # A caption line read twice (rolling cues) repeats a run of six words or more;
        # speech repeats shorter ones on purpose ("we think about the ...").
        words = said.casefold().split()
        grams = [tuple(words[i : i + 6]) for i in range(len(words) - 5)]
        assert len(grams) == len(set(grams)), f"{kind}: a phrase repeats in {bullet!r}"
    if kind == "zoom":  # named speakers: every bullet says who
        assert all(_said(b, speakers) != b for b in bullets)
