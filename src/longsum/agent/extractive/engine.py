"""The offline extractive engine: every piece an LLM would write, chosen from the transcript.

It answers the same requests as the chat model, with the same draft types, so the graph,
its validation and its extended result are the same whichever engine runs:

- chunk notes: the chunk's most central, mutually diverse sentences (centrality + MMR over
  the span embeddings the index was built from), cleaned; its KeyBERT keyphrases as terms;
- collapsed notes: the group's most central, diverse points;
- a section: 4 bullets by MMR among its notes' points, ranked by similarity to the section's
  theme (its chunks' mean vector, nudged toward its retrieved related chunks); title and 3
  topics from the keyphrases most particular to the section (similar to it, less so to the
  whole transcript);
- the overview: 5 one-or-two-word keyphrases of the whole transcript, the 3 fields whose
  descriptions are nearest to it with :mod:`.complexity`'s calibrated scores, and an
  introduction composed from the speakers, duration, topics and section titles.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from longsum.agent.extractive.bullets import at_least_two, candidates, said, speaker_weights
from longsum.agent.extractive.complexity import complexities, rare_share
from longsum.agent.extractive.intro import introduction
from longsum.agent.extractive.keyphrases import KeyphraseExtractor
from longsum.agent.extractive.labels import commonest_words, names_a_subject, section_title
from longsum.agent.extractive.select import mmr, unit
from longsum.agent.fields import field_vectors, rank_fields
from longsum.agent.schemas import (
    ChunkNotesDraft,
    GeneralTopicDraft,
    IntroDraft,
    SectionDraft,
    TopicsDraft,
)
from longsum.contract import GENERAL_TOPICS, GLOBAL_TOPIC_PATTERN
from longsum.embedding import Embedder
from longsum.tools.sentences import (
    MIN_CONTENT_WORDS,
    clean_sentence,
    content_words,
    informative_spans,
    split_spans,
)

__all__ = ["ENGINE_ID", "ExtractiveEngine"]

ENGINE_ID = "extractive"
BULLETS, SECTION_TOPICS, GLOBAL_TOPICS, FIELDS = 4, 3, 5, 3
NOTE_POINTS = 4
GENERIC_PENALTY = 0.5
"""How much a keyphrase's similarity to the whole transcript counts against it as a
section's topic: enough that the podcast's subject does not title every section."""
SPREAD_WEIGHT = 0.05
"""Bonus per unit of log(1 + chunks a term was found in): a term the whole conversation
keeps returning to beats one that is merely similar to its average."""
RELATED_WEIGHT = 0.2
"""Share of a section's theme taken from its related chunks elsewhere in the transcript."""


TERM_WEIGHT = 0.4
"""Share of a chunk's focus taken from its top three keyphrases (the rest: its mean)."""

_GLOBAL_TOPIC = re.compile(GLOBAL_TOPIC_PATTERN)


class NotesLike(Protocol):
    """Anything with notes' fields (a draft, or the graph's stored notes)."""

    @property
    def topic(self) -> str: ...
    @property
    def key_points(self) -> list[str]: ...
    @property
    def terms(self) -> list[str]: ...
    @property
    def names(self) -> list[str]: ...


class ExtractiveEngine:
    """Writes notes, sections and the overview without a language model (see module doc)."""

    model_id = ENGINE_ID

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self.keyphrases = KeyphraseExtractor(embedder)

    @property
    def field_vectors(self) -> NDArray[np.floating]:
        """Embeddings of the twelve fields' descriptions (cached by :func:`field_vectors`)."""
        return field_vectors(self.embedder)

    def chunk_notes(self, text: str, speakers: Sequence[str] = ()) -> ChunkNotesDraft:
        """Notes on a chunk's own text: its central, diverse statements (see
        :mod:`.bullets`), favouring whoever carries the content."""
        found = candidates(text)
        spans = informative_spans(text) or [text]
        bodies = [c.body for c in found] or spans
        vectors = self.embedder.embed(bodies)
        theme = unit((vectors * _lengths(bodies)[:, None]).sum(axis=0))
        phrases = self.keyphrases.extract([text], theme[None, :], top_n=6)[0]
        terms = [k.label for k in phrases]
        # Points that name what the chunk is about, not only sound like its average: the
        # focus leans toward its top keyphrases (a reader skims for the subjects).
        focus = theme
        if phrases:
            named = unit(self.embedder.embed([k.phrase for k in phrases[:3]]).mean(axis=0))
            focus = unit((1 - TERM_WEIGHT) * theme + TERM_WEIGHT * named)
        if found:
            weights = speaker_weights(text)
            prior = np.array([weights.get(c.speaker, 1.0) for c in found])
            texts = [c.text for c in found]
            points = self._pick(texts, vectors, focus, NOTE_POINTS, cleaned=True, prior=prior)
        else:  # nothing in it reads as a statement: its most central spans, cleaned
            points = self._pick(spans, vectors, focus, NOTE_POINTS)
        return ChunkNotesDraft(
            # Capped: five "words" of a text without spaces can be any length.
            topic=(terms[0] if terms else " ".join(text.split()[:5]))[:60],
            key_points=at_least_two(points, spans),
            terms=terms,
            names=list(speakers)[:8],
        )

    def collapse(self, notes: Sequence[NotesLike]) -> ChunkNotesDraft:
        """One set of notes for a run of consecutive notes."""
        points = [p for n in notes for p in n.key_points]
        chosen = sorted(mmr(self.embedder.embed([said(p) for p in points]), 6))
        terms = Counter(t for n in notes for t in n.terms)
        names = list(dict.fromkeys(name for n in notes for name in n.names))
        return ChunkNotesDraft(
            topic=(terms.most_common(1)[0][0] if terms else notes[0].topic)[:60],
            key_points=at_least_two([points[i] for i in chosen], points),
            terms=[t for t, _ in terms.most_common(8)],
            names=names[:8],
        )

    def section(
        self,
        points: Sequence[str],
        text: str,
        theme: NDArray[np.floating],
        *,
        related: NDArray[np.floating] | None = None,
        transcript: NDArray[np.floating] | None = None,
        avoid: Sequence[str] = (),
        reserve: str = "",
        extra: Sequence[str] = (),
    ) -> SectionDraft:
        """A section from its notes' ``points`` and ``text`` (for keyphrases). When its
        points are too few for four bullets, sentences of ``reserve`` (its own transcript)
        fill in, then ``extra`` (the related chunks' points); ``avoid`` lists bullets a
        repair wants replaced."""
        focus = unit(np.asarray(theme, dtype=np.float64))
        if related is not None and len(related):
            nudge = unit(np.asarray(related, dtype=np.float64).mean(axis=0))
            focus = unit((1 - RELATED_WEIGHT) * focus + RELATED_WEIGHT * nudge)
        banned = {_key(b) for b in avoid}
        bullets: list[str] = []
        # Its own points first; when too few for four bullets, other sentences of its own
        # transcript (polished only then: the costly read), the related chunks' points, and
        # as a last resort (a repair that banned everything there is) the banned ones.
        sources: list[tuple[Callable[[], Sequence[str]], set[str]]] = [
            (lambda: points, banned),
            (lambda: [c.text for c in candidates(reserve)], banned),
            (lambda: extra, banned),
            (lambda: _pieces([*points, reserve]), set()),
        ]
        for read, ban in sources:
            if len(bullets) >= BULLETS:
                break
            more = read()
            taken = ban | {_key(b) for b in bullets}
            pool = [s for s in dict.fromkeys(more) if s and _key(s) not in taken]
            if pool:
                # The statements as the chunk's notes embedded them (the run's embedding
                # memo then answers): a speaker's name is no part of what was said.
                vectors = self.embedder.embed([said(p) for p in pool])
                want = BULLETS - len(bullets)
                if more is points and len(pool) >= 2 * want:
                    # Its own points are in time order: one from each stretch of the
                    # section, so four bullets tell four parts of it, not one part four times.
                    for part in np.array_split(np.arange(len(pool)), want):
                        picked = [pool[i] for i in part]
                        bullets += self._pick(picked, vectors[part], focus, 1, cleaned=True)
                else:
                    bullets += self._pick(pool, vectors, focus, want, cleaned=True)
        labels = self._particular_phrases(text, focus, transcript, top_n=SECTION_TOPICS + 1)
        # No keyphrase at all (a stretch of numbers and fillers): its commonest words.
        labels = labels or commonest_words(f"{text}\n{reserve}", SECTION_TOPICS + 1)
        title = section_title(labels, self.embedder)
        return SectionDraft(title=title, bullets=bullets, topics=labels[:SECTION_TOPICS])

    def topics(
        self,
        text: str,
        transcript: NDArray[np.floating],
        avoid: Sequence[str] = (),
        terms: Sequence[str] = (),
    ) -> TopicsDraft:
        """The 5 global descriptors and the 3 nearest fields with their complexity.

        ``terms`` are the keyphrases already found in the chunks (with repeats): the
        descriptors are those of one or two words most like the whole transcript, favouring
        terms found in many chunks, chosen by MMR so they differ. Without terms, KeyBERT runs
        on ``text`` itself.
        """
        banned = {a.casefold() for a in avoid}
        vector = unit(np.asarray(transcript, dtype=np.float64))
        chosen = self._global_topics(text, vector, terms, banned)
        names = rank_fields(vector, self.field_vectors)[:FIELDS]
        sims = [float(self.field_vectors[GENERAL_TOPICS.index(n)] @ vector) for n in names]
        scores = complexities(rare_share(text), sims)
        return TopicsDraft(
            topics=chosen or ["Conversation"],
            general_topics=[
                GeneralTopicDraft(name=n, complexity=c) for n, c in zip(names, scores, strict=True)
            ],
        )

    def _global_topics(
        self, text: str, vector: NDArray[np.float64], terms: Sequence[str], banned: set[str]
    ) -> list[str]:
        counts = Counter(t for t in terms if _GLOBAL_TOPIC.match(t))
        pool = [t for t in counts if t.casefold() not in banned]
        if len(pool) >= GLOBAL_TOPICS:
            rows = self.embedder.embed(pool)
            spread = np.log1p(np.array([counts[t] for t in pool], dtype=np.float64))
            relevance = unit(rows) @ vector + SPREAD_WEIGHT * spread
            picked = [pool[i] for i in mmr(rows, len(pool), relevance=relevance)]
        else:
            found = self.keyphrases.extract([text], vector[None, :], top_n=12, max_words=2)[0]
            picked = [k.label for k in found]
        chosen: dict[str, str] = {}
        for label in picked:
            key = label.casefold()
            if _GLOBAL_TOPIC.match(label) and key not in banned and key not in chosen:
                chosen[key] = label
        return list(chosen.values())[:GLOBAL_TOPICS]

    def introduction(
        self,
        titles: Sequence[str],
        topics: Sequence[str],
        speakers: Sequence[str],
        duration: float | None,
        words: int,
    ) -> IntroDraft:
        """A synopsis composed from what the run found (see :mod:`.intro`)."""
        return introduction(titles, topics, speakers, duration, words)

    def _pick(
        self,
        spans: Sequence[str],
        vectors: NDArray[np.floating],
        theme: NDArray[np.floating],
        k: int,
        *,
        cleaned: bool = False,
        prior: NDArray[np.floating] | None = None,
    ) -> list[str]:
        """``k`` central, diverse, readable sentences of ``spans``, in their order;
        ``prior`` weighs each span's relevance (its speaker's share of the talk)."""
        relevance = unit(vectors) @ unit(np.asarray(theme, dtype=np.float64))
        if prior is not None:
            relevance = relevance * prior
        informative = np.array([len(content_words(s)) >= MIN_CONTENT_WORDS for s in spans])
        prior = np.minimum(1.0, _lengths(spans) / 12.0)
        score = np.where(informative, relevance * prior, relevance * prior - 1.0)
        picked: dict[int, str] = {}
        for i in mmr(vectors, k * 2, relevance=score):
            sentence = spans[i] if cleaned else clean_sentence(spans[i])
            if sentence and _key(sentence) not in {_key(p) for p in picked.values()}:
                picked[i] = sentence
            if len(picked) == k:
                break
        return [picked[i] for i in sorted(picked)]

    def _particular_phrases(
        self,
        text: str,
        focus: NDArray[np.floating],
        transcript: NDArray[np.floating] | None,
        top_n: int,
    ) -> list[str]:
        found = self.keyphrases.extract([text], focus[None, :], top_n=top_n * 3)[0]
        if not found:
            return []
        vectors = unit(self.embedder.embed([k.phrase for k in found]))
        score = vectors @ focus
        if transcript is not None:
            score = score - GENERIC_PENALTY * (vectors @ unit(np.asarray(transcript)))
        order = np.argsort(-score, kind="stable")
        labels = [found[i].label for i in order if names_a_subject(found[i].label)]
        # None names a subject (a text of numbers and fillers): its phrases as they are, so a
        # section still has topics (validation then judges them like any other).
        labels = labels or [found[i].label for i in order]
        return list(dict.fromkeys(labels))[:top_n]


def _lengths(spans: Sequence[str]) -> NDArray[np.float64]:
    return np.array([max(1, len(s.split())) for s in spans], dtype=np.float64)


def _key(sentence: str) -> str:
    # Letters of any script: with [a-z0-9] every Chinese sentence had the key "".
    return " ".join(re.findall(r"[^\W_]+", sentence.casefold()))


def _pieces(texts: list[str]) -> list[str]:
    """Short cleaned pieces of ``texts``: what a section takes when nothing else is left."""
    return [clean_sentence(s) for s in split_spans("\n".join(texts), 10)]
