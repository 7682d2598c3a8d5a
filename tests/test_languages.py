"""Not only English: German keeps its umlauts in keyphrases and titles, and Chinese or
Japanese text without spaces gets sentence-sized spans, keyphrases and a contract-valid
summary through the offline engine (the hashing embedder: fast, no model, no network)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from longsum.agent.extractive.complexity import rare_share
from longsum.agent.extractive.keyphrases import KeyphraseExtractor, candidate_phrases, label
from longsum.api import RunResult, run_summary
from longsum.contract import GLOBAL_TOPIC_PATTERN
from longsum.memory.embeddings import HashingEmbedder
from longsum.tools.chunking import chunk_utterances
from longsum.tools.languages import guess_language, join_units, segment, word_units
from longsum.tools.parsing import read_transcript
from longsum.tools.sentences import (
    MAX_WORDS,
    content_words,
    is_punctuated,
    speech_lines,
    split_spans,
)
from longsum.tools.tokens import WhitespaceTokenizer
from longsum.tools.transcript import Utterance
from longsum.tools.validation import validate_summary

FIXTURES = Path(__file__).parent / "fixtures"
GERMAN, CHINESE, JAPANESE = "german_podcast", "chinese_meeting", "japanese_lecture"
UMLAUT_WORDS = ("größe", "straße", "mädchen", "über")
BROKEN = re.compile(r"^(?:ber|tzlich|dchen|stra|gr|e|nderung|glich)$", re.IGNORECASE)
"""What ASCII-only word patterns made of German words ("über" -> "ber", "Größe" -> "Gr" and
"e", "plötzlich" -> "tzlich")."""


def read(name: str) -> str:
    return (FIXTURES / f"{name}.txt").read_text(encoding="utf-8")


def spoken(name: str) -> str:
    """The fixture with its whitespace out: CJK text, as a bullet may quote it."""
    return re.sub(r"\s+", "", read(name))


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No model, store or cache from the environment: the offline engine, in tmp."""
    monkeypatch.setenv("LONGSUM_CACHE_DIR", str(tmp_path / "env-cache"))
    for name in ("LONGSUM_MODEL", "LONGSUM_MAP_MODEL", "LONGSUM_EMBEDDER", "LONGSUM_VECTOR_STORE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def summary(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], dict[str, Any]]:
    """The offline summary (contract JSON) of a fixture, made once per module."""
    done: dict[str, dict[str, Any]] = {}

    def run(name: str) -> dict[str, Any]:
        if name not in done:
            result: RunResult = asyncio.run(
                run_summary(
                    FIXTURES / f"{name}.txt",
                    vector_store="memory",
                    cache_dir=tmp_path_factory.mktemp(name),
                    embedder="hashing",
                )
            )
            assert result.extended["engine"] == "extractive"
            done[name] = result.summary.model_dump(mode="json", by_alias=True)
        return done[name]

    return run


def named(data: dict[str, Any]) -> list[str]:
    """Topics, section titles (without 'Section N: ') and section topics."""
    found = list(data["topics"])
    for section in data["sections"]:
        found += [section["title"].split(": ", 1)[1], *section["topics"]]
    return found


# --- German: letters of any alphabet ----------------------------------------------------------


def test_german_words_keep_their_umlauts() -> None:
    text = read(GERMAN)
    vocabulary = set(re.findall(r"\w+", text.lower()))
    candidates = candidate_phrases(text)
    words = {w for phrase in candidates for w in phrase.split()}
    assert words <= vocabulary, words - vocabulary  # whole words only, never 'ber'
    assert {"größe", "straße", "mädchen"} <= words
    assert "über" in content_words("Wir sprechen über die Größe")
    assert label("größe", None) == "Größe"


def test_german_phrases_end_in_a_noun_and_skip_common_words() -> None:
    found = candidate_phrases("Die Abfrage dauerte plötzlich dreißig Sekunden. Das ist über alles.")
    assert "abfrage" in found and "dreißig sekunden" in found
    assert not {"dauerte plötzlich", "das ist", "über", "ist"} & set(found)


def test_german_keyphrases_are_labelled_in_the_speakers_spelling() -> None:
    extractor = KeyphraseExtractor(HashingEmbedder())
    found = extractor.extract([read(GERMAN)], top_n=12)[0]
    assert found
    for keyphrase in found:
        assert not any(BROKEN.match(w) for w in keyphrase.label.split()), keyphrase
        assert keyphrase.label.split()[-1][0].isupper()  # a German noun


def test_german_summary_keeps_the_contract_and_its_umlauts(
    summary: Callable[[str], dict[str, Any]],
) -> None:
    data = summary(GERMAN)
    assert validate_summary(data) == []
    vocabulary = set(re.findall(r"\w+", read(GERMAN).lower()))
    names = named(data)
    for name in names:
        assert all(w in vocabulary for w in re.findall(r"\w+", name.lower())), name
        assert not any(BROKEN.match(w) for w in name.split()), name
    assert re.search("[äöüßÄÖÜ]", " ".join(names)), names
    bullets = " ".join(b for s in data["sections"] for b in s["content"])
    assert any(w in bullets.lower() for w in UMLAUT_WORDS)


# --- Chinese and Japanese: text without spaces --------------------------------------------------


def test_the_language_of_each_fixture_is_recognised() -> None:
    assert [guess_language(read(n)) for n in (GERMAN, CHINESE, JAPANESE)] == ["de", "zh", "ja"]
    assert guess_language("So we talked about the allocator and the garbage collector.") == "en"


def test_cjk_units_count_like_words_and_rejoin_without_spaces() -> None:
    text = "我们今天讨论倒排索引，还有BM25排序。 Then English"
    units = word_units(text)
    assert len(units) == 9 and units[-2:] == ["Then", "English"]
    assert join_units(units) == text
    assert word_units("plain English text") == ["plain", "English", "text"]


def test_chinese_is_cut_into_dictionary_words() -> None:
    assert segment("它会考虑一个词在文档里出现了多少次", "zh")[5:9] == ["文档", "里", "出现", "了"]
    found = candidate_phrases(read(CHINESE))
    assert {"倒排索引", "向量检索", "排序"} <= set(found)
    assert all(len(p) >= 2 and " " not in p for p in found if not p.isascii())


def test_japanese_keyphrases_are_loanwords_and_kanji_words() -> None:
    found = candidate_phrases(read(JAPANESE))
    assert {"キャッシュ", "メインメモリ", "仕組み"} <= set(found)
    assert not any(re.search("[\u3040-\u309f]$", p) and p != "仕組み" for p in found)


@pytest.mark.parametrize("name", [CHINESE, JAPANESE])
def test_cjk_spans_are_sentences_within_the_cap(name: str) -> None:
    text = read(name)
    assert is_punctuated(text)
    spans = split_spans(text)
    assert len(spans) > 30
    assert all(len(word_units(s)) <= MAX_WORDS for s in spans)
    assert "".join(spans) == re.sub(r"\s+", "", "".join(speech_lines(text)))  # nothing lost
    ends = sum(s.endswith(("。", "！", "？")) for s in spans)
    assert ends >= 0.9 * len(spans)


def test_a_long_cjk_sentence_is_cut_at_a_comma() -> None:
    sentence = "，".join(["我们每天处理几千万次查询"] * 12) + "。"
    spans = split_spans(sentence)
    assert len(spans) >= 2 and "".join(spans) == sentence
    assert all(s.endswith(("，", "。")) for s in spans)


def test_whitespace_tokens_count_cjk_characters_and_chunks_cut_at_full_stops() -> None:
    tokenizer = WhitespaceTokenizer()
    assert tokenizer.count("倒排索引 is fast。") == 6
    assert tokenizer.truncate("倒排索引 is fast", 5) == "倒排索引 is"
    text = read(JAPANESE).replace("\n", "")
    talk = [Utterance(index=0, text=text)]
    chunks = chunk_utterances(talk, max_tokens=300, overlap_tokens=30, tokenizer=tokenizer)
    assert len(chunks) > 3 and all(c.token_count <= 300 for c in chunks)
    assert all(c.own_text.endswith("。") for c in chunks)


@pytest.mark.parametrize("name", [CHINESE, JAPANESE])
def test_cjk_summary_keeps_the_contract(
    summary: Callable[[str], dict[str, Any]], name: str
) -> None:
    data = summary(name)
    assert validate_summary(data) == []
    source = spoken(name)
    assert all(re.fullmatch(GLOBAL_TOPIC_PATTERN, t) for t in data["topics"])
    for topic in [*data["topics"], *(t for s in data["sections"] for t in s["topics"])]:
        assert topic.replace(" ", "") in source or topic.lower() in read(name).lower(), topic
    bullets = [b for s in data["sections"] for b in s["content"]]
    assert len(set(bullets)) == 20
    for bullet in bullets:  # a sentence of the transcript (the engine may add a final stop)
        said = re.sub(r"^说话人\d：", "", bullet)  # attributed to its speaker, as Chinese writes it
        assert said.rstrip(".").replace(" ", "") in source, bullet


def test_full_width_colon_labels_are_speakers() -> None:
    transcript = read_transcript(FIXTURES / f"{CHINESE}.txt")
    assert transcript.speakers == ["说话人1", "说话人2", "说话人3"]
    assert not any("说话人" in u.text for u in transcript.utterances)


def test_complexity_reads_rarity_in_the_transcripts_language() -> None:
    # English rarity made every German, Chinese and Japanese word rare (0.95 for all).
    for name in (GERMAN, CHINESE, JAPANESE):
        assert 0.1 < rare_share(read(name)) < 0.4, name
