"""Words and languages beyond English: what counts as a word, and which language a text is.

Chinese and Japanese are written without spaces, so ``str.split`` sees a whole clause as one
word, and every cap in words (a span's 36, a content-word minimum) breaks. Here a run of
CJK characters counts in units of at most ``CJK_UNIT`` characters, about an English word's
worth of meaning; :func:`word_units` cuts text into such units and :func:`join_units`
puts them back together without spaces the text never had. Text without CJK characters is
cut exactly as ``str.split`` cuts it, so English (and German, French...) is unchanged.

:func:`guess_language` names a text's language (a wordfreq code) from how much of it the
commonest words of each language cover; keyphrases use it for word frequencies and stop
words. :func:`segment` cuts a Han run into its likeliest dictionary words (unigram
segmentation) on wordfreq's own word list: no extra tokenizer (jieba, MeCab) is needed.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterator

__all__ = [
    "CJK",
    "CJK_CLAUSE_MARKS",
    "CJK_CLOSERS",
    "CJK_STOPS",
    "CJK_UNIT",
    "HAN",
    "KATAKANA",
    "cjk_words",
    "common_words",
    "guess_language",
    "has_cjk",
    "join_units",
    "segment",
    "unit_count",
    "word_units",
    "zipf",
]

HAN = "\u3005\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
"""Han characters (Chinese hanzi, Japanese kanji) and the iteration mark, as a class body."""
KATAKANA = "\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f"
HIRAGANA = "\u3040-\u309f"
CJK = HAN + HIRAGANA + KATAKANA
"""Every character of a script written without spaces, as a regex class body."""
CJK_STOPS = "。！？｡"
"""Full stops of CJK text: they end a sentence with no space after them."""
CJK_CLOSERS = "」』”’）〕】》"
"""Closing quotes and brackets that stay with the sentence they close."""
CJK_CLAUSE_MARKS = ("，", "、", "；", "：")
"""Where a long CJK sentence is best cut, as a comma is in English."""
CJK_UNIT = 2
"""CJK characters per counted word: a Chinese word averages about two characters."""
CJK_WORD = 4
"""Longest dictionary word :func:`segment` tries (almost every Chinese word is shorter)."""
_UNKNOWN = math.log(1e-9)
"""Log-likelihood of a piece the word list does not know: rarer than any word in it."""

_HAS_CJK = re.compile(f"[{CJK}]")
_UNIT = re.compile(rf"[^\s{CJK}]+|[{CJK}]{{1,{CJK_UNIT}}}[^\s{CJK}]*")
"""A unit inside a whitespace-free word: a non-CJK stretch, or up to ``CJK_UNIT`` CJK
characters with the punctuation (or Latin word) right after them."""
_GLUE = "\u2060"
"""Marks a unit that continues the previous one with no space between (WORD JOINER)."""
_AFTER_MARK = re.compile(rf"(?<=[{CJK_STOPS}{CJK_CLOSERS}{''.join(CJK_CLAUSE_MARKS)}]) (?=[{CJK}])")
_SCRIPT_RUN = re.compile(f"[{HAN}]+|[{KATAKANA}]+|[{HIRAGANA}]+")
_IS_HAN, _IS_HIRAGANA = re.compile(f"[{HAN}]"), re.compile(f"[{HIRAGANA}]")
_KANA = re.compile(f"[{HIRAGANA}{KATAKANA}]")
_LATIN_WORD = re.compile(rf"[^\W\d_{CJK}]+")
_SAMPLE_WORDS = 3000
"""Words of a text read to guess its language: plenty, and cheap on an hour's transcript."""
LATIN_LANGUAGES = ("de", "fr", "es", "it", "nl", "pt", "sv", "da", "pl")
"""Languages besides English that :func:`guess_language` tells apart (wordfreq codes)."""
_ENGLISH_SURE = 0.25
"""Share of a text covered by English's 100 commonest words above which it is English
(spoken English: about half; German: 3%), so English text never loads other word lists."""


def has_cjk(text: str) -> bool:
    """Whether ``text`` holds any character of a script written without spaces."""
    return _HAS_CJK.search(text) is not None


def word_units(text: str) -> list[str]:
    """``text`` in countable words: ``text.split()``, with each CJK run cut further into
    units of up to ``CJK_UNIT`` characters (marked as glued to the unit before)."""
    if not has_cjk(text):
        return text.split()
    units: list[str] = []
    for word in text.split():
        parts = _UNIT.findall(word)
        units += [parts[0], *(_GLUE + p for p in parts[1:])]
    return units


def join_units(units: list[str]) -> str:
    """The text of ``units``: one space between words, none inside a CJK run nor after a
    CJK full stop or comma (CJK sentences follow one another without spaces)."""
    text = " ".join(units).replace(" " + _GLUE, "").replace(_GLUE, "")
    return _AFTER_MARK.sub("", text) if has_cjk(text) else text


def unit_count(text: str) -> int:
    """Number of :func:`word_units` of ``text``."""
    return len(word_units(text))


@functools.lru_cache(maxsize=16)
def common_words(lang: str, n: int = 100) -> frozenset[str]:
    """The ``n`` commonest words of ``lang`` (lowercase), by wordfreq."""
    from wordfreq import top_n_list

    return frozenset(top_n_list(lang, n))


def guess_language(text: str) -> str:
    """The wordfreq code of ``text``'s language: "zh" or "ja" for text mostly in CJK
    characters (with kana: Japanese), else the Latin-script language whose commonest words
    cover most of it, "en" when unsure."""
    cjk = len(_HAS_CJK.findall(text))
    if cjk and cjk * 2 >= sum(c.isalpha() for c in text):
        return "ja" if len(_KANA.findall(text)) * 10 >= cjk else "zh"
    sample = [w.casefold() for w in _LATIN_WORD.findall(text)[:_SAMPLE_WORDS]]
    if not sample:
        return "en"

    def share(lang: str) -> float:
        common = common_words(lang)
        return sum(w in common for w in sample) / len(sample)

    english = share("en")
    if english >= _ENGLISH_SURE:
        return "en"
    best = max(LATIN_LANGUAGES, key=share)
    return best if share(best) > english else "en"


def zipf(word: str, lang: str) -> float:
    """Zipf frequency of ``word`` in ``lang`` (7: "the", 0: unknown). Chinese and Japanese
    are looked up in wordfreq's list directly: its own lookup needs jieba or MeCab."""
    if lang in ("zh", "ja"):
        frequency = _dictionary(lang).get(word, 0.0)
        return round(math.log10(frequency) + 9, 2) if frequency > 0 else 0.0
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, lang))


@functools.lru_cache(maxsize=4)
def _dictionary(lang: str) -> dict[str, float]:
    from wordfreq import get_frequency_dict

    return get_frequency_dict(lang)


def segment(run: str, lang: str) -> list[str]:
    """The words of a run of Han characters: the split whose words are likeliest together
    (the product of their wordfreq frequencies, by dynamic programming), the classic
    unigram segmentation: 出现|了, where longest-match takes the list's noise 出|现了.
    Characters the list does not know (traditional ones in the simplified list) go in
    pairs, at the cost of one very rare word."""
    words = _dictionary(lang)
    # best[i]: (log-likelihood, start of the last word) of the best split of run[:i].
    best: list[tuple[float, int]] = [(0.0, 0)]
    for end in range(1, len(run) + 1):
        options = []
        for size in range(1, min(CJK_WORD, end) + 1):
            piece = run[end - size : end]
            frequency = words.get(piece, 0.0)
            if frequency > 0:
                options.append((best[end - size][0] + math.log(frequency), end - size))
            elif size <= CJK_UNIT:
                options.append((best[end - size][0] + _UNKNOWN, end - size))
        best.append(max(options))
    out: list[str] = []
    end = len(run)
    while end > 0:
        start = best[end][1]
        out.append(run[start:end])
        end = start
    return out[::-1]


def cjk_words(text: str, lang: str) -> Iterator[str | None]:
    """The words of CJK ``text``: Han runs :func:`segment`-ed (in Japanese's list for
    ``lang`` "ja", else Chinese's), a katakana run as one loanword ("キャッシュ"), and None
    for a hiragana run (particles and endings: no word of a phrase). A Japanese word keeps
    the kana that ends it when the dictionary has the whole (仕組み, not 仕組)."""
    runs = _SCRIPT_RUN.findall(text)
    for i, run in enumerate(runs):
        if _IS_HIRAGANA.match(run):
            yield None
        elif _IS_HAN.match(run):
            words = segment(run, "ja" if lang == "ja" else "zh")
            kana = runs[i + 1][:1] if i + 1 < len(runs) and lang == "ja" else ""
            whole = words[-1] + kana
            if _IS_HIRAGANA.match(kana) and len(words[-1]) >= 2 and whole in _dictionary("ja"):
                words[-1] = whole
            yield from words
        else:
            yield run
