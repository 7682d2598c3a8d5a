"""A transcript's title, with one precedence (see :func:`resolve_title`):

1. the title the caller gives (``--title``, ``title=``, the graph input's ``title``);
2. a title in the source itself: a WebVTT header (``WEBVTT - Name`` or a ``Title:`` header
   line; YouTube's ``Kind:`` / ``Language:`` lines are not titles), the first line of a
   plain, speaker or timestamped transcript when it is a ``# Heading`` or ``Title: ...``
   (or Markdown front matter with a ``title:``), a Whisper JSON top-level ``"title"``;
   SubRip has no place for one;
3. the file name, cleaned (:func:`file_title`); standard input and inline text have none.

The opening title line is metadata, not speech: the parser drops it (see
:func:`leading_title`), so no summary quotes it as something a speaker said.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import PurePath

from longsum.tools.transcript import TranscriptFormat

__all__ = ["MAX_TITLE_CHARS", "file_title", "leading_title", "resolve_title", "source_title"]

MAX_TITLE_CHARS = 200
"""A longer opening line is speech, not a title (the explicit title has no such bound)."""

_HEADING = re.compile(r"#{1,6}[ \t]+(?P<title>.+?)(?:[ \t]+#+)?")
_TITLE_LINE = re.compile(r"title[ \t]*:[ \t]*(?P<title>.+)", re.I)
_FRONT_KEY = re.compile(r"[\w-]+[ \t]*:|[ \t]|-[ \t]")  # a YAML key, nested value or item
_FRONT_LINES = 40

# File-name words that name what kind of recording it is, or how it was made: dropped when
# other words remain, because every transcript is one of these and the heading says so.
_GENRE = frozenset(
    {
        *("podcast", "podcasts", "transcript", "transcripts", "transcription", "recording"),
        *("meeting", "meetings", "lecture", "lectures", "caption", "captions"),
        *("subtitle", "subtitles", "subs"),
    }
)
_CORPUS = {  # public transcript corpora that name files, shown as their authors write them
    "ami": "AMI",
    "icsi": "ICSI",
    "qmsum": "QMSum",
    "vtssum": "VT-SSum",
    "mediasum": "MediaSum",
}
_NOISE = frozenset({"en", "eng", "auto", "asr", "orig"})  # language and caption-track codes
_SPELLINGS = {  # words whose usual spelling is not plain title case
    **{w: w.upper() for w in ("ai", "ml", "llm", "llms", "nlp", "gpu", "api", "sql", "aws")},
    **{w: w.upper() for w in ("ceo", "cto", "ui", "ux", "covid", "dpo")},
    "mlops": "MLOps",
    "devops": "DevOps",
    "github": "GitHub",
    "openai": "OpenAI",
    "youtube": "YouTube",
    "typescript": "TypeScript",
    "javascript": "JavaScript",
}
_SMALL = frozenset(
    {"a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to"}
    | {"vs", "with"}
)
_TOKEN = re.compile(
    r"(?P<date>\d{4}[-_.]\d{2}[-_.]\d{2}(?:[T_ -]?\d{2}[-_.:h]?\d{2}(?:[-_.:m]?\d{2})?)?)"
    r"|\[(?P<bracket>[^\]\s]*)\]"  # yt-dlp's "Title [videoid]"
    r"|(?P<word>[^\W_]+(?:['’][^\W_]+)*)"
)
_PERSON_WORD = re.compile(r"[^\W\d_][\w'’.-]*")


def _clean(text: str | None, limit: int | None = MAX_TITLE_CHARS) -> str | None:
    """``text`` on one line, without wrapping quotes; None when blank or over ``limit``."""
    if text is None:
        return None
    one = " ".join(text.split()).strip()
    if len(one) >= 2 and one[0] == one[-1] and one[0] in "\"'":
        one = one[1:-1].strip()
    if not one or (limit is not None and len(one) > limit):
        return None
    return one


def leading_title(text: str) -> tuple[str | None, str]:
    """The title a plain, speaker or timestamped transcript opens with, and the text
    without it: a first non-empty line ``# Heading`` or ``Title: ...``, or Markdown front
    matter (``---`` ... ``---``) with a ``title:`` key (front matter without one is dropped
    too: it is never speech). A later ``#`` line is left alone: mid-transcript it may be
    a section marker or speech, and only the opening line is unambiguous."""
    lines = text.splitlines(keepends=True)
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return None, text
    head = lines[first].strip()
    if head == "---":
        return _front_matter(lines, first) or (None, text)
    match = _HEADING.fullmatch(head) or _TITLE_LINE.fullmatch(head)
    title = _clean(match["title"]) if match else None
    if title is None:
        return None, text
    return title, "".join(lines[first + 1 :])


def _front_matter(lines: list[str], first: int) -> tuple[str | None, str] | None:
    title = None
    for i in range(first + 1, min(len(lines), first + _FRONT_LINES)):
        line = lines[i].rstrip("\r\n")
        if line.strip() in ("---", "..."):
            return title, "".join(lines[i + 1 :])
        if line.strip() and not _FRONT_KEY.match(line):
            return None  # not YAML: a transcript that opens with a rule
        match = _TITLE_LINE.fullmatch(line.strip())
        if match and title is None and line[:1] not in " \t-":
            title = _clean(match["title"])
    return None


def _vtt_title(text: str) -> str | None:
    """A ``Title:`` line of the header block, else the text after ``WEBVTT`` on line one."""
    lines = text.lstrip().splitlines()
    if not lines:
        return None
    for line in lines[1:]:
        if not line.strip() or "-->" in line:
            break  # the header ends at the first blank line
        match = _TITLE_LINE.fullmatch(line.strip())
        if match:
            return _clean(match["title"])
    after = lines[0][len("WEBVTT") :].strip().lstrip("-–—:|").strip()
    # "WEBVTT FILE" is an old tools' convention, not a name.
    return None if after.upper() == "FILE" else _clean(after)


def _json_title(text: str) -> str | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    title = data.get("title") if isinstance(data, dict) else None
    return _clean(title) if isinstance(title, str) else None


def source_title(text: str, fmt: TranscriptFormat) -> str | None:
    """The title the transcript's own text gives, read as ``fmt``; None when it has none."""
    if fmt is TranscriptFormat.VTT:
        return _vtt_title(text)
    if fmt is TranscriptFormat.WHISPER:
        return _json_title(text)
    if fmt is TranscriptFormat.SRT:
        return None
    return leading_title(text.removeprefix("\ufeff"))[0]


def _kind(token: str) -> str:
    """``genre``, ``corpus``, ``noise``, ``id`` (a catalogue code, hash, long number or
    date: meaningful to a machine, not a title) or ``word`` (a number stays a word: it is
    usually a part or episode)."""
    low = token.lower()
    if low in _GENRE:
        return "genre"
    if low in _CORPUS:
        return "corpus"
    if low in _NOISE:
        return "noise"
    digits = sum(c.isdigit() for c in token)
    if token.isdigit():
        return "id" if len(token) > 4 else "word"
    if digits >= 3 or (digits and (len(token) >= 10 or re.search("[a-z][A-Z]", token))):
        return "id"  # IS1004c, Bmr024, dQw4w9WgXcQ; "covid19", "gpt4", "mixtral8x7b" stay words
    return "word"


def _people(speakers: Sequence[str]) -> list[tuple[str, list[str]]]:
    """Speakers whose labels read as names (1 to 4 capitalised words), with their words."""
    found = []
    for name in speakers:
        words = name.split()
        if 0 < len(words) <= 4 and all(_PERSON_WORD.fullmatch(w) and w[0].isupper() for w in words):
            found.append((name, [w.lower().strip(".") for w in words]))
    return found


def _as_people(words: list[str], people: list[tuple[str, list[str]]]) -> list[str] | None:
    """The speakers the words name, when every word is part of exactly one of them in turn
    (``lex pieter levels`` with Lex Fridman and Pieter Levels speaking); else None."""
    named: list[str] = []
    i = 0
    while i < len(words):
        best: list[tuple[int, str]] = []
        for name, parts in people:
            run = 0
            while i + run < len(words) and words[i + run].lower() in parts:
                run += 1
            if run and name not in named:
                best.append((run, name))
        best.sort(reverse=True)
        if not best or (len(best) > 1 and best[0][0] == best[1][0]):
            return None  # unknown or ambiguous: keep the file's own words
        named.append(best[0][1])
        i += best[0][0]
    return named


def _spell(token: str, first: bool, spellings: dict[str, str]) -> str:
    low = token.lower()
    if low in spellings:
        return spellings[low]
    if low in _CORPUS:
        return _CORPUS[low]
    if any(c.isupper() for c in token):
        return token  # the file's own capitals: McAfee, IS1004c, iPhone
    if low in _SMALL and not first:
        return low
    return token[:1].upper() + token[1:]


def file_title(source: str, speakers: Sequence[str] = ()) -> str | None:
    """A readable title from a transcript's file name; None for ``<stdin>``/``<text>``.

    The extension, dates, bracketed video ids, language codes, catalogue codes and genre
    words (``podcast``, ``meeting``, ...) go when other words remain; words are split on
    ``_ - .`` and title-cased (acronyms in capitals). When every word is part of one of the
    transcript's ``speakers`` in turn, the title names them as they are written there
    (``podcast_lex_pieter_levels.txt`` -> ``Lex Fridman and Pieter Levels``); a file name
    of only genre, corpus and codes keeps them all (``AMI Meeting IS1004c``).
    """
    if source.startswith("<") and source.endswith(">"):
        return None
    found: list[tuple[str, str]] = []
    for match in _TOKEN.finditer(PurePath(source).stem):
        if match["word"]:
            found.append((_kind(match["word"]), match["word"]))
        elif match["date"]:
            found.append(("id", match["date"]))
    words = [t for kind, t in found if kind == "word"]
    if any(not t.isdigit() for t in words):
        people = _people(speakers)
        named = _as_people(words, people) if people else None
        if named:
            return named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"
        spellings = {**_SPELLINGS, **{w.lower(): w for n, _ in people for w in n.split()}}
        return " ".join(_spell(t, i == 0, spellings) for i, t in enumerate(words))
    # Nothing but codes: the corpus, then the genre, then the codes, which say which one.
    order = {"corpus": 0, "genre": 1}
    kept = sorted((t for t in found if t[0] != "noise"), key=lambda t: order.get(t[0], 2))
    if not kept:
        return None
    return " ".join(_spell(t, i == 0, _SPELLINGS) for i, (_, t) in enumerate(kept))


def resolve_title(
    given: str | None,
    text: str,
    fmt: TranscriptFormat,
    source: str,
    speakers: Sequence[str] = (),
) -> str | None:
    """The document's title: ``given`` (when not blank), else the source's own
    (:func:`source_title`), else the cleaned file name (:func:`file_title`)."""
    return _clean(given, limit=None) or source_title(text, fmt) or file_title(source, speakers)
