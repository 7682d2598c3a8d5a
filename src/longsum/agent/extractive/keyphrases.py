"""Keyphrases by KeyBERT over the run's own embedder: no extra model.

Candidates are 1-3-word phrases of adjacent words that neither start nor end with a stop
word or filler (so "state of the art" is a candidate and "know really thing" is not, which
a stop-word-filtering vectorizer would invent); the most frequent ``max_candidates`` per
call are embedded (through the run's memo) and KeyBERT ranks them by similarity to the
document with maximal marginal relevance, so the phrases are both central and distinct.
Labels keep the speakers' own capitalisation ("Stable Diffusion", "GPU") when the text
has any, else are title-cased.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from longsum.memory.embeddings import Embedder
from longsum.tools.sentences import speech_lines, words

__all__ = ["KeyphraseExtractor", "label"]

_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9+#]*(?:[-'][A-Za-z0-9]+)*")
_SPLIT = re.compile(r"[.!?,;:()\"“”…]|\s[-–—]\s")
_EDGE_STOP = words(
    """
    a an the and or but so of to in on at for with from by as is are was were be been being
    it its this that these those there here i you he she we they me him her us them my your
    his our their what which who whom whose when where why how not no yes do does did done
    have has had just like really very kind sort thing things stuff lot lots gonna wanna
    gotta going get gets got know think mean yeah okay ok right well um uh hmm oh if then
    than also can could would should will shall may might must about all some any more most
    much many one two out up down over into too only even still say says said see go goes
    went way because something anything everything nothing someone somebody actually
    basically literally probably maybe let let's lets i'm you're we're they're it's that's
    there's don't doesn't didn't can't won't isn't aren't wasn't i've you've we've i'd you'd
    i'll you'll yes yep yeah yea want wants need needs make makes made take takes good great
    cool nice sure pretty quite little big new old time times year years day days people
    person guy guys stuff other another same different first last next back again ever never
    always now today okay alright hey
    """
)
"""Words a keyphrase may not start or end with (they may sit inside: "theory of mind")."""
_ACRONYMS = words(
    """
    ai api apis ui ux gpu gpus cpu cpus llm llms sql css html aws ml io os id ids url urls
    http https json xml js ts tcp ip dns ram ssd nlp rag gpt cli sdk vm vms iot ar vr qa ci
    cd seo saas b2b mvp ceo cto
    """
)


def _tokens(text: str) -> list[list[str]]:
    """The word runs of ``text`` between punctuation marks (phrases never cross them)."""
    runs = []
    for line in speech_lines(text):
        for part in _SPLIT.split(line):
            words = _TOKEN.findall(part)
            if words:
                runs.append(words)
    return runs


def candidate_phrases(text: str, max_words: int = 3) -> Counter[str]:
    """Lowercase candidate phrases of ``text`` with their counts."""
    counts: Counter[str] = Counter()
    for run in _tokens(text):
        low = [w.casefold() for w in run]
        for n in range(1, max_words + 1):
            for i in range(len(low) - n + 1):
                first, last = low[i], low[i + n - 1]
                if first in _EDGE_STOP or last in _EDGE_STOP or len(first) < 2 or len(last) < 2:
                    continue
                counts[" ".join(low[i : i + n])] += 1
    return counts


def label(phrase: str, surface: Counter[str] | None = None) -> str:
    """A display label: the most common original spelling when it has capitals, else
    title case with known acronyms upper-cased."""
    if surface:
        best, _ = surface.most_common(1)[0]
        if any(c.isupper() for c in best):
            return best
    return " ".join(w.upper() if w in _ACRONYMS else w[:1].upper() + w[1:] for w in phrase.split())


class KeyphraseExtractor:
    """KeyBERT keyphrases over ``embedder`` (see module doc)."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self.surfaces: dict[str, Counter[str]] = defaultdict(Counter)
        self._keybert: Any = None

    def _model(self) -> Any:
        if self._keybert is None:
            from keybert import KeyBERT
            from keybert.backend import BaseEmbedder

            embedder = self.embedder

            class Backend(BaseEmbedder):  # type: ignore[misc]
                def embed(self, documents: list[str], verbose: bool = False) -> Any:
                    return embedder.embed(list(documents))

            self._keybert = KeyBERT(model=Backend())
        return self._keybert

    def extract(
        self,
        docs: Sequence[str],
        doc_vectors: NDArray[np.floating] | None = None,
        *,
        top_n: int = 6,
        max_words: int = 3,
        diversity: float = 0.5,
        max_candidates: int = 250,
    ) -> list[list[tuple[str, float]]]:
        """Up to ``top_n`` (lowercase phrase, score) pairs per doc, best first.

        ``doc_vectors`` (one row per doc, e.g. the chunks' span-mean vectors) saves
        embedding the docs again. Each doc's candidates are its ``max_candidates`` most
        frequent phrases of at most ``max_words`` words.
        """
        from sklearn.feature_extraction.text import CountVectorizer

        per_doc = [candidate_phrases(d, max_words) for d in docs]
        keep = [dict(c.most_common(max_candidates)) for c in per_doc]
        vocabulary = sorted({p for k in keep for p in k})
        if not vocabulary:
            return [[] for _ in docs]
        self._remember_surfaces(docs, set(vocabulary), max_words)
        vectorizer = CountVectorizer(analyzer=lambda doc: list(keep[int(doc)]))
        # Docs reach the vectorizer as their index: the analyzer looks their phrases up.
        ids = [str(i) for i in range(len(docs))]
        vectors = doc_vectors if doc_vectors is not None else self.embedder.embed(list(docs))
        vectorizer.fit(ids)
        words = list(vectorizer.get_feature_names_out())
        found = self._model().extract_keywords(
            ids,
            vectorizer=vectorizer,
            top_n=top_n,
            use_mmr=True,
            diversity=diversity,
            doc_embeddings=np.asarray(vectors),
            word_embeddings=self.embedder.embed(words),
        )
        if len(docs) == 1:
            found = [found]
        return [[(p, float(s)) for p, s in row] for row in found]

    def _remember_surfaces(self, docs: Sequence[str], phrases: set[str], max_words: int) -> None:
        for doc in docs:
            for run in _tokens(doc):
                for n in range(1, max_words + 1):
                    for i in range(len(run) - n + 1):
                        original = " ".join(run[i : i + n])
                        key = original.casefold()
                        if key in phrases:
                            self.surfaces[key][original] += 1

    def label(self, phrase: str) -> str:
        """``phrase`` as the transcript spells it (see :func:`label`)."""
        return label(phrase, self.surfaces.get(phrase))
