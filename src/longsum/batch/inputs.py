"""Expanding ``longsum batch``'s INPUT arguments into the transcript files to summarize.

An INPUT is a transcript file (taken whatever its suffix: it was named on purpose), a folder
(searched recursively for the suffixes of :data:`BATCH_SUFFIXES`, hidden files and folders
left out), or ``@FILE``: a list of paths, one per line (blank lines and ``#`` comments
skipped; a relative path is relative to the list's own folder), each expanded the same way.
The result is deduplicated (by resolved path) in a stable order: the order the inputs were
given in, a folder's files sorted by path.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from longsum.errors import InputError

__all__ = ["BATCH_SUFFIXES", "LIST_PREFIX", "expand_inputs"]

BATCH_SUFFIXES = frozenset({".txt", ".vtt", ".srt", ".json"})
"""Suffixes a folder's files need to be summarized (compared without case). A folder's
``.md`` files are its notes (README, SOURCES), and its ``.json`` files are taken only when
they hold Whisper segments (not a manifest, not reference summaries); name either on the
command line to summarize it anyway."""
LIST_PREFIX = "@"
"""``@list.txt`` names a file listing inputs (as curl and compilers read ``@file``)."""


def expand_inputs(inputs: Iterable[str | Path], *, exclude: Path | None = None) -> list[Path]:
    """The transcript files ``inputs`` name, each once, in a stable order (see the module).

    Files under ``exclude`` (the batch's output folder) are never taken from a folder, so a
    rerun does not summarize the previous run's results. A path that does not exist, here
    or in a list, raises :class:`~longsum.errors.InputError` before anything runs: a typo
    should not cost a batch.
    """
    seen: dict[Path, Path] = {}
    skip = exclude.resolve() if exclude is not None else None
    for given in inputs:
        for path in _expand(str(given), skip, None, depth=0):
            seen.setdefault(path.resolve(), path)
    return list(seen.values())


def _expand(given: str, skip: Path | None, base: Path | None, depth: int) -> list[Path]:
    if given.startswith(LIST_PREFIX):
        if depth > 8:  # a list that names itself, directly or not
            raise InputError(f"{given}: lists nest too deep (does one list itself?)")
        listing = _resolve(given[len(LIST_PREFIX) :], base)
        found: list[Path] = []
        for entry in _read_list(listing):
            found += _expand(entry, skip, listing.parent, depth + 1)
        return found
    path = _resolve(given, base)
    if path.is_dir():
        return _folder(path, skip)
    if not path.exists():
        raise InputError(f"{given} does not exist: check the path of the transcript or folder")
    return [path]


def _resolve(given: str, base: Path | None) -> Path:
    """``given`` as a path: as it is on the command line, relative to its list in a list."""
    path = Path(given).expanduser()
    return path if base is None or path.is_absolute() else base / path


def _read_list(listing: Path) -> list[str]:
    try:
        lines = listing.read_text(encoding="utf-8-sig").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read the list {listing}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"the list {listing} is not UTF-8 text: one path per line") from None
    stripped = (line.strip() for line in lines)
    return [line for line in stripped if line and not line.startswith("#")]


def _folder(folder: Path, skip: Path | None) -> list[Path]:
    found = []
    for path in sorted(folder.rglob("*")):
        parts = path.relative_to(folder).parts
        if any(part.startswith(".") for part in parts):
            continue
        if path.suffix.lower() not in BATCH_SUFFIXES or not path.is_file():
            continue
        if skip is not None and path.resolve().is_relative_to(skip):
            continue
        if path.suffix.lower() == ".json" and not _whisper_like(path):
            continue
        found.append(path)
    return found


def _whisper_like(path: Path) -> bool:
    """Whether a JSON file holds a transcript: Whisper's ``segments`` (or a bare list of
    them), segments with ``text``, as :func:`~longsum.tools.captions.read_whisper` reads."""
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return True  # taken, so its error (unreadable, broken JSON) is recorded like any other
    if isinstance(data, dict):  # Whisper's own shape, even empty (then it fails, recorded)
        return isinstance(data.get("segments"), list)
    return (
        isinstance(data, list)
        and any(  # a bare list: of segments, not of records
            isinstance(seg, dict) and "text" in seg and "start" in seg for seg in data[:50]
        )
    )
