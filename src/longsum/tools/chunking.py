"""Token-bounded chunking: cut a transcript into chunks of at most ``max_tokens`` tokens.

Cuts fall at utterance ends; an utterance too long for one chunk is cut at sentence ends,
then at word ends, and only inside a word as a last resort (a "word" thousands of tokens
long). Each chunk after the first opens with up to ``overlap_tokens`` tokens of the previous
chunk's end (whole pieces), so a topic cut at a boundary keeps its lead-in.

The bound is checked with the same tokenizer on each chunk's final text, so it holds even
where BPE merges across the pieces' seams differ from the sum of their counts.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from longsum.errors import ConfigError
from longsum.tools.languages import CJK, CJK_CLOSERS, CJK_STOPS
from longsum.tools.tokens import Tokenizer
from longsum.tools.transcript import Transcript, Utterance

__all__ = ["Chunk", "Span", "chunk_transcript", "chunk_utterances"]

# Units keep their leading whitespace, as cl100k's pre-tokenizer does (" word" is one token),
# so that a sum of unit counts is close to the count of their concatenation.
# Chinese and Japanese have no spaces: their full stops end a sentence where they stand, and
# each of their characters is a word end (about one cl100k token each).
_SENTENCE_END = re.compile(rf"[.!?…][\"')\]]*(?=\s)|[{CJK_STOPS}][{CJK_CLOSERS}]*")
_WORD = re.compile(rf"\s*(?:[^\s{CJK}]+|[{CJK}][^\s{CJK}]*)")
_LINE_START = re.compile(r"^", re.MULTILINE)
_SENTENCE_START = re.compile(
    r"(?:^|(?<=[.!?…]\s)"
    rf"|(?<=[{CJK_STOPS}])(?![{CJK_STOPS}{CJK_CLOSERS}])|(?<=[{CJK_STOPS}][{CJK_CLOSERS}]))\S",
    re.MULTILINE,
)
_WORD_START = re.compile(rf"(?<!\S)\S|[{CJK}]")
_MIN_TEXT_BUDGET = 16
"""Below this many tokens left after the ``[time] Speaker:`` header, continuation pieces
of a split utterance drop the header rather than carry almost no text."""


class Span(BaseModel):
    """A stretch of one utterance's text: ``utterance.text[start:end]``."""

    model_config = ConfigDict(frozen=True)

    utterance: int = Field(description="Index of the utterance.")
    start: int = Field(description="First character, inclusive.")
    end: int = Field(description="Last character, exclusive.")


class Chunk(BaseModel):
    """A token-bounded stretch of the transcript, the unit of the map step."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="Stable id within the transcript: 'c000', 'c001', ...")
    index: int = Field(description="Position in the transcript, from 0.")
    start: float | None = Field(description="Start in seconds of its own text; None untimed.")
    end: float | None = Field(description="End in seconds of its own text; None untimed.")
    speakers: list[str] = Field(description="Speakers of its own text, in order of appearance.")
    text: str = Field(
        description="What the model reads: the overlap lines, then its own lines; one "
        "'[HH:MM:SS] Speaker: text' line per piece."
    )
    token_count: int = Field(description="Tokens of ``text`` by the chunker's tokenizer.")
    overlap_chars: int = Field(
        description="Length of the leading overlap taken from the previous chunk (0 for the "
        "first); ``text[overlap_chars:]`` is the chunk's own text."
    )
    spans: list[Span] = Field(description="Its own pieces of utterances, in order.")

    @property
    def own_text(self) -> str:
        """The chunk's text without the overlap from the previous chunk."""
        return self.text[self.overlap_chars :]

    @property
    def utterance_range(self) -> tuple[int, int]:
        """Indices of the first and last utterance of its own text."""
        return self.spans[0].utterance, self.spans[-1].utterance


class _Piece:
    """One line of chunk text: a span of an utterance, rendered, with its token count."""

    __slots__ = ("line", "span", "tokens", "utterance")

    def __init__(self, utterance: Utterance, span: Span, line: str, tokens: int) -> None:
        self.utterance = utterance
        self.span = span
        self.line = line
        self.tokens = tokens


def chunk_transcript(
    transcript: Transcript, *, max_tokens: int, overlap_tokens: int, tokenizer: Tokenizer
) -> list[Chunk]:
    """Chunks of ``transcript``, each of at most ``max_tokens`` tokens (see module doc)."""
    return chunk_utterances(
        transcript.utterances,
        max_tokens=max_tokens,
        overlap_tokens=overlap_tokens,
        tokenizer=tokenizer,
    )


def chunk_utterances(
    utterances: Sequence[Utterance], *, max_tokens: int, overlap_tokens: int, tokenizer: Tokenizer
) -> list[Chunk]:
    """Chunks of ``utterances`` in order; every utterance's text lands in them exactly once."""
    if max_tokens < 8:
        raise ConfigError(f"max_tokens must be at least 8, got {max_tokens}")
    if not 0 <= overlap_tokens * 2 <= max_tokens:
        raise ConfigError(
            f"overlap_tokens must be between 0 and half of max_tokens, got {overlap_tokens}"
        )
    # A piece plus a full overlap (and the newline between them) must fit in one chunk.
    piece_budget = max_tokens - overlap_tokens - (1 if overlap_tokens else 0)
    pieces = _pieces(utterances, piece_budget, tokenizer)
    return _pack(pieces, max_tokens, overlap_tokens, tokenizer)


def _pieces(utterances: Sequence[Utterance], budget: int, tokenizer: Tokenizer) -> list[_Piece]:
    lines = [u.render() for u in utterances]
    counts = tokenizer.count_many(lines)
    pieces: list[_Piece] = []
    for utt, line, count in zip(utterances, lines, counts, strict=True):
        if count <= budget:
            pieces.append(
                _Piece(utt, Span(utterance=utt.index, start=0, end=len(utt.text)), line, count)
            )
        else:
            pieces.extend(_split_utterance(utt, budget, tokenizer))
    return pieces


def _split_utterance(utt: Utterance, budget: int, tokenizer: Tokenizer) -> list[_Piece]:
    header = utt.render()[: -len(utt.text)] if utt.text else utt.render()
    text_budget = budget - tokenizer.count(header)
    if text_budget < _MIN_TEXT_BUDGET:
        header, text_budget = "", budget
    bounds = _split_text(utt.text, 0, len(utt.text), text_budget, tokenizer, level=0)
    pieces = []
    for a, b in bounds:
        segment = utt.text[a:b]
        body = segment.strip()
        if not body:
            continue
        start = a + len(segment) - len(segment.lstrip())
        line = header + body
        span = Span(utterance=utt.index, start=start, end=start + len(body))
        pieces.append(_Piece(utt, span, line, tokenizer.count(line)))
    return pieces


def _split_text(
    text: str, start: int, end: int, budget: int, tokenizer: Tokenizer, level: int
) -> list[tuple[int, int]]:
    """Cut ``text[start:end]`` into spans of at most ``budget`` tokens, each as long as possible
    but balanced so that no tiny tail is left; level 0 cuts at sentence ends, 1 at word ends,
    2 inside words."""
    if level >= 2:
        return _split_inside_words(text, start, end, budget, tokenizer)
    units = _units(text, start, end, level)
    counts = tokenizer.count_many([text[a:b] for a, b in units])
    if len(units) <= 1:
        return _split_text(text, start, end, budget, tokenizer, level + 1)
    out: list[tuple[int, int]] = []
    group: list[tuple[int, int]] = []
    group_tokens = 0
    target = _balanced_target(sum(counts), budget)
    for (a, b), count in zip(units, counts, strict=True):
        if count > budget:  # one unit alone is too long: cut it finer
            if group:
                out.append((group[0][0], group[-1][1]))
                group, group_tokens = [], 0
            out.extend(_split_text(text, a, b, budget, tokenizer, level + 1))
            continue
        if group and (group_tokens + count > budget or group_tokens + count / 2 > target):
            out.append((group[0][0], group[-1][1]))
            group, group_tokens = [], 0
        group.append((a, b))
        group_tokens += count
    if group:
        out.append((group[0][0], group[-1][1]))
    return _enforce(text, out, budget, tokenizer, level)


def _enforce(
    text: str, spans: list[tuple[int, int]], budget: int, tokenizer: Tokenizer, level: int
) -> list[tuple[int, int]]:
    """Re-count each packed span as a whole (seams can change BPE counts); cut finer any over."""
    counts = tokenizer.count_many([text[a:b].strip() for a, b in spans])
    out: list[tuple[int, int]] = []
    for (a, b), count in zip(spans, counts, strict=True):
        if count <= budget:
            out.append((a, b))
        else:
            out.extend(_split_text(text, a, b, max(1, budget - 1), tokenizer, level + 1))
    return out


def _units(text: str, start: int, end: int, level: int) -> list[tuple[int, int]]:
    pattern = _SENTENCE_END if level == 0 else _WORD
    if level == 0:
        cuts = [m.end() for m in pattern.finditer(text, start, end)]
        edges = [start, *[c for c in cuts if start < c < end], end]
        return [(a, b) for a, b in itertools.pairwise(edges) if a < b]
    return [(m.start(), m.end()) for m in pattern.finditer(text, start, end)]


def _split_inside_words(
    text: str, start: int, end: int, budget: int, tokenizer: Tokenizer
) -> list[tuple[int, int]]:
    out = []
    pos = start
    # Truncating the whole rest each time is quadratic in a megabyte-long "word"; a window of
    # a few characters per token holds the budget's worth, and doubles when it does not.
    window = max(64, budget * 8)
    while pos < end:
        stop = min(end, pos + window)
        head = tokenizer.truncate(text[pos:stop], budget)
        if len(head) == stop - pos and stop < end and tokenizer.count(head) < budget:
            window *= 2  # the window fit whole and under budget: a longer piece may fit
            continue
        if not head:  # a single character over budget: cannot happen with budget >= 1
            head = text[pos]
        out.append((pos, pos + len(head)))
        pos += len(head)
    return out


def _balanced_target(total: int, budget: int) -> float:
    """Size that splits ``total`` tokens into the fewest groups of at most ``budget``, evenly."""
    groups = max(1, math.ceil(total / budget))
    return total / groups


def _pack(
    pieces: list[_Piece], max_tokens: int, overlap_tokens: int, tokenizer: Tokenizer
) -> list[Chunk]:
    chunks: list[Chunk] = []
    costs = [p.tokens + 1 for p in pieces]  # +1: the newline that joins lines
    remaining = sum(costs)
    i = 0
    while i < len(pieces):
        overlap = _overlap_text(chunks[-1].own_text, overlap_tokens, tokenizer) if chunks else ""
        used = tokenizer.count(overlap) + 1 if overlap else 0
        # Aim every chunk at the same size, so the last one is not a stub.
        budget = max_tokens - used
        target = remaining / max(1, math.ceil(remaining / (max_tokens - overlap_tokens)))
        own: list[_Piece] = []
        own_used = 0
        while i < len(pieces):
            cost = costs[i]
            if own and (own_used + cost > budget or own_used + cost / 2 > target):
                break
            own.append(pieces[i])
            own_used += cost
            i += 1
        chunk = _make_chunk(len(chunks), overlap, own, tokenizer)
        while chunk.token_count > max_tokens:  # BPE seams: give back a piece, then the overlap
            if len(own) > 1:
                own.pop()
                i -= 1
                own_used -= costs[i]
            elif overlap:
                overlap = _overlap_text(overlap[1:], overlap_tokens, tokenizer)
            else:  # pragma: no cover - a lone piece is within budget by construction
                raise AssertionError("a single piece exceeds max_tokens")
            chunk = _make_chunk(len(chunks), overlap, own, tokenizer)
        remaining -= own_used
        chunks.append(chunk)
    return chunks


def _overlap_text(previous: str, overlap_tokens: int, tokenizer: Tokenizer) -> str:
    """The longest tail of ``previous`` within ``overlap_tokens``, starting at a line start,
    else a sentence start, else a word start."""
    if overlap_tokens <= 0 or not previous:
        return ""
    for pattern in (_LINE_START, _SENTENCE_START, _WORD_START):
        starts = [m.start() for m in pattern.finditer(previous)]
        # Suffixes shrink as the start moves right: binary-search the first that fits.
        lo, hi = 0, len(starts)
        while lo < hi:
            mid = (lo + hi) // 2
            if tokenizer.count(previous[starts[mid] :]) <= overlap_tokens:
                hi = mid
            else:
                lo = mid + 1
        if lo < len(starts):
            return previous[starts[lo] :].strip()
    return ""


def _make_chunk(index: int, overlap: str, own: list[_Piece], tokenizer: Tokenizer) -> Chunk:
    overlap_text = overlap + "\n" if overlap else ""
    text = overlap_text + "\n".join(p.line for p in own)
    starts = [p.utterance.start for p in own if p.utterance.start is not None]
    ends = [p.utterance.end if p.utterance.end is not None else p.utterance.start for p in own]
    known_ends = [e for e in ends if e is not None]
    return Chunk(
        id=f"c{index:03d}",
        index=index,
        start=min(starts) if starts else None,
        end=max(known_ends) if known_ends else None,
        speakers=list(dict.fromkeys(p.utterance.speaker for p in own if p.utterance.speaker)),
        text=text,
        token_count=tokenizer.count(text),
        overlap_chars=len(overlap_text),
        spans=[p.span for p in own],
    )
