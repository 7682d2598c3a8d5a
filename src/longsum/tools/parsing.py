"""Transcript ingestion: read a file or text, find its format, parse it into a Transcript.

Formats (see :class:`~longsum.tools.transcript.TranscriptFormat`) are detected from the
content, in this order: Whisper JSON, WebVTT, SRT, timestamped lines, speaker lines, plain
text. Every bad input (missing, too large, binary, wrongly encoded, empty, malformed) raises
:class:`~longsum.errors.InputError` with a one-line message that names the source and says
what to do; a parse never returns an empty transcript.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import stat
import sys
from pathlib import Path
from typing import BinaryIO

from longsum.errors import InputError
from longsum.tools import captions, formats
from longsum.tools.markup import clean_markup
from longsum.tools.titles import leading_title
from longsum.tools.transcript import Transcript, TranscriptFormat, Utterance

__all__ = [
    "DEFAULT_MAX_BYTES",
    "content_hash",
    "decode_bytes",
    "detect_format",
    "parse_text",
    "read_text",
    "read_transcript",
]

_MB = 1024 * 1024
DEFAULT_MAX_BYTES = 32 * _MB
"""Largest transcript accepted by default (``Settings.max_input_mb`` is the same 32 MB)."""

_SNIFF = 8192
_BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_ALIASES = {"json": TranscriptFormat.WHISPER, "txt": TranscriptFormat.TEXT}
_WHITESPACE_CONTROLS = frozenset("\t\n\r\f\v")
_NOT_JSON = object()
_TITLED = (None, TranscriptFormat.TEXT, TranscriptFormat.TIMESTAMPED, TranscriptFormat.SPEAKER)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def content_hash(text: str) -> str:
    """SHA-256 of a transcript's decoded text (a byte-order mark left out): its identity."""
    return hashlib.sha256(text.removeprefix("\ufeff").encode("utf-8", "surrogatepass")).hexdigest()


def _binary_error(source: str) -> InputError:
    return InputError(
        f"{source} looks like a binary file, not a transcript: "
        "pass a text, WebVTT, SRT or Whisper JSON transcript"
    )


def decode_bytes(data: bytes, *, source: str, encoding: str = "utf-8") -> str:
    """Decode a transcript's bytes to text.

    A UTF-8, UTF-16 or UTF-32 byte-order mark wins over ``encoding`` (and is not part of the
    text). Raises :class:`InputError` for NUL bytes in the first 8 KB (a binary file), for
    bytes invalid in the encoding (naming the byte offset and line, and suggesting
    ``--encoding``), and for an unknown encoding name.
    """
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise InputError(
            f"{source}: unknown text encoding {encoding!r}; "
            "pass a Python codec name with --encoding, e.g. utf-8, cp1252 or latin-1"
        ) from None
    skip, shown = 0, encoding
    for bom, bom_codec in _BOMS:
        if data.startswith(bom):
            codec = shown = bom_codec
            skip = len(bom) if bom_codec == "utf-8" else 0  # UTF-16/32 codecs eat their BOM
            break
    if not codec.startswith(("utf-16", "utf-32")) and b"\x00" in data[:_SNIFF]:
        raise _binary_error(source)
    try:
        text = data[skip:].decode(codec)
    except UnicodeDecodeError as exc:
        offset = skip + exc.start
        line = data.count(b"\n", 0, offset) + 1
        raise InputError(
            f"{source}: byte 0x{data[offset]:02x} at offset {offset} (line {line}) is not "
            f"valid {shown}; if the file uses another encoding, pass it with --encoding "
            "(e.g. --encoding cp1252 or --encoding latin-1)"
        ) from None
    return text.removeprefix("\ufeff")


def _looks_binary(sample: str) -> bool:
    if "\x00" in sample:
        return True
    bad = sum(
        1
        for ch in sample
        if ch == "\ufffd"
        or ((ch < " " or "\x7f" <= ch <= "\x9f") and ch not in _WHITESPACE_CONTROLS)
    )
    return bad * 4 > len(sample)


def _resolve_format(format: TranscriptFormat | str | None, source: str) -> TranscriptFormat | None:
    if format is None or isinstance(format, TranscriptFormat):
        return format
    name = format.strip().lower()
    try:
        return _ALIASES.get(name) or TranscriptFormat(name)
    except ValueError:
        valid = ", ".join(f.value for f in TranscriptFormat)
        raise InputError(
            f"{source}: unknown transcript format {format!r}; use one of {valid} "
            "(or leave it out to detect the format)"
        ) from None


def _detect(text: str, lines: list[str], source: str) -> tuple[TranscriptFormat, object]:
    """The format, and the parsed JSON when it is JSON (so it is parsed only once). Text
    meant as JSON that does not parse is refused, not summarized as text, braces and all."""
    head = text.lstrip()
    if formats.looks_like_json(head, source):
        return TranscriptFormat.WHISPER, formats.load_json(text, source)
    if head.startswith("WEBVTT") and (len(head) == 6 or head[6] in " \t\r\n"):
        return TranscriptFormat.VTT, None
    if len(lines) >= 2 and lines[0].isdigit() and "-->" in lines[1]:
        return TranscriptFormat.SRT, None
    stamped = sum(1 for line in lines if formats.line_timestamp(line) is not None)
    if lines and stamped * 2 >= len(lines):
        return TranscriptFormat.TIMESTAMPED, None
    if formats.looks_like_speaker_lines(lines):
        return TranscriptFormat.SPEAKER, None
    return TranscriptFormat.TEXT, None


def _content_lines(text: str) -> list[str]:
    return [line for line in (raw.strip() for raw in text.splitlines()) if line]


def detect_format(text: str) -> TranscriptFormat:
    """The format of a transcript, judged by its content.

    Whisper JSON (text that opens as a JSON object or list; raises
    :class:`InputError` when it does not parse), then WebVTT (a ``WEBVTT``
    header), then SRT (a number line, then a ``-->`` line), then timestamped (at least half
    of the non-empty lines open with a timestamp), then speaker (at least 60% open with a
    name-like ``Speaker:`` prefix and few distinct speakers repeat), else plain text.
    """
    text = text.removeprefix("\ufeff")
    return _detect(text, _content_lines(text), "<text>")[0]


def parse_text(
    text: str,
    *,
    format: TranscriptFormat | str | None = None,
    source: str = "<text>",
) -> Transcript:
    """Parse already-decoded transcript text.

    ``format`` (a :class:`TranscriptFormat` or its value, case-insensitive) overrides
    detection. Raises :class:`InputError` for empty or binary-looking text, an unknown
    format, malformed VTT/SRT/JSON (or JSON-looking text), an endless "word" (see
    :func:`~.formats.refuse_endless_words`), or a parse that finds no utterance. An opening
    title line (see :func:`~longsum.tools.titles.leading_title`) is not read as speech.
    """
    text = text.removeprefix("\ufeff")
    fmt = _resolve_format(format, source)
    if not text.strip():
        raise InputError(f"{source} is empty: no transcript text to summarize")
    if _looks_binary(text[:_SNIFF]):
        raise _binary_error(source)
    # A title is not speech; dropped before detection, so "Title: ..." is no speaker line
    # (captions and JSON keep theirs in a header or a key, which their readers skip).
    body = leading_title(text)[1] if fmt in _TITLED else text
    lines = _content_lines(body)
    data: object = _NOT_JSON
    if fmt is None:
        fmt, data = _detect(body, lines, source)
    raws = _read(fmt, body, lines, data, source)

    kept: list[formats.Raw] = []
    for start, end, speaker, said in raws:
        said = clean_markup(said)  # no model or bullet ever sees mark-up
        formats.refuse_endless_words(said, text, source)
        if said:
            kept.append((start, end, (_one_line(speaker) or None) if speaker else None, said))
    if not kept:
        raise InputError(
            f"{source} has no utterance with text when read as {fmt.value}; check the file, "
            "or pass --input-format to read it as another format"
        )
    formats.refuse_wordless([said for *_, said in kept], source)
    if fmt is TranscriptFormat.TIMESTAMPED:
        _end_at_next_start(kept)
    utterances = [
        Utterance(index=i, start=start, end=end, speaker=who, text=said)
        for i, (start, end, who, said) in enumerate(kept)
    ]
    return Transcript(
        utterances=utterances,
        format=fmt,
        source=source,
        content_hash=content_hash(text),
    )


def _read(
    fmt: TranscriptFormat, text: str, lines: list[str], data: object, source: str
) -> list[formats.Raw]:
    if fmt is TranscriptFormat.WHISPER:
        if data is _NOT_JSON:
            data = formats.load_json(text, source)
        return captions.read_whisper(data, source)
    if fmt is TranscriptFormat.VTT:
        return captions.read_vtt(text, source)
    if fmt is TranscriptFormat.SRT:
        return captions.read_srt(text, source)
    if fmt is TranscriptFormat.TIMESTAMPED:
        return formats.read_timestamped(lines, source)
    if fmt is TranscriptFormat.SPEAKER:
        return formats.read_speaker(lines, source)
    return formats.read_lines(lines)


def _end_at_next_start(kept: list[formats.Raw]) -> None:
    """Give each timed utterance the next one's start as its end (the last keeps None)."""
    for i in range(len(kept) - 1):
        start, _, who, said = kept[i]
        after = kept[i + 1][0]
        if start is not None and after is not None and after >= start:
            kept[i] = (start, after, who, said)


def _read_limited(stream: BinaryIO, limit: int, source: str) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InputError(
            f"{source} is over the {round(limit / _MB, 3):g} MB limit for a transcript; "
            "raise it with --max-input-mb or LONGSUM_MAX_INPUT_MB"
        )
    return data


def read_transcript(
    path: str | Path,
    *,
    format: TranscriptFormat | str | None = None,
    encoding: str = "utf-8",
    max_bytes: int | None = None,
) -> Transcript:
    """Read (see :func:`read_text`) and parse (see :func:`parse_text`) a transcript file,
    or standard input when ``path`` is ``"-"``."""
    text, source = read_text(path, encoding=encoding, max_bytes=max_bytes)
    return parse_text(text, format=format, source=source)


def read_text(
    path: str | Path, *, encoding: str = "utf-8", max_bytes: int | None = None
) -> tuple[str, str]:
    """The decoded text of a transcript file (standard input for ``"-"``) and its name.

    The size is checked before reading (``max_bytes``, default 32 MB; standard input and
    pipes are read up to one byte past it), then the bytes are decoded (see
    :func:`decode_bytes`); every failure is a one-line :class:`InputError` naming the file."""
    limit = DEFAULT_MAX_BYTES if max_bytes is None else max_bytes
    if str(path) == "-":
        source = "<stdin>"
        data = _read_limited(sys.stdin.buffer, limit, source)
    else:
        source = str(path)
        data = _read_file(Path(path), limit, source)
    return decode_bytes(data, source=source, encoding=encoding), source


def _read_file(path: Path, limit: int, source: str) -> bytes:
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise InputError(
                f"{source} is a directory, not a transcript file: pass the path of one file"
            )
        if stat.S_ISREG(info.st_mode) and info.st_size > limit:
            raise InputError(
                # Rounded: a 0.001 MB limit is 1048 bytes, no reason to say 0.000999451 MB.
                f"{source} is {info.st_size / _MB:.1f} MB, over the {round(limit / _MB, 3):g} MB "
                "limit for a transcript; raise it with --max-input-mb or LONGSUM_MAX_INPUT_MB"
            )
        with open(path, "rb") as handle:
            return _read_limited(handle, limit, source)
    except (FileNotFoundError, NotADirectoryError):
        raise InputError(
            f"{source} does not exist: check the path of the transcript file"
        ) from None
    except PermissionError:
        raise InputError(
            f"{source} cannot be read: permission denied; check the file's permissions"
        ) from None
    except IsADirectoryError:
        raise InputError(
            f"{source} is a directory, not a transcript file: pass the path of one file"
        ) from None
    except OSError as exc:
        raise InputError(
            f"{source} cannot be read: {_one_line(exc.strerror or str(exc))}"
        ) from None
