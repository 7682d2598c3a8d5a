"""Spoken text as sentence-sized spans and readable sentences (``longsum.tools.sentences``):
properties over every seed transcript, and the documented cleaning rules one by one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from longsum.tools.sentences import (
    MAX_WORDS,
    TARGET_WORDS,
    clean_sentence,
    content_words,
    is_punctuated,
    speech_lines,
    split_spans,
    words,
)

FILLER_WORDS = {"uh", "um", "uhm", "erm", "hmm"}


@pytest.fixture(scope="module")
def seeds(shared_dir: Path) -> dict[str, str]:
    """The 13 unpunctuated seed transcripts, read in place."""
    folder = shared_dir / "data" / "seed_transcripts"
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))}
    assert len(texts) >= 13
    return texts


def spoken_words(text: str) -> list[str]:
    return [w for line in speech_lines(text) for w in line.split()]


# --- speech_lines -------------------------------------------------------------------------


def test_speech_lines_strip_time_and_speaker_heads() -> None:
    text = (
        "[00:01:02] Ada Lovelace: the engine computes numbers\n"
        "[01:02] Bob: and more\n"
        "Project Manager: the remote control\n"
        "no head on this line\n"
    )
    assert list(speech_lines(text)) == [
        "the engine computes numbers",
        "and more",
        "the remote control",
        "no head on this line",
    ]


def test_speech_lines_drop_heads_and_blank_lines_and_read_parsed_text_as_it_is() -> None:
    # Mark-up went when the transcript was parsed (tests/test_markup.py), not here.
    text = "Marketing: Okay. The LCD screen costs more.\n\n  \n"
    assert list(speech_lines(text)) == ["Okay. The LCD screen costs more."]


def test_speech_lines_keep_colons_after_the_head() -> None:
    line = next(speech_lines("[00:00:05] Lex: the answer is simple: use a hash map."))
    assert line == "the answer is simple: use a hash map."


def test_speech_lines_keep_an_early_colon_of_a_line_without_speaker() -> None:
    line = "There are two kinds: supervised and unsupervised learning."
    assert list(speech_lines(line)) == [line]


# --- is_punctuated --------------------------------------------------------------------------


def test_seed_transcripts_are_unpunctuated(seeds: dict[str, str]) -> None:
    assert not any(is_punctuated(text) for text in seeds.values())


def test_is_punctuated_needs_about_one_stop_per_forty_words() -> None:
    sentence = " ".join(["word"] * 19) + "."
    assert is_punctuated(" ".join([sentence] * 5))
    assert not is_punctuated(" ".join(["word"] * 90) + ".")
    assert is_punctuated("")


# --- split_spans ----------------------------------------------------------------------------


def test_split_spans_loses_and_reorders_no_word_of_any_seed(seeds: dict[str, str]) -> None:
    for name, text in seeds.items():
        spans = split_spans(text)
        assert [w for s in spans for w in s.split()] == spoken_words(text), name


def test_split_spans_of_seeds_are_sentence_sized(seeds: dict[str, str]) -> None:
    for name, text in seeds.items():
        lengths = [len(s.split()) for s in split_spans(text)]
        assert max(lengths) <= MAX_WORDS, name
        assert min(lengths) >= 4, name
        # cut near the target length, not into a few huge or many tiny pieces
        assert TARGET_WORDS - 6 <= sum(lengths) / len(lengths) <= MAX_WORDS, name


def test_unpunctuated_text_is_cut_before_a_discourse_word() -> None:
    before = [f"alpha{i}" for i in range(20)]
    after = ["so", *(f"beta{i}" for i in range(30))]
    spans = split_spans(" ".join(before + after))
    assert spans[0] == " ".join(before)
    assert spans[1].startswith("so beta0")


def test_and_is_a_cut_only_when_no_better_break_is_near() -> None:
    text = [f"w{i}" for i in range(60)]
    text[18], text[22] = "but", "and"
    spans = split_spans(" ".join(text))
    assert spans[1].startswith("but ")


def test_without_any_break_word_text_is_cut_at_the_target_length() -> None:
    spans = split_spans(" ".join(f"w{i}" for i in range(100)))
    assert len(spans[0].split()) == TARGET_WORDS
    assert all(len(s.split()) <= MAX_WORDS for s in spans)


def test_punctuated_text_is_cut_at_sentence_ends() -> None:
    first = "The allocator hands out memory from one arena."
    second = "Freeing the arena releases every block at once!"
    third = "Is that faster than malloc?"
    assert split_spans(f"{first} {second} {third}") == [first, second, third]


def test_a_short_sentence_joins_a_neighbour() -> None:
    text = "Yes. The allocator hands out memory from one arena. Freeing it is fast. Right."
    assert split_spans(text) == [
        "Yes. The allocator hands out memory from one arena.",
        "Freeing it is fast. Right.",
    ]


def test_spans_do_not_straddle_lines_of_four_words_or_more() -> None:
    lines = [
        "Ada: the first speaker says a few words here",
        "Bob: the second one answers with a longer sentence about allocators and arenas",
        "Ada: then a third turn closes the exchange",
    ]
    spoken = list(speech_lines("\n".join(lines)))
    for span in split_spans("\n".join(lines)):
        assert any(span in line for line in spoken), span


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.lists(
            st.sampled_from(
                ["so", "and", "but", "the", "gpu", "memory", "fast", "okay", "now", "it"]
            )
            | st.from_regex(r"[a-z]{1,8}[.,!?]?", fullmatch=True),
            min_size=1,
            max_size=90,
        ),
        min_size=1,
        max_size=6,
    )
)
def test_split_spans_keeps_every_word_in_order(lines: list[list[str]]) -> None:
    text = "\n".join(" ".join(line) for line in lines)
    spans = split_spans(text)
    assert [w for s in spans for w in s.split()] == [w for line in lines for w in line]
    if not any(w[-1] in ".!?" for line in lines for w in line):
        assert all(len(s.split()) <= MAX_WORDS for s in spans)


def test_split_spans_keeps_a_closing_quote_after_a_stop() -> None:
    text = 'She told me, "I can finally see it." Then she left the room without a word.'
    assert [w for s in split_spans(text) for w in s.split()] == text.split()


def test_split_spans_never_exceeds_max_words_in_punctuated_text() -> None:
    long_sentence = " ".join(f"word{i}" for i in range(MAX_WORDS)) + "."
    spans = split_spans(f"Yes. {long_sentence}")
    assert max(len(s.split()) for s in spans) <= MAX_WORDS


# --- clean_sentence -------------------------------------------------------------------------


def _readable(sentence: str) -> bool:
    return bool(re.match(r"[A-Z0-9]", sentence)) and sentence[-1] in ".!?"


def test_cleaned_seed_spans_read_as_sentences(seeds: dict[str, str]) -> None:
    for name, text in seeds.items():
        for span in split_spans(text):
            cleaned = clean_sentence(span)
            assert cleaned, (name, span)
            assert _readable(cleaned), (name, cleaned)
            found = {w.casefold().strip(",.?!") for w in cleaned.split()}
            assert not found & FILLER_WORDS, (name, cleaned)
            assert " you know " not in f" {cleaned.casefold()} ", (name, cleaned)
            assert len(cleaned.split()) <= MAX_WORDS, (name, cleaned)


def test_cleaning_invents_nothing_and_keeps_word_order(seeds: dict[str, str]) -> None:
    for name, text in seeds.items():
        for span in split_spans(text)[:40]:
            cleaned = content_words(clean_sentence(span))
            source = iter(content_words(span))
            assert all(w in source for w in cleaned), (name, span)  # a subsequence


def test_fillers_stutters_and_leading_connectives_go() -> None:
    assert clean_sentence("um so i think uh the the allocator is is fast you know") == (
        "I think the allocator is fast."
    )
    assert clean_sentence("yeah also we shipped it") == "We shipped it."
    assert clean_sentence("and so the gpu gpu memory is i mean limited") == (
        "The gpu memory is limited."
    )


def test_a_leading_no_is_kept() -> None:
    assert clean_sentence("no one knows why it works") == "No one knows why it works."


def test_an_existing_stop_is_kept_and_not_doubled() -> None:
    assert clean_sentence("is it fast?") == "Is it fast?"
    assert clean_sentence("it is fast.") == "It is fast."
    assert clean_sentence('she said "we ship it."') == 'She said "we ship it."'


def test_a_span_of_fillers_only_is_empty() -> None:
    assert clean_sentence("uh um") == ""
    assert clean_sentence("  ") == ""


def test_a_long_span_is_cut_to_max_words() -> None:
    span = " ".join(f"w{i}" for i in range(30)) + ", and " + " ".join(f"v{i}" for i in range(30))
    cleaned = clean_sentence(span)
    assert len(cleaned.split()) <= MAX_WORDS
    assert cleaned.startswith("W0 w1") and cleaned.endswith(".")
    assert clean_sentence(span, max_words=10).count(" ") < 10


@pytest.mark.parametrize(
    "span",
    [
        "Uh . Well I think the remote needs a bigger screen .",
        "Mm-hmm . Mm-hmm .",
        "Mm - hmm .",
        "uh-huh",
    ],
)
def test_fillers_with_spaced_or_hyphenated_punctuation_leave_no_debris(span: str) -> None:
    cleaned = clean_sentence(span)
    assert cleaned == "" or re.match(r"[A-Z0-9]", cleaned), cleaned
    assert not {"hmm", "huh", "mm", "-"} & {w.strip(",.") for w in cleaned.casefold().split()}


# --- content_words and words ----------------------------------------------------------------


def test_content_words_are_lowercase_and_skip_stop_words_and_fillers() -> None:
    found = content_words("Uh, the GPU and C++ code you know, it's really FAST")
    assert found == ["gpu", "c++", "code", "fast"]


def test_words_is_the_set_of_whitespace_separated_words() -> None:
    assert words(" so  but\nnow so ") == frozenset({"so", "but", "now"})


def test_quotes_left_open_by_removed_fillers_are_closed_up_or_dropped() -> None:
    assert clean_sentence('" um the issue with metrics is that they miss new errors') == (
        "The issue with metrics is that they miss new errors."
    )
    assert clean_sentence('" uh the issue" was his phrase') == '"The issue" was his phrase.'


@pytest.mark.parametrize(
    ("span", "cleaned"),
    [
        (
            'This is it," I was working on startups, "what is the future here?',
            '"This is it," I was working on startups, "what is the future here?"',
        ),
        ('he asked, "why not ship it now', 'He asked, "why not ship it now."'),
        ('ship it now" he said', '"Ship it now" he said.'),
        ('He said "ship it" twice.', 'He said "ship it" twice.'),
        ("“Ship it” he said, “today", "“Ship it” he said, “today.”"),
        ("Ship it” he said, “today", "“Ship it” he said, “today.”"),
    ],
)
def test_a_span_cut_out_of_a_quotation_gets_its_missing_mark(span: str, cleaned: str) -> None:
    assert clean_sentence(span) == cleaned
