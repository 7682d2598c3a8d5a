"""Keyphrases of the offline engine (``longsum.agent.extractive.keyphrases``): which phrases
are candidates, how particular they are, how they are labelled, and KeyBERT over our own
embedder (the hashing fake here: fast and deterministic)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from longsum.agent.extractive.keyphrases import (
    Keyphrase,
    KeyphraseExtractor,
    candidate_phrases,
    label,
    specificity,
)
from longsum.memory.embeddings import HashingEmbedder

EDGE_WORDS = {
    "the", "a", "and", "of", "to", "you", "i", "we", "it", "is", "uh", "um", "know", "like",
    "really", "just", "so", "yeah", "okay", "thing", "things", "going", "get", "use", "using",
    "actually", "basically", "probably", "very",
}  # fmt: skip
"""Stop words, fillers and everyday verbs that no candidate may start or end with."""

PYTORCH = (
    "we train the model in pytorch. pytorch gives us autograd, and pytorch tensors live on "
    "the gpu. the pytorch optimizer updates the weights after every batch."
)


@pytest.fixture(scope="module")
def seeds(shared_dir: Path) -> dict[str, str]:
    folder = shared_dir / "data" / "seed_transcripts"
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))}


def _normalised(text: str) -> str:
    """Lowercase words with letters, single-spaced (numbers out: they are no candidates)."""
    return " " + " ".join(re.findall(r"[a-z][a-z0-9+#'-]*", text.casefold())) + " "


# --- candidate_phrases ----------------------------------------------------------------------


def test_candidates_of_every_seed_obey_the_edge_rules(seeds: dict[str, str]) -> None:
    for name, text in seeds.items():
        found = candidate_phrases(text)
        assert found, name
        haystack = _normalised(text)
        for phrase, count in found.items():
            parts = phrase.split()
            assert 1 <= len(parts) <= 3, (name, phrase)
            assert parts[0] not in EDGE_WORDS and parts[-1] not in EDGE_WORDS, (name, phrase)
            assert all(w == "of" or w not in EDGE_WORDS for w in parts[1:-1]), (name, phrase)
            assert count >= 1 and f" {phrase} " in haystack, (name, phrase)


def test_candidates_count_every_occurrence() -> None:
    found = candidate_phrases("The memory allocator frees memory. Memory allocator again!")
    assert found["memory"] == 3
    assert found["memory allocator"] == 2


def test_only_of_may_sit_inside_a_phrase() -> None:
    found = candidate_phrases("the theory of mind is the state of the art of robotics")
    assert "theory of mind" in found
    assert "state of the art" not in found
    assert not any(" the " in f" {p} " for p in found)


def test_candidates_never_cross_punctuation() -> None:
    found = candidate_phrases("we need a machine. learning rates matter, gradient descent too")
    assert "machine" in found
    assert not any("machine" in p and len(p.split()) > 1 for p in found)
    assert "matter gradient" not in found and "gradient descent" in found


def test_adverbs_and_everyday_verbs_do_not_edge_a_phrase() -> None:
    found = candidate_phrases("we quickly deployed the assembly line using kubernetes")
    assert "assembly line" in found and "assembly" in found  # -ly, but a noun
    assert not any(p.split()[0] in {"quickly", "using"} for p in found)
    assert "kubernetes" in found


def test_max_words_bounds_the_phrase_length() -> None:
    text = "graph neural network training pipeline"
    assert max(len(p.split()) for p in candidate_phrases(text, max_words=2)) == 2
    assert "graph neural network" in candidate_phrases(text, max_words=3)


def test_a_phrase_never_spans_a_number() -> None:
    found = candidate_phrases("we bought 100 servers for 3 datacenters")
    assert "bought servers" not in found and "servers datacenters" not in found


def test_contractions_are_not_candidates() -> None:
    assert candidate_phrases("what's next? it'll be. that'll do. we'll see, they'll go") == {}


def test_compound_terms_of_computing_are_candidates() -> None:
    found = candidate_phrases(
        "machine learning on the front end, checked at compile time by a function call"
    )
    assert {"machine learning", "front end", "compile time", "function call"} <= set(found)


# --- specificity ----------------------------------------------------------------------------


def test_rarer_words_are_more_specific() -> None:
    assert specificity("quantization") > specificity("memory") > specificity("the")
    assert specificity("the") == 0.5  # the floor


def test_a_phrase_is_as_specific_as_its_rarest_word() -> None:
    assert specificity("memory allocator") == specificity("allocator")
    assert specificity("allocator memory") == specificity("allocator")


def test_words_glued_together_have_no_specificity() -> None:
    assert specificity("containerslike") == 0.0
    assert specificity("memory containerslike") == 0.0
    assert specificity("okayits") > 0  # unknown but short: a real (rare) word, maybe


# --- label ----------------------------------------------------------------------------------


def test_label_keeps_the_speakers_capitalisation() -> None:
    assert label("pytorch", Counter({"PyTorch": 2, "pytorch": 1})) == "PyTorch"
    assert label("stable diffusion", Counter({"Stable Diffusion": 3})) == "Stable Diffusion"


def test_label_title_cases_lowercase_text_and_upper_cases_acronyms() -> None:
    assert label("gpu memory") == "GPU Memory"
    assert label("llm api", Counter({"llm api": 4})) == "LLM API"
    assert label("pytorch", Counter({"pytorch": 3, "PyTorch": 1})) == "Pytorch"


# --- KeyphraseExtractor ---------------------------------------------------------------------


@pytest.fixture
def extractor() -> KeyphraseExtractor:
    return KeyphraseExtractor(HashingEmbedder())


def test_extract_gives_labelled_candidates_of_each_doc(
    extractor: KeyphraseExtractor, seeds: dict[str, str]
) -> None:
    docs = [seeds["zig.txt"], seeds["rust.txt"], PYTORCH]
    found = extractor.extract(docs, top_n=5)
    assert len(found) == len(docs)
    for doc, phrases in zip(docs, found, strict=True):
        assert 1 <= len(phrases) <= 5
        assert all(isinstance(k, Keyphrase) for k in phrases)
        candidates = candidate_phrases(doc)
        for k in phrases:
            assert k.phrase in candidates
            assert k.label.casefold() == k.phrase
            assert -1.0 <= k.score <= 1.0
        assert len({k.phrase for k in phrases}) == len(phrases)


def test_extract_respects_max_words(extractor: KeyphraseExtractor, seeds: dict[str, str]) -> None:
    found = extractor.extract([seeds["zig.txt"]], top_n=10, max_words=1)[0]
    assert found and all(" " not in k.phrase for k in found)


def test_extract_of_a_doc_without_candidates_is_empty(extractor: KeyphraseExtractor) -> None:
    assert extractor.extract(["uh, you know, it is what it is"]) == [[]]
    assert extractor.extract(["so yeah", "um okay"]) == [[], []]


def test_glued_words_are_never_keyphrases(extractor: KeyphraseExtractor) -> None:
    doc = "containerslike containerslike containerslike docker images and docker volumes"
    found = extractor.extract([doc], top_n=10)[0]
    assert found and not any("containerslike" in k.phrase for k in found)


def test_given_doc_vectors_stand_for_embedding_the_docs(
    extractor: KeyphraseExtractor, seeds: dict[str, str]
) -> None:
    docs = [seeds["zig.txt"], PYTORCH]
    vectors = HashingEmbedder().embed(docs)
    assert extractor.extract(docs, vectors) == extractor.extract(docs)


def _pytorch_labels(phrases: list[Keyphrase]) -> list[str]:
    return [k.label for k in phrases if "pytorch" in k.phrase]


def test_labels_depend_only_on_the_docs_of_the_call(seeds: dict[str, str]) -> None:
    """Regression: labels once came from every text the extractor had seen, so a run whose
    chunk notes came from the node cache labelled its sections differently."""
    capitalised = PYTORCH.replace("pytorch", "PyTorch").replace("gpu", "GPU")
    used = KeyphraseExtractor(HashingEmbedder())
    before = used.extract([capitalised, seeds["zig.txt"]])
    assert any(label.startswith("PyTorch") for label in _pytorch_labels(before[0]))
    fresh = KeyphraseExtractor(HashingEmbedder()).extract([PYTORCH])[0]
    again = used.extract([PYTORCH])[0]
    assert _pytorch_labels(fresh), "the lowercase doc has a pytorch keyphrase too"
    assert [k.label for k in again] == [k.label for k in fresh]
    assert not any("PyTorch" in label for label in _pytorch_labels(again))


def test_each_doc_of_one_call_is_labelled_from_its_own_text() -> None:
    capitalised = PYTORCH.replace("pytorch", "PyTorch")
    lower, upper = KeyphraseExtractor(HashingEmbedder()).extract([PYTORCH, capitalised])
    assert _pytorch_labels(lower) and _pytorch_labels(upper)
    assert all(label.startswith("Pytorch") for label in _pytorch_labels(lower))
    assert all(label.startswith("PyTorch") for label in _pytorch_labels(upper))
