"""Spoken text as sentence-sized spans, and spans as readable sentences.

Transcripts come punctuated (podcasts, captions) or not at all (raw ASR: one lowercase line
per video). :func:`split_spans` cuts both into spans of at most ``max_words`` words: at
sentence ends when the text is punctuated, otherwise at discourse words ("so", "and", "but",
...) near a target length, so an unpunctuated hour still gives sentence-like pieces.
:func:`clean_sentence` turns a span into something a person can read as a bullet: fillers
("uh", "um", "you know") and stutters removed, leading "and so" dropped, ``i`` capitalised,
the first letter capitalised and a full stop at the end.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from longsum.tools.languages import (
    CJK,
    CJK_CLAUSE_MARKS,
    CJK_CLOSERS,
    CJK_STOPS,
    CJK_UNIT,
    HAN,
    KATAKANA,
    join_units,
    unit_count,
    word_units,
)

__all__ = [
    "clean_sentence",
    "content_words",
    "informative_spans",
    "is_punctuated",
    "speaker_lines",
    "speech_lines",
    "split_spans",
    "words",
]


def words(text: str) -> frozenset[str]:
    """The whitespace-separated words of ``text``: word lists stay readable in source."""
    return frozenset(text.split())


MAX_WORDS = 36
"""Longest span: about two spoken sentences, still one bullet's worth."""
TARGET_WORDS = 22
"""Where an unpunctuated stretch is preferably cut (a typical spoken sentence)."""

_NAME_WORD = r"(?:[A-Z0-9_][\w.'-]*|of|the|de|van|von|da|di|du|la|le|al|bin|and|&)"
_LINE_HEAD = re.compile(
    r"^\s*(?:\[\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?\]\s*)?"
    rf"(?:(?P<who>[A-Z0-9_\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af][\w.'-]*"
    rf"(?:\s+{_NAME_WORD}){{0,4}}(?:\s*\((?:[^()\n]|\([^()\n]*\))*\))?):\s)?"
)
"""A line's ``[HH:MM:SS]`` and ``Speaker Name:`` head (a name's words are capitalised, so
"There are two kinds: ..." keeps its words), with a name's details in parentheses
("Bardish Chagger (Minister of Diversity and Inclusion and Youth):")."""
_SENTENCE_END = re.compile(
    r"(?<=[.!?])\s+|(?<=[.!?][\"')\]”’])\s+"
    # Chinese and Japanese full stops need no space after them; a closing quote stays.
    rf"|(?<=[{CJK_STOPS}])(?![{CJK_STOPS}{CJK_CLOSERS}])\s*|(?<=[{CJK_STOPS}][{CJK_CLOSERS}])\s*"
)
_BREAK_WORDS = words(
    """
    so but because now okay ok then which when if anyway actually basically
    """
)
_WEAK_BREAK_WORDS = frozenset({"and", "or"})
"""Cut before these only when no better break is near: they also join nouns ("x and y")."""
_FILLERS = re.compile(
    r"\b(?:uh\s?-\s?huh|mm\s?-\s?hmm|u+h+m*|u+m+|e+r+m+|e+h+|a+h+|hmm+|mm+|mhm|you know|i mean)"
    r"\b(?:\s?[,.?!])?\s*",
    re.IGNORECASE,
)
_LEADING = re.compile(
    r"^(?:(?:and|so|but|okay|ok|yeah|yes|yep|well|right|like|now|oh|um|uh|alright|also|exactly"
    r"|sure|true|wow|mm-hmm|uh-huh)\b[,.!?]?\s+)+",
    re.IGNORECASE,
)
_STUTTER = re.compile(r"\b(\w+(?:'\w+)?(?:\s+\w+(?:'\w+)?){0,2})(?:[\s,]+\1\b)+", re.IGNORECASE)
"""A word or run of up to three words said again at once ("the current the current")."""
_OPEN_QUOTE = re.compile(r"^([\"“‘(\[])\s+")
_FIRST_LETTER = re.compile(r"^([\"'“‘(\[]*)(\w)")
_LONE_I = re.compile(r"\bi\b(?=(?:'[a-z]+)?\b)")
_WORD = re.compile(
    # Letters of any alphabet ("über", "Größe"), not only ASCII; CJK text, written without
    # spaces, counts in pieces of up to CJK_UNIT Han or katakana characters (hiragana is
    # mostly particles and endings: no content).
    rf"[^\W\d_{CJK}](?:[^\W_{CJK}]|['+#-])*|[{HAN}{KATAKANA}]{{1,{CJK_UNIT}}}"
)
_STOP = words(
    """
    a an the and or but so of to in on at for with from by as is are was were be been being
    it its it's this that these those there here i you he she we they me him her us them my
    your his our their what which who whom whose when where why how not no yes do does did
    done have has had just like really very kind sort of thing things stuff lot gonna going
    get got know think mean yeah okay right well um uh if then than also can could would
    should will about all some any more most much many one two out up down over into just
    too only even still say said see go way because something anything everything someone
    actually basically youve thats theyre isnt didnt ill youre doesnt dont cant wont weve
    ive id youd whats theres hes shes wasnt arent im lets wouldnt couldnt shouldnt
    """
)


def speaker_lines(text: str) -> Iterator[tuple[str | None, str]]:
    """(speaker or None, spoken words) of each line with words: :func:`speech_lines` with
    the ``Speaker:`` head kept apart."""
    for line in text.splitlines():
        head = _LINE_HEAD.match(line)
        spoken = line[head.end() :].strip() if head else line.strip()
        if spoken:
            yield (head.group("who") if head else None), spoken


def speech_lines(text: str) -> Iterator[str]:
    """The spoken words of each line, without a ``[HH:MM:SS] Speaker:`` head. (Mark-up is
    already gone: :func:`~longsum.tools.markup.clean_markup` ran when the text was parsed.)"""
    for line in text.splitlines():
        spoken = _LINE_HEAD.sub("", line, count=1).strip()
        if spoken:
            yield spoken


def is_punctuated(text: str) -> bool:
    """Whether ``text`` has sentence punctuation (at least one end mark per 40 words)."""
    words = unit_count(text)
    # A mark inside closing quotes ('"Wow, use this." And') ends a sentence too.
    marks = len(re.findall(rf"[.!?][\"')\]”’]?(?:\s|$)|[{CJK_STOPS}]", text))
    return words == 0 or marks * 40 >= words


def split_spans(text: str, max_words: int = MAX_WORDS, min_words: int = 4) -> list[str]:
    """Sentence-sized spans of ``text`` (transcript lines), in order.

    Sentences longer than ``max_words`` and unpunctuated stretches are cut near
    ``TARGET_WORDS`` at a discourse word; spans under ``min_words`` words join the next span
    of the same line. No word is lost, none is reordered.
    """
    spans: list[str] = []
    for line in speech_lines(text):
        pieces = _SENTENCE_END.split(line) if is_punctuated(line) else [line]
        pending: list[str] = []
        for piece in pieces:
            # Words, or CJK units (word_units): CJK text has no spaces to count by.
            for part in _cut_long(word_units(piece), max_words):
                if pending and len(pending) + len(part) > max_words:
                    _flush(spans, pending, max_words)
                    pending = []
                pending.extend(part)
                if len(pending) >= min_words:
                    spans.append(join_units(pending))
                    pending = []
        if pending:
            _flush(spans, pending, max_words)
    return spans


def _flush(spans: list[str], pending: list[str], max_words: int) -> None:
    """A stub too short to stand alone joins the span before it when that stays within
    ``max_words``, else stands alone."""
    if spans and unit_count(spans[-1]) + len(pending) <= max_words:
        spans[-1] = join_units([spans[-1], *pending])
    else:
        spans.append(join_units(pending))


def _cut_long(words: list[str], max_words: int) -> Iterator[list[str]]:
    target = min(TARGET_WORDS, max_words)
    # An offset, not words = words[cut:]: copying the rest at every cut is quadratic in an
    # hour of unpunctuated speech on one line. _best_cut looks max_words + 1 words ahead.
    start = 0
    while len(words) - start > max_words:
        cut = _best_cut(words[start : start + max_words + 1], target, max_words)
        yield words[start : start + cut]
        start += cut
    if start < len(words):
        yield words[start:]


def _best_cut(words: list[str], target: int, max_words: int) -> int:
    """A cut before a discourse word, or after a comma, nearest ``target``; else ``target``."""
    best, best_cost = target, max_words
    for i in range(max(4, target // 2), min(max_words, len(words) - 1) + 1):
        previous, word = words[i - 1], words[i].casefold().strip(",.")
        if word in _BREAK_WORDS or previous.endswith((",", ";", ":", *CJK_CLAUSE_MARKS)):
            cost = abs(i - target)
        elif word in _WEAK_BREAK_WORDS:
            cost = abs(i - target) + 6
        else:
            continue
        if cost < best_cost:
            best, best_cost = i, cost
    return best


def clean_sentence(span: str, max_words: int = MAX_WORDS) -> str:
    """``span`` as a readable sentence: fillers and stutters out, capitalised, one final
    stop, at most ``max_words`` words (cut at a clause when longer)."""
    text = _FILLERS.sub("", span)
    text = _STUTTER.sub(r"\1", text).lstrip(" ,;:-.?!")
    text = re.sub(r"\s+([,.!?;:])", r"\1", " ".join(text.split()))
    text = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", text)
    text = _LEADING.sub("", text).lstrip(" ,;:-.?!").rstrip(" ,;:-")
    words = text.split()
    if len(words) > max_words:
        cut = _best_cut(words, max_words - 6, max_words)
        text = " ".join(words[:cut])
    text = _LONE_I.sub("I", text).rstrip(" ,;:-")
    # A quote whose first words were fillers opens onto a space; one never closed is noise.
    text = _OPEN_QUOTE.sub(r"\1", text)
    if text[:1] in '"“' and sum(text.count(q) for q in '"“”') == 1:
        text = text[1:].lstrip()
    if not text:
        return ""
    text = _FIRST_LETTER.sub(lambda m: m.group(1) + m.group(2).upper(), text, count=1)
    ends = (".", "!", "?", "…", "。", "！", "？")
    stopped = text if text.rstrip("\"')”’」』")[-1:] in ends else text + "."
    return _balanced_quotes(stopped)


def _balanced_quotes(text: str) -> str:
    """``text`` with the quote it was cut out of closed: a span that starts inside a quotation
    (``This is it" he said``) gets its opening mark, one that ends inside (``he asked, "Why?``)
    its closing mark. A straight quote opens after a space or at the start, else it closes."""
    depth = unopened = 0
    closer = '"'
    for i, char in enumerate(text):
        if char not in '"“”':
            continue
        opens = char == "“" or (char == '"' and (i == 0 or text[i - 1] in " ([—-"))
        if opens:
            depth += 1
            closer = "”" if char == "“" else '"'
        elif depth:
            depth -= 1
        else:
            unopened += 1
    if unopened == 1:
        text = ("“" if "“" in text else '"') + text
    if depth == 1:
        text += closer
    return text


def content_words(text: str) -> list[str]:
    """The lowercase words of ``text`` that carry meaning (not stop words or fillers)."""
    return [w for w in (m.group(0).casefold() for m in _WORD.finditer(text)) if w not in _STOP]


MIN_CONTENT_WORDS = 4
"""A span with fewer content words ("yeah, I mean, that's right") carries no point."""


def informative_spans(text: str) -> list[str]:
    """The spans of ``text`` with at least ``MIN_CONTENT_WORDS`` content words; all its
    spans when none has that many."""
    spans = split_spans(text)
    return [s for s in spans if len(content_words(s)) >= MIN_CONTENT_WORDS] or spans
