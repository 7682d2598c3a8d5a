"""Mark-up nobody said (corpus tags, caption sound tags, ``>>``, entities, spelled acronyms)
is taken out in one place, when the transcript is parsed: no model and no bullet sees it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import BaseMessage

from fakes import ScriptedResponder, fake_services
from longsum import parse_text
from longsum.api import run_summary
from longsum.settings import load_settings
from longsum.tools.markup import clean_markup

MARKUP = ("{disfmarker}", "{vocalsound}", "{gap}", "L_C_D_", "[Music]", "(laughs)", ">>", "&amp;")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("so {disfmarker} , we need an L_C_D_ screen {vocalsound}", "so, we need an LCD screen"),
        ("[Music] welcome back [Applause] everyone", "welcome back everyone"),
        (">> HOST: so (laughs) it works", "HOST: so it works"),
        ("Tom &amp; Jerry&#39;s show", "Tom & Jerry's show"),
        ("♪ never gonna give you up ♪", "never gonna give you up"),
        ("[BLANK_AUDIO]", ""),
        ("{vocalsound} {gap}", ""),
    ],
)
def test_markup_goes_and_the_words_stay(raw: str, clean: str) -> None:
    assert clean_markup(raw) == clean


@pytest.mark.parametrize(
    "kept",
    [
        "see the appendix (see above) for the numbers",  # a parenthesis of words is speech
        "at [00:12:03] he said it",  # a stamp inside the text is not a sound tag
        "as in reference [1], the model converges",
        "the ratio is 3 > 2 and 2 >> 1 in big-O terms",
    ],
)
def test_speech_that_looks_like_markup_is_kept(kept: str) -> None:
    assert clean_markup(kept) == kept


def test_every_format_is_cleaned_when_parsed() -> None:
    timestamped = (
        "[00:00:01] Project Manager: Okay {disfmarker} so the L_C_D_ screen {vocalsound}\n"
        "[00:00:05] Marketing: {vocalsound}\n"
        "[00:00:09] Marketing: It costs more &amp; sells less.\n"
    )
    srt = (
        "1\n00:00:01,000 --> 00:00:02,000\n[Music]\n\n"
        "2\n00:00:02,000 --> 00:00:05,000\n>> So welcome back (applause)\n\n"
        "3\n00:00:05,000 --> 00:00:08,000\nto the show &amp; the talk.\n"
    )
    vtt = "WEBVTT\n\n00:00.000 --> 00:02.000\n[Laughter] Right, &quot;exactly&quot;.\n"
    texts = {
        "timestamped": [u.text for u in parse_text(timestamped).utterances],
        "srt": [u.text for u in parse_text(srt).utterances],
        "vtt": [u.text for u in parse_text(vtt).utterances],
    }
    assert texts == {
        "timestamped": ["Okay so the LCD screen", "It costs more & sells less."],
        "srt": ["So welcome back to the show & the talk."],  # cues join into sentences
        "vtt": ['Right, "exactly".'],
    }


def test_no_prompt_carries_corpus_markup(shared_dir: Path, tmp_path: Path) -> None:
    """The AMI meeting is full of {disfmarker}, {vocalsound} and L_C_D_: none reaches the
    model (the 0.5B model once titled a section with "Disfmarker")."""
    sent: list[str] = []
    scripted = ScriptedResponder()

    class Recording(ScriptedResponder):
        def __call__(self, messages: list[BaseMessage], schema: dict[str, Any] | None) -> str:
            sent.append("\n".join(str(m.content) for m in messages))
            return scripted(messages, schema)

    settings = load_settings(cache_dir=tmp_path / "cache", vector_store="memory")
    services = fake_services(settings, Recording())
    path = shared_dir / "data/real/meeting_ami_IS1004c.txt"
    result = asyncio.run(run_summary(path, services=services))
    assert sent and result.summary
    leaked = {mark for prompt in sent for mark in MARKUP if mark in prompt}
    assert leaked == set()


def test_entities_are_decoded_once() -> None:
    # A caption that shows the text "&lt;div&gt;" writes it "&amp;lt;div&amp;gt;": decoded
    # once it reads "&lt;div&gt;"; a second decoding would turn it into a tag, "<div>".
    vtt = "WEBVTT\n\n00:00.000 --> 00:02.000\nType &amp;lt;div&amp;gt; here.\n"
    srt = "1\n00:00:00,000 --> 00:00:02,000\nType &amp;lt;div&amp;gt; here.\n"
    for text in (vtt, srt):
        assert [u.text for u in parse_text(text).utterances] == ["Type &lt;div&gt; here."]
