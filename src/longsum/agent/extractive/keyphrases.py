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

Not only English: words are letters of any alphabet ("Größe", not "Gr" and "e"), word
frequencies and stop words come from the text's own language (:func:`guess_language`: a
German word's specificity is its rarity in German, and German's commonest words edge no
phrase), and Chinese or Japanese, written without spaces, is cut into dictionary words
(:func:`~longsum.tools.languages.cjk_words`: katakana runs are loanwords, hiragana
particles end a run), so "倒排索引" is a one-word phrase made of "倒排" and "索引".
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from longsum.embedding import Embedder
from longsum.tools.languages import CJK, cjk_words, common_words, guess_language, has_cjk, zipf
from longsum.tools.sentences import speech_lines, words

__all__ = ["Keyphrase", "KeyphraseExtractor", "candidate_phrases", "label", "specificity"]

GLUED_LENGTH = 12
"""An unknown word this long is taken for words run together by a transcriber."""
_LETTER = rf"[^\W_{CJK}]"
"""A letter or digit of any alphabet written with spaces (CJK text is cut separately)."""
_TOKEN = re.compile(rf"{_LETTER}(?:{_LETTER}|[+#])*(?:[-']{_LETTER}+)*|[{CJK}]+")
_SPLIT = re.compile(r"[.!?,;:()\"“”…。！？，、；：（）「」『』【】《》]|\s[-–—]\s")
_CJK_GAP = re.compile(f"(?<=[{CJK}]) (?=[{CJK}])")
"""The space between two CJK words of a phrase: CJK phrases are written without."""
NOUN_CAPITALS = frozenset({"de", "lb"})
"""Languages that capitalise every noun: a phrase there ends in a noun ("größere Probleme",
not "dauerte plötzlich")."""
CJK_PHRASE_WORDS = 2
"""Most words in a Chinese or Japanese keyphrase (倒排|索引, キャッシュ|ミス)."""
TOP_WORDS = 400
"""Outside English, a language's this many commonest words edge no phrase (like
``_EDGE_STOP``: German "über", "einfach", "Zeit"; Chinese "我们", "需要")."""
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
    somehow quote speaking enough rather quite fairly
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


@functools.lru_cache(maxsize=16)
def _stops(lang: str) -> frozenset[str]:
    """Words that edge no phrase in ``lang``: English's list, and outside English the
    language's commonest words too."""
    return _EDGE_STOP if lang == "en" else _EDGE_STOP | common_words(lang, TOP_WORDS)


def _edge_ok(word: str, stops: frozenset[str] = _EDGE_STOP) -> bool:
    # A CJK word of one character is a particle or part of a word ("的", "性"): no edge.
    if word in stops or len(word) < 2 or word.split("'")[0] in stops:
        return False
    return not (word.endswith("ly") and len(word) > 4 and word not in _LY_NOUNS)


_ACRONYMS = words(
    """
    ai api apis ui ux gpu gpus cpu cpus llm llms sql css html aws ml io os id ids url urls
    http https json xml js ts tcp ip dns ram ssd nlp rag gpt cli sdk vm vms iot ar vr qa ci
    cd seo saas b2b mvp ceo cto
    """
)


def _tokens(text: str, lang: str = "en") -> list[list[str]]:
    """The word runs of ``text`` between punctuation marks (phrases never cross them)."""
    runs = []
    for line in speech_lines(text):
        for part in _SPLIT.split(line):
            run: list[str] = []
            tokens: list[str] = _TOKEN.findall(part)
            found: list[str | None] = list(tokens)
            if has_cjk(part):  # CJK runs come as one token: their dictionary words instead
                found = [w for t in tokens for w in (cjk_words(t, lang) if has_cjk(t) else [t])]
            for token in found:
                # A number ends a run ("bought 100 servers" holds no "bought servers"), and
                # so does a Japanese particle (None).
                if token is None or token[0].isdigit():
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


def _join_cjk(gram: list[str]) -> str:
    return _CJK_GAP.sub("", " ".join(gram))


def _phrases(
    run: list[str], max_words: int, stops: frozenset[str] = _EDGE_STOP, nouns: bool = False
) -> list[tuple[str, str]]:
    """(lowercase phrase, original spelling) of every candidate in one word run; with
    ``nouns`` (German, which capitalises every noun), only those ending in a noun."""
    low = [w.lower() for w in run]  # not casefold(): that spells "Straße" "strasse"
    join = _join_cjk if has_cjk("".join(run)) else " ".join
    out = []
    for n in range(1, max_words + 1):
        for i in range(len(low) - n + 1):
            gram = low[i : i + n]
            if not (_edge_ok(gram[0], stops) and _edge_ok(gram[-1], stops)):
                continue
            if nouns and not run[i + n - 1][:1].isupper():
                continue
            if any(w in stops and w not in _INNER for w in gram[1:-1]):
                continue
            out.append((join(gram), join(run[i : i + n])))
    return out


def _candidates(text: str, max_words: int) -> Iterator[tuple[str, str]]:
    """(phrase, original) of each candidate occurrence, by the rules of ``text``'s language."""
    lang = guess_language(text)
    if lang in ("zh", "ja"):  # longer runs of CJK words are clauses more than names
        max_words = min(max_words, CJK_PHRASE_WORDS)
    for run in _tokens(text, lang):
        yield from _phrases(run, max_words, _stops(lang), nouns=lang in NOUN_CAPITALS)


def candidate_phrases(text: str, max_words: int = 3) -> Counter[str]:
    """Lowercase candidate phrases of ``text`` with their counts."""
    return Counter(p for p, _ in _candidates(text, max_words))


def specificity(phrase: str, lang: str = "en") -> float:
    """How particular a phrase is: its rarest word's distance below the commonest words of
    its language (``lang``) in Zipf frequency (7 is "the"), floored at 0.5; 0 when an
    English word is a run of words that lost their spaces ("containerslike"), which no
    label should show (a long unknown German word is a compound: it stays)."""
    split = [w for run in _tokens(phrase, lang) for w in run] if has_cjk(phrase) else None
    parts = split or phrase.split()
    zipfs = [zipf(w, lang) for w in parts]
    glued = lang == "en" and any(
        z == 0 and len(w) >= GLUED_LENGTH for z, w in zip(zipfs, parts, strict=True)
    )
    return 0.0 if glued else max(0.5, 7.0 - min(zipfs))


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
        self._specificity: dict[tuple[str, str], float] = {}

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

    def _weight(self, phrase: str, count: int, lang: str) -> float:
        if (phrase, lang) not in self._specificity:
            self._specificity[phrase, lang] = specificity(phrase, lang)
        return count * self._specificity[phrase, lang]

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
            for phrase, original in _candidates(doc, max_words):
                seen.setdefault(phrase, Counter())[original] += 1
            lang = guess_language(doc)
            weight = {p: self._weight(p, c.total(), lang) for p, c in seen.items()}
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
