"""The offline extractive engine piece by piece (chunk notes, collapse, section, topics,
introduction), and the embedders it reads with (``CachedEmbedder``, ``SpanMeanEmbedder``),
all on the hashing embedder: fast, deterministic, and lexical enough to steer."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from longsum.agent.extractive import ExtractiveEngine
from longsum.agent.extractive.bullets import candidates as bullet_candidates
from longsum.agent.extractive.complexity import complexities, rare_share
from longsum.agent.extractive.keyphrases import candidate_phrases
from longsum.agent.fields import rank_fields
from longsum.contract import GENERAL_TOPICS, GLOBAL_TOPIC_PATTERN
from longsum.memory.embeddings import HashingEmbedder
from longsum.memory.span_embeddings import CachedEmbedder, SpanMeanEmbedder
from longsum.tools.sentences import clean_sentence, split_spans

TITLES = [f"Section {i}: Part {c}" for i, c in enumerate("ABCDE", start=1)]


class CountingEmbedder:
    """The hashing embedder, recording every text it is asked to embed."""

    def __init__(self) -> None:
        self.base = HashingEmbedder(64)
        self.seen: list[str] = []

    @property
    def name(self) -> str:
        return self.base.name

    @property
    def dim(self) -> int:
        return self.base.dim

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        self.seen.extend(texts)
        return self.base.embed(texts)


@pytest.fixture
def engine() -> ExtractiveEngine:
    return ExtractiveEngine(CachedEmbedder(HashingEmbedder()))


@pytest.fixture(scope="module")
def seeds(shared_dir: Path) -> dict[str, str]:
    folder = shared_dir / "data" / "seed_transcripts"
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))}


@pytest.fixture(scope="module")
def podcast(shared_dir: Path) -> str:
    """The first 40 turns of a punctuated podcast, ``[HH:MM:SS] Speaker: text`` lines."""
    path = shared_dir / "data" / "real" / "podcast_lex_lisa_randall.txt"
    return "\n".join(path.read_text(encoding="utf-8").splitlines()[:40])


def _first_words(text: str, n: int, skip: int = 0) -> str:
    return " ".join(text.split()[skip : skip + n])


def _vector(engine: ExtractiveEngine, text: str) -> NDArray[np.float32]:
    vector: NDArray[np.float32] = SpanMeanEmbedder(engine.embedder).embed([text])[0]
    return vector


def _sentences(text: str) -> list[str]:
    return [s for s in (clean_sentence(span) for span in split_spans(text)) if s]


# --- chunk notes ----------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["zig", "podcast"])
def test_chunk_notes_are_cleaned_sentences_and_phrases_of_the_chunk(
    engine: ExtractiveEngine, seeds: dict[str, str], podcast: str, source: str
) -> None:
    text = _first_words(seeds["zig"], 260) if source == "zig" else podcast
    notes = engine.chunk_notes(text, ["Ada", "Lin"])
    # The chunk's statements, polished (no question, reply or fragment; see test_bullets).
    own = [c.text for c in bullet_candidates(text)]
    assert 2 <= len(notes.key_points) <= 4
    assert len(set(notes.key_points)) == len(notes.key_points)
    assert all(p in own for p in notes.key_points)
    positions = [own.index(p) for p in notes.key_points]
    assert positions == sorted(positions), "points keep the order of the text"
    candidates = candidate_phrases(text)
    assert 1 <= len(notes.terms) <= 6
    assert all(t.casefold() in candidates for t in notes.terms)
    assert notes.topic == notes.terms[0]
    assert notes.names == ["Ada", "Lin"]


def test_chunk_notes_keep_at_most_eight_names(
    engine: ExtractiveEngine, seeds: dict[str, str]
) -> None:
    speakers = [f"Speaker {i}" for i in range(12)]
    notes = engine.chunk_notes(_first_words(seeds["rust"], 200), speakers)
    assert notes.names == speakers[:8]


def test_chunk_notes_points_are_informative_sentences(
    engine: ExtractiveEngine, seeds: dict[str, str]
) -> None:
    text = _first_words(seeds["mixtral8x7b"], 300)
    notes = engine.chunk_notes(text)
    assert len(notes.key_points) == 4
    assert all(len(p.split()) >= 6 for p in notes.key_points)


def test_chunk_notes_of_a_one_sentence_chunk(engine: ExtractiveEngine) -> None:
    text = "zig allocators are explicit and portable across every target architecture"
    notes = engine.chunk_notes(text)
    assert notes.key_points and all(
        set(p.casefold().rstrip(".").split()) <= set(text.split()) for p in notes.key_points
    )


# --- collapse -------------------------------------------------------------------------------


def test_collapse_keeps_points_in_order_and_the_commonest_terms(
    engine: ExtractiveEngine, seeds: dict[str, str]
) -> None:
    words = seeds["hashing"].split()
    notes = [engine.chunk_notes(" ".join(words[i : i + 250])) for i in range(0, 1000, 250)]
    terms = [["Load", "Ring"], ["Server", "Ring", "Hash"], ["Key", "Hash", "Ring"], ["Node"]]
    names = [["Ada", "Lin"], [], ["Lin", "Bo"], ["Ada"]]
    notes = [
        n.model_copy(update={"terms": t, "names": who})
        for n, t, who in zip(notes, terms, names, strict=True)
    ]
    merged = engine.collapse(notes)
    every = [p for n in notes for p in n.key_points]
    assert 2 <= len(merged.key_points) <= 6
    positions = [every.index(p) for p in merged.key_points]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    assert merged.terms[:2] == ["Ring", "Hash"] and merged.topic == "Ring"
    assert sorted(merged.terms) == sorted({t for ts in terms for t in ts})
    assert merged.names == ["Ada", "Lin", "Bo"]


def test_collapse_spreads_its_points_over_the_notes(
    engine: ExtractiveEngine, seeds: dict[str, str]
) -> None:
    """Diverse points: a collapse of two unrelated talks keeps points of both."""
    zig, sql = seeds["zig"].split(), seeds["sql_backend"].split()
    notes = [
        engine.chunk_notes(" ".join(zig[:250])),
        engine.chunk_notes(" ".join(sql[:250])),
    ]
    merged = engine.collapse(notes)
    assert set(merged.key_points) & set(notes[0].key_points)
    assert set(merged.key_points) & set(notes[1].key_points)


# --- section --------------------------------------------------------------------------------


def _section_inputs(
    engine: ExtractiveEngine, text: str, chunk_words: int = 200
) -> tuple[list[str], str]:
    words = text.split()
    notes = [
        engine.chunk_notes(" ".join(words[i : i + chunk_words]))
        for i in range(0, min(len(words), 4 * chunk_words), chunk_words)
    ]
    points = [p for n in notes for p in n.key_points]
    return points, "\n".join([*points, *(t for n in notes for t in n.terms)])


def test_section_has_four_distinct_bullets_from_its_points(
    engine: ExtractiveEngine, seeds: dict[str, str]
) -> None:
    points, text = _section_inputs(engine, seeds["react_svelte"])
    theme = _vector(engine, text)
    draft = engine.section(points, text, theme, transcript=_vector(engine, seeds["react_svelte"]))
    assert len(draft.bullets) == 4 and len(set(draft.bullets)) == 4
    assert set(draft.bullets) <= set(points)
    positions = [points.index(b) for b in draft.bullets]
    assert positions == sorted(positions)
    assert 1 <= len(draft.topics) <= 3 and len(set(draft.topics)) == len(draft.topics)
    candidates = candidate_phrases(text)
    assert all(t.casefold() in candidates for t in draft.topics)
    assert draft.topics[0] in draft.title


def test_section_bullets_follow_its_theme(engine: ExtractiveEngine, seeds: dict[str, str]) -> None:
    zig, _ = _section_inputs(engine, seeds["zig"], 120)
    sql, _ = _section_inputs(engine, seeds["sql_backend"], 120)
    mixed = [p for pair in zip(zig, sql, strict=False) for p in pair]
    for own, theme_text in ((zig, seeds["zig"]), (sql, seeds["sql_backend"])):
        theme = _vector(engine, theme_text)
        draft = engine.section(mixed, "\n".join(mixed), theme)
        assert sum(b in own for b in draft.bullets) >= 3


def test_section_avoids_the_bullets_a_repair_replaces(
    engine: ExtractiveEngine, seeds: dict[str, str]
) -> None:
    points, text = _section_inputs(engine, seeds["threads_connections"])
    theme = _vector(engine, text)
    first = engine.section(points, text, theme)
    avoid = first.bullets[:2]
    second = engine.section(points, text, theme, avoid=avoid)
    assert len(second.bullets) == 4
    assert not set(second.bullets) & set(avoid)
    assert second.topics == first.topics, "a repair of bullets keeps the section's topics"


def test_section_with_few_points_borrows_the_related_points(
    engine: ExtractiveEngine, seeds: dict[str, str]
) -> None:
    points, _ = _section_inputs(engine, seeds["typescript_fireship"])
    own, extra = points[:2], points[2:]
    text = "\n".join(own)
    draft = engine.section(own, text, _vector(engine, text), extra=extra)
    assert len(draft.bullets) == 4
    assert set(own) <= set(draft.bullets)
    assert set(draft.bullets) - set(own) <= set(extra)


def test_section_with_few_points_fills_in_from_its_own_transcript(
    engine: ExtractiveEngine, seeds: dict[str, str]
) -> None:
    reserve = _first_words(seeds["react"], 250)
    own = _sentences(reserve)[:2]
    text = "\n".join(own)
    draft = engine.section(own, text, _vector(engine, reserve), reserve=reserve)
    assert len(draft.bullets) == 4
    assert set(draft.bullets) <= set(_sentences(reserve))


def test_section_that_must_avoid_everything_still_answers(engine: ExtractiveEngine) -> None:
    points = [
        "Rust is a memory safe compiled language for systems work.",
        "It started as a side project of Graydon Hoare in 2007.",
    ]
    text = "\n".join(points)
    draft = engine.section(points, text, _vector(engine, text), avoid=points)
    assert draft.bullets


# --- topics ---------------------------------------------------------------------------------


def test_topics_come_from_the_chunk_terms(engine: ExtractiveEngine, seeds: dict[str, str]) -> None:
    text = seeds["mixtral8x7b"]
    words = text.split()
    terms = [
        t
        for i in range(0, len(words), 250)
        for t in engine.chunk_notes(" ".join(words[i : i + 250])).terms
    ]
    draft = engine.topics(text, _vector(engine, text), terms=terms)
    assert len(draft.topics) == 5
    assert set(draft.topics) <= set(terms)
    assert all(re.match(GLOBAL_TOPIC_PATTERN, t) for t in draft.topics)
    assert len({t.casefold() for t in draft.topics}) == 5
    avoided = engine.topics(text, _vector(engine, text), terms=terms, avoid=draft.topics[:2])
    assert not {t.casefold() for t in avoided.topics} & {t.casefold() for t in draft.topics[:2]}


def test_topics_without_terms_are_keyphrases_of_the_text(
    engine: ExtractiveEngine, seeds: dict[str, str]
) -> None:
    text = seeds["sql_backend"]
    draft = engine.topics(text, _vector(engine, text))
    assert 3 <= len(draft.topics) <= 5
    candidates = candidate_phrases(text, max_words=2)
    assert all(t.casefold() in candidates for t in draft.topics)


def test_general_topics_are_the_three_nearest_fields_scored_by_rarity(
    engine: ExtractiveEngine, seeds: dict[str, str]
) -> None:
    for name in ("mixtral8x7b", "react", "full-stack"):
        text = seeds[name]
        vector = _vector(engine, text)
        fields = engine.topics(text, vector).general_topics
        names = [g.name for g in fields]
        unit = vector / np.linalg.norm(vector)
        assert names == rank_fields(unit, engine.field_vectors)[:3]
        assert len(set(names)) == 3 and set(names) <= set(GENERAL_TOPICS)
        scores = [g.complexity for g in fields]
        assert scores == sorted(scores, reverse=True), "nearer fields are judged harder"
        assert all(0.05 <= s <= 0.95 and s == round(s, 2) for s in scores)
        level = complexities(rare_share(text), [0.0])[0]
        assert sum(scores) / 3 == pytest.approx(level, abs=0.011), name


# --- introduction ---------------------------------------------------------------------------


def test_introduction_names_speakers_length_topics_and_sections(
    engine: ExtractiveEngine,
) -> None:
    intro = engine.introduction(
        TITLES, ["Zig", "Allocators", "Comptime", "LLVM"], ["Ada", "Lin"], 3723.0, 9000
    )
    text = intro.introduction
    assert text.startswith("This 1 h 2 min conversation between Ada and Lin ")
    assert "Zig, Allocators and Comptime" in text and "LLVM" not in text
    assert "Part A" in text and "Part E" in text and "Section" not in text
    assert text.index("Part A") < text.index("Part C") < text.index("Part E")


def test_introduction_keeps_titles_with_their_own_and_apart(engine: ExtractiveEngine) -> None:
    titles = ["Photo AI and Developers", "Maps and Data", "Pricing", "Growth and Tax", "Exits"]
    intro = engine.introduction(titles, ["Startups"], ["Lex", "Pieter"], 600.0, 100)
    assert intro.introduction.endswith(
        "It opens with Photo AI and Developers, then turns to Maps and Data, then to Pricing, "
        "then to Growth and Tax, and closes with Exits."
    )


@pytest.mark.parametrize(
    ("speakers", "duration", "words", "opening"),
    [
        ([], None, 12345, "This 12,345-word talk is about"),
        (["Ada"], 2520.0, 100, "This 42-minute talk by Ada is about"),
        (["Ada", "Bo", "Cy"], 600.0, 100, "This 10-minute conversation between Ada, Bo and Cy"),
        ([f"S{i}" for i in range(5)], 7200.0, 100, "This 2 h 0 min conversation among 5 speakers"),
    ],
)
def test_introduction_describes_who_and_how_long(
    engine: ExtractiveEngine,
    speakers: list[str],
    duration: float | None,
    words: int,
    opening: str,
) -> None:
    intro = engine.introduction(TITLES, ["Zig", "Memory"], speakers, duration, words)
    assert intro.introduction.startswith(opening)


# --- the embedders the engine reads with ----------------------------------------------------


def test_cached_embedder_embeds_each_text_once() -> None:
    base = CountingEmbedder()
    cached = CachedEmbedder(base)
    first = cached.embed(["alpha beta", "gamma", "alpha beta"])
    second = cached.embed(["gamma", "delta", "alpha beta"])
    assert base.seen == ["alpha beta", "gamma", "delta"]
    assert np.array_equal(first[0], second[2]) and np.array_equal(first[0], first[2])
    assert np.array_equal(second, base.base.embed(["gamma", "delta", "alpha beta"]))
    assert (cached.name, cached.dim) == (base.name, base.dim)
    assert cached.embed([]).shape == (0, base.dim)


def test_cached_embedder_forgets_the_oldest_texts_past_its_bound() -> None:
    base = CountingEmbedder()
    cached = CachedEmbedder(base, max_items=2)
    cached.embed(["a"])
    cached.embed(["b"])
    cached.embed(["c"])
    cached.embed(["a"])
    assert base.seen == ["a", "b", "c", "a"]


def test_cached_embedder_answers_a_call_larger_than_its_memo() -> None:
    cached = CachedEmbedder(HashingEmbedder(), max_items=2)
    cached.embed(["a", "b"])
    assert cached.embed(["a", "c"]).shape == (2, 384)


def test_cached_embedder_reports_to_each_runs_own_hook_when_runs_share_it() -> None:
    """Two runs of one process (a batch, a server) share the embedder: a run whose
    reporting block ended while another still embedded reset the other's hook to None."""
    import threading

    first_batch, go = threading.Event(), threading.Event()

    class Slow(HashingEmbedder):
        def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
            if first_batch.is_set():
                go.wait(10)
            first_batch.set()
            return super().embed(texts)

    cached = CachedEmbedder(Slow(), batch_size=2)
    told: dict[str, list[int]] = {"a": [], "b": []}
    failures: list[BaseException] = []

    def run_b() -> None:
        try:
            with cached.reporting(lambda done, total: told["b"].append(done)):
                cached.embed(["b1", "b2", "b3", "b4"])
        except BaseException as exc:
            failures.append(exc)

    with cached.reporting(lambda done, total: told["a"].append(done)):
        other = threading.Thread(target=run_b)
        other.start()
        first_batch.wait(10)  # run b is embedding, its second batch held back
    go.set()  # run a's block has ended; run b goes on
    other.join(10)
    assert failures == [] and told == {"a": [], "b": [2, 4]}


def test_span_mean_is_the_length_weighted_mean_of_the_spans() -> None:
    spans_embedder = HashingEmbedder()
    embedder = SpanMeanEmbedder(spans_embedder)
    short = "the allocator hands out fresh memory pages"
    long = "so the arena frees every block at once when the request is over and done with"
    text = f"{short}\n{long}"
    row = embedder.embed([text])[0]
    spans = split_spans(text)
    assert spans == [short, long]
    vectors = spans_embedder.embed(spans)
    expected = 7 * vectors[0] + 16 * vectors[1]
    assert np.allclose(row, expected / np.linalg.norm(expected), atol=1e-6)
    assert embedder.name == f"{spans_embedder.name}/content-spans"


def test_span_mean_leaves_out_back_channel_spans() -> None:
    spans_embedder = HashingEmbedder()
    embedder = SpanMeanEmbedder(spans_embedder)
    point = "the arena allocator frees every block when the request ends"
    text = f"{point}\nyeah, I know, right, that's it."
    expected = spans_embedder.embed([point])[0]
    assert np.allclose(embedder.embed([text])[0], expected, atol=1e-6)


def test_span_mean_rows_are_unit_and_one_span_is_its_own_vector() -> None:
    embedder = SpanMeanEmbedder(HashingEmbedder())
    texts = ["zig has no hidden allocations", "", "a b c d e f g h i j " * 20]
    rows = embedder.embed(texts)
    assert rows.shape == (3, 384)
    assert np.allclose(rows[0], HashingEmbedder().embed([texts[0]])[0], atol=1e-6)
    assert np.linalg.norm(rows[2]) == pytest.approx(1.0, abs=1e-5)
    assert np.isfinite(rows).all()
    assert embedder.embed([]).shape == (0, 384)


def test_a_section_without_a_keyphrase_still_has_topics(engine: ExtractiveEngine) -> None:
    # A stretch of numbers with a filler or two has no keyphrase; its section was refused
    # by the draft's schema (no topics) and the run stopped with a pydantic error.
    points = ["412 77 903 15 640 22 318.", "8 51 260 744 19 3 577 ok then."]
    text = "\n".join(points)
    theme = engine.embedder.embed([text])[0]
    draft = engine.section(points, text, theme, reserve="12 44 ok then 90 31 then")
    assert draft.topics and all(t.strip() for t in draft.topics)
