"""Keyphrases by KeyBERT over the run's own embedder: no extra model.

Candidates are 1-3-word runs of adjacent words, within one clause, that neither start nor
end with a stop word, filler or everyday verb, with "of" the only function word allowed
inside ("theory of mind"; not "know really thing", which a stop-word-filtering vectorizer
would invent). Each call keeps the ``max_candidates`` with the highest count times
specificity (how rare their words are in general English, by wordfreq: the idf of a
corpus we do not have), embeds them through the run's memo, and KeyBERT ranks them by
similarity to the document with maximal marginal relevance: central and distinct.
Labels keep the speakers' own capitalisation in the text at hand ("Stable Diffusion",
"GPU") when it has any, else are title-cased, so a label never depends on earlier calls.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from longsum.embedding import Embedder
from longsum.tools.sentences import speech_lines, words

__all__ = ["Keyphrase", "KeyphraseExtractor", "candidate_phrases", "label", "specificity"]

GLUED_LENGTH = 12
"""An unknown word this long is taken for words run together by a transcriber."""
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9+#]*(?:[-'][A-Za-z0-9]+)*")
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
_EDGE_STOP |= words(
    """
    use used uses using live living lives build building built builds especially create
    created creating try trying tried learn learning learned start started starting work
    working worked feel felt look looking looked come coming came give gave put keep kept
    call called talk talking talked tell told ask asked find found seem seems happen
    happened exactly definitely obviously certainly totally completely absolutely usually
    sometimes often generally interesting important example examples idea ideas problem
    problems question questions part point end whatever whatsoever everybody anybody
    understand understanding remember love loved hate bunch huge real super wow huh crazy
    nope ah aha whoa youve thats theyre isnt didnt ill youre doesnt dont cant wont weve ive
    youd whats theres hes shes wasnt arent im wouldnt couldnt shouldnt each every true
    false uh-huh mm-hmm dunno heres etc though such thought less both means saw yet anyway
    somehow quote speaking
    """
)
_EDGE_STOP -= words("learning end time times call point part problem problems question work")
"""Words a keyphrase may not start or end with. Common nouns that head technical compounds
("machine learning", "compile time", "function call") stay allowed: their low specificity
already keeps them from standing alone."""
_INNER = frozenset({"of"})
"""The only edge word a phrase may hold inside it ("theory of mind")."""
_LY_NOUNS = words("family assembly supply anomaly italy july monopoly butterfly reply apply ally")
"""Words in -ly that are not adverbs: an adverb never starts or ends a keyphrase."""


def _edge_ok(word: str) -> bool:
    if word in _EDGE_STOP or len(word) < 2 or word.split("'")[0] in _EDGE_STOP:
        return False
    return not (word.endswith("ly") and len(word) > 4 and word not in _LY_NOUNS)


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
            run: list[str] = []
            for token in _TOKEN.findall(part):
                if token[0].isdigit():  # "bought 100 servers" holds no "bought servers"
                    if run:
                        runs.append(run)
                    run = []
                elif token.casefold().endswith("'s"):  # "Google's" is about Google
                    run.append(token[:-2])
                else:
                    run.append(token)
            if run:
                runs.append(run)
    return runs


def _phrases(run: list[str], max_words: int) -> list[tuple[str, str]]:
    """(lowercase phrase, original spelling) of every candidate in one word run."""
    low = [w.casefold() for w in run]
    out = []
    for n in range(1, max_words + 1):
        for i in range(len(low) - n + 1):
            gram = low[i : i + n]
            if not (_edge_ok(gram[0]) and _edge_ok(gram[-1])):
                continue
            if any(w in _EDGE_STOP and w not in _INNER for w in gram[1:-1]):
                continue
            out.append((" ".join(gram), " ".join(run[i : i + n])))
    return out


def candidate_phrases(text: str, max_words: int = 3) -> Counter[str]:
    """Lowercase candidate phrases of ``text`` with their counts."""
    return Counter(p for run in _tokens(text) for p, _ in _phrases(run, max_words))


def specificity(phrase: str) -> float:
    """How particular a phrase is: its rarest word's distance below the commonest words of
    English in Zipf frequency (7 is "the"), floored at 0.5; 0 when a word is a run of words
    that lost their spaces ("containerslike"), which no label should show."""
    from wordfreq import zipf_frequency

    zipfs = [zipf_frequency(w, "en") for w in phrase.split()]
    if any(z == 0 and len(w) >= GLUED_LENGTH for z, w in zip(zipfs, phrase.split(), strict=True)):
        return 0.0
    return max(0.5, 7.0 - min(zipfs))


def label(phrase: str, surface: Counter[str] | None = None) -> str:
    """A display label: the most common original spelling when it has capitals, else
    title case with known acronyms upper-cased."""
    if surface:
        best, _ = surface.most_common(1)[0]
        if any(c.isupper() for c in best):
            return best
    return " ".join(w.upper() if w in _ACRONYMS else w[:1].upper() + w[1:] for w in phrase.split())


class Keyphrase(NamedTuple):
    """One keyphrase of a document."""

    phrase: str
    """Lowercase form (the key for embeddings and comparisons)."""
    label: str
    """How to show it (see :func:`label`)."""
    score: float
    """KeyBERT's score: similarity to the document, after MMR."""


class KeyphraseExtractor:
    """KeyBERT keyphrases over ``embedder`` (see module doc)."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self._keybert: Any = None
        self._specificity: dict[str, float] = {}

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

    def _weight(self, phrase: str, count: int) -> float:
        if phrase not in self._specificity:
            self._specificity[phrase] = specificity(phrase)
        return count * self._specificity[phrase]

    def extract(
        self,
        docs: Sequence[str],
        doc_vectors: NDArray[np.floating] | None = None,
        *,
        top_n: int = 6,
        max_words: int = 3,
        diversity: float = 0.5,
        max_candidates: int = 60,
    ) -> list[list[Keyphrase]]:
        """Up to ``top_n`` keyphrases per doc, best first.

        ``doc_vectors`` (one row per doc, e.g. the chunks' span-mean vectors) saves
        embedding the docs again.
        """
        from sklearn.feature_extraction.text import CountVectorizer

        surfaces: list[dict[str, Counter[str]]] = []
        keep: list[list[str]] = []
        for doc in docs:
            seen: dict[str, Counter[str]] = {}
            for run in _tokens(doc):
                for phrase, original in _phrases(run, max_words):
                    seen.setdefault(phrase, Counter())[original] += 1
            weight = {p: self._weight(p, c.total()) for p, c in seen.items()}
            ranked = sorted((p for p in seen if weight[p] > 0), key=lambda p: -weight[p])
            keep.append(sorted(ranked[:max_candidates]))
            surfaces.append(seen)
        words_ = sorted({p for k in keep for p in k})
        if not words_:
            return [[] for _ in docs]
        # Docs reach the vectorizer as their index: the analyzer looks their phrases up.
        vectorizer = CountVectorizer(analyzer=lambda doc: keep[int(doc)])
        ids = [str(i) for i in range(len(docs))]
        vectors = doc_vectors if doc_vectors is not None else self.embedder.embed(list(docs))
        vectorizer.fit(ids)
        found = self._model().extract_keywords(
            ids,
            vectorizer=vectorizer,
            top_n=top_n,
            use_mmr=True,
            diversity=diversity,
            doc_embeddings=np.asarray(vectors),
            word_embeddings=self.embedder.embed(list(vectorizer.get_feature_names_out())),
        )
        if len(docs) == 1:
            found = [found]
        return [
            [Keyphrase(p, label(p, surfaces[i].get(p)), float(s)) for p, s in row]
            for i, row in enumerate(found)
        ]
