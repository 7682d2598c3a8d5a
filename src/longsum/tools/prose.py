"""Small facts about written text without a tagger: words, sentences, verbs, scripts.

What :mod:`longsum.tools.quality` judges bullets with. The verb test is a word list (modal
and auxiliary forms, common verbs, irregular past forms) plus ``-ed`` endings and ``-s``
forms of listed verbs: a rare verb in its base or ``-s`` form is missed, and it is only
meaningful on English, so callers ask :func:`is_english` first.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections import Counter

__all__ = [
    "ABBREVIATIONS",
    "AUXILIARIES",
    "BACKCHANNEL",
    "END_CLOSERS",
    "FUNCTION_WORDS",
    "WORD",
    "ends_clean",
    "ends_cut_off",
    "has_speech_marks",
    "has_verb",
    "is_backchannel",
    "is_english",
    "is_title_case",
    "script_counts",
    "scripts_of",
    "sentences",
    "speaker_label",
    "tokens",
    "word_count",
    "word_set",
]


def word_set(*texts: str) -> frozenset[str]:
    """The whitespace-separated words of ``texts``: word lists stay readable in source."""
    return frozenset(w for t in texts for w in t.split())


FUNCTION_WORDS = word_set(
    "the a an of to and or but in on at by for with from as is are was were be it its this",
    "that these those we they he she i you our their his her my your not no so if than",
)
"""Words every English sentence has some of, and no content word is."""
BACKCHANNEL = word_set(
    "yeah yes yep yup yea ok okay right exactly sure absolutely totally definitely true",
    "correct indeed alright cool great nice good wow oh ah huh hmm mm uh um no nope well",
    "so really think know mean see guess thanks thank fine interesting perfect",
)
"""What a listener says to show they follow ("Yeah.", "Okay, right.", "I see.")."""
AUXILIARIES = _AUX = word_set(
    "am is are was were be been being have has had do does did can could will would shall",
    "should may might must let lets isn't aren't wasn't weren't don't doesn't didn't can't",
    "won't wouldn't couldn't shouldn't haven't hasn't hadn't gonna wanna cannot",
)
_VERBS = word_set(  # base forms: their -s and -ed forms count too
    "say tell ask talk speak discuss explain describe argue agree disagree suggest propose",
    "think know believe feel want need like love hate hope expect seem look sound mean",
    "make build create design develop write code ship launch release run use try test fix",
    "work start begin end stop finish keep hold move change grow scale train learn teach",
    "show see find give get take put bring send pay buy sell cost spend save lose win beat",
    "become remain stay leave go come return call name add remove include cover focus",
    "compare note point mention claim warn recommend plan decide choose prefer allow help",
    "lead follow happen cause solve handle manage apply study read watch hear meet join",
    "live die kill fail succeed matter depend involve require improve reduce increase",
    "introduce present review walk set cut hit fit turn open close share raise enable",
    "predict measure compute estimate generalize minimize maximize fine-tune deploy fetch",
)
_IRREGULAR = word_set(
    "said told thought knew felt made built wrote ran began kept held grew taught brought",
    "saw found gave got took put sent paid bought sold spent lost won went came left led",
    "met read heard became understood chose drew broke spoke fell rose drove wore threw",
    "caught fought sought dealt meant stood sat set cut hit shut spread struck hid shot",
    "done gone seen known given taken written shown grown chosen drawn thrown spoken",
    "broken driven risen fallen forgotten gotten proven",
)
_ED_NOT_VERBS = word_set("hundred sacred naked wicked kindred rugged ragged indeed speed seed")
ABBREVIATIONS = word_set("mr mrs ms dr prof hon st vs etc e.g i.e inc ltd jr sr no fig approx")
"""Words a full stop follows without ending the sentence."""
_UNSPACED = frozenset({"Han", "Hiragana", "Katakana", "Thai", "Lao", "Khmer", "Myanmar"})

WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
"""A word: letters and digits, with inner apostrophes and hyphens (``don't``, ``entry-level``)."""
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")


def sentences(text: str) -> list[str]:
    """Sentences of ``text``; no cut after an abbreviation (``Dr.``) or an initial (``J.``)."""
    out, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        before = text[start : match.start()].split()
        last = before[-1].rstrip(".").casefold() if before else ""
        if last in ABBREVIATIONS or (len(last) == 1 and last.isalpha()):
            continue
        out.append(text[start : match.start()].strip())
        start = match.end()
    out.append(text[start:].strip())
    return [s for s in out if s]


def tokens(text: str) -> list[str]:
    """The words of ``text``, case-folded, with a typographic apostrophe made plain."""
    return [w.casefold().replace("’", "'") for w in WORD.findall(text)]


_SUBJECT = word_set("i you we they he she it that who which") | _AUX


def _is_verb(word: str, before: str, *, finite: bool) -> bool:
    if word in _AUX or word in _IRREGULAR or "'" in word:
        return True  # a contraction ("it's", "they're", "don't") holds a verb
    if "-" in word:
        return False  # "cloud-based" is an adjective
    if word in _VERBS or (word.endswith("s") and {word[:-1], word[:-2], word[:-3] + "y"} & _VERBS):
        # "Design", "Plans" and "Tests" are nouns in a title: as finite verbs they count
        # after a subject or an auxiliary ("we design", "can ship", "he builds").
        return not finite or before in _SUBJECT
    if len(word) < 5:
        return False
    if word.endswith("ed"):
        return word not in _ED_NOT_VERBS
    return word.endswith("ing") and not finite  # "Machine Learning" is a noun


def has_verb(text: str, *, finite: bool) -> bool:
    """Whether ``text`` seems to hold a verb. With ``finite``, an ``-ing`` form is none, and
    a listed verb's base or ``-s`` form counts only after a pronoun or an auxiliary."""
    words = tokens(text)
    return any(_is_verb(w, b, finite=finite) for w, b in zip(words, ["", *words], strict=False))


def is_english(text: str) -> bool:
    """Mostly Latin letters and an English function word: the texts :func:`has_verb` judges."""
    counts = script_counts(text)
    latin = counts.get("Latin", 0) * 2 > sum(counts.values())
    return latin and any(w in FUNCTION_WORDS for w in tokens(text))


def is_title_case(text: str) -> bool:
    """Most of its (two or more) content words are capitalised: "Stable Diffusion Photos"."""
    content = [w for w in WORD.findall(text) if w.casefold() not in FUNCTION_WORDS]
    content = [w for w in content if w[0].isalpha()]
    return len(content) >= 2 and sum(w[0].isupper() for w in content) >= 0.8 * len(content)


def word_count(text: str) -> int:
    """Words; in Chinese, Japanese or Thai text (no spaces) two letters count as a word."""
    counts = script_counts(text)
    unspaced = sum(n for s, n in counts.items() if s in _UNSPACED)
    return len(WORD.findall(text)) if unspaced * 2 <= sum(counts.values()) else unspaced // 2


END_CLOSERS = " \t\"'”’)]»"
"""What may follow a sentence's last mark: spaces, closing quotes and brackets."""


def ends_clean(text: str) -> bool:
    """Ends with a full stop, ``!`` or ``?`` (a closing quote or bracket after it is fine)."""
    end = text.rstrip(END_CLOSERS)
    return end.endswith((".", "!", "?")) and not end.endswith(("...", ".."))


def ends_cut_off(text: str) -> bool:
    """Ends on a mark that leads on (``,`` ``:`` ``-`` ``…``): the sentence was cut. A bare
    missing full stop is not: human list items ("Why evals aren't a cure-all") go without."""
    end = text.rstrip(END_CLOSERS)
    return end.endswith((",", ";", ":", "-", "–", "—", "…", "..")) or not end


def is_backchannel(text: str) -> bool:
    """A reply with no content: at most 8 words, at most one content word, and a listener's
    word leading ("Yeah.", "Okay, right.", "Exactly, yes.", "I see.")."""
    words = tokens(text)
    content = [w for w in words if w not in BACKCHANNEL and w not in FUNCTION_WORDS and len(w) > 1]
    if not 0 < len(words) <= 8 or len(content) > 1:
        return False  # "He agreed." says who agreed: one content word after a non-reply
    return words[0] in BACKCHANNEL or (not content and any(w in BACKCHANNEL for w in words))


_HESITATION = re.compile(
    r"\b(?:um+|uh+m?|erm|hmm+|mm+|mhm|mm-hmm|uh-huh|yeah|yep|yup|dunno|lemme|kinda|sorta"
    r"|gotta)\b|\boh,|\b(?:was|were|i'm|he's|she's|they're)\s+like,",
    re.IGNORECASE,
)
_CUT_LETTER = re.compile(r"(?<![\w'’./\-])[b-hj-mo-wz](?![\w'’/\-]|\.\w)")
"""A lone lowercase letter, the start of a word said again ("in t.", "not n not"); a, i,
and the letters maths names things with (x, y, n) are words."""
_REPEATED = re.compile(r"\b([^\W\d_]+(?:'[a-z]+)?)\s*,?\s+\1\b", re.IGNORECASE)
_FALSE_START = re.compile(
    r"\b(?i:the|an?)\s+(?:(?i:the|an?|of|in|on|at|to|by|from|and|but)|I|We|They|He|She|It"
    r"|we|they|he|she|it)(?![\w/'’-])"
)
_REAL_SHORT = FUNCTION_WORDS | word_set(
    "we he go do up us me one two all any use can now how new out man car may way say see get",
    "got set put run own off too far few per via yet let web app end",
)


def has_speech_marks(text: str) -> bool:
    """What speech leaves and writing does not: hesitations ("um", "yeah", "kinda"), a word
    cut and said again ("the th the", "tur turbo", "not n not"), a word said twice ("the
    the"; not "had had" or "that that"), a determiner dropped for a restart ("The It now")."""
    if _HESITATION.search(text) or _CUT_LETTER.search(text) or _FALSE_START.search(text):
        return True
    repeated = (m.group(1).casefold() for m in _REPEATED.finditer(text))
    if any(word not in ("had", "that", "is") for word in repeated):
        return True
    words = tokens(text)
    return any(
        a.isalpha() and 2 <= len(a) <= 4 and a not in _REAL_SHORT and b.startswith(a) and b != a
        for a, b in itertools.pairwise(words)
    )


_LABEL_WORD = r"(?:[A-Z][\w.'’-]*|of|the|and|de|van|von|da|la|le|al|\((?:[^()]|\([^()]*\))*\))"
_LABEL = re.compile(rf"^({_LABEL_WORD}(?:\s+{_LABEL_WORD}){{0,11}}):\s+(?=\S)")


def speaker_label(text: str) -> tuple[str | None, str]:
    """``(label, what follows)`` when ``text`` opens with a name-like ``Label:`` ("Hon.
    Chrystia Freeland:", "Project Manager:", "Levels:"), else ``(None, text)``. Every word of
    the label is capitalised (or a name particle, or in brackets), so "The plan is: ..."
    keeps its words."""
    found = _LABEL.match(text)
    if not found or len(re.sub(r"\(.*\)", "", found.group(1)).split()) > 8:
        return None, text
    return found.group(1), text[found.end() :]


@functools.lru_cache(maxsize=4096)
def _script(ch: str) -> str | None:
    """The script of a letter, from its Unicode name (``CJK UNIFIED IDEOGRAPH`` is Han)."""
    if unicodedata.category(ch) not in ("Lu", "Ll", "Lt", "Lo"):
        return None  # modifier letters (ʼ, ー) belong to no one script
    name = unicodedata.name(ch, "").split()
    if not name:
        return None
    if name[0] in ("FULLWIDTH", "HALFWIDTH") and len(name) > 1:
        name = name[1:]
    if name[0] == "MATHEMATICAL":
        return "Greek" if "GREEK" in name else "Latin"
    special = {"CJK": "Han", "IDEOGRAPHIC": "Han", "MICRO": "Greek", "FEMININE": "Latin"}
    special |= {"MASCULINE": "Latin", "KATAKANA-HIRAGANA": "Katakana"}
    return special.get(name[0], name[0].title())


def script_counts(text: str) -> Counter[str]:
    """Letters per script; ASCII letters are counted in one pass, others one kind at a time."""
    counts: Counter[str] = Counter()
    latin = sum(1 for ch in text if ch < "\x80" and ch.isalpha())
    if latin:
        counts["Latin"] = latin
    for ch, n in Counter(ch for ch in text if ch >= "\x80").items():
        script = _script(ch)
        if script:
            counts[script] += n
    return counts


def scripts_of(text: str) -> frozenset[str]:
    """The Unicode scripts (``"Latin"``, ``"Han"``, ``"Cyrillic"``, ...) that make up at least
    1% of the letters of ``text`` or 20 of them; a stray foreign name is not a script of it.
    Linear in the text (a 3-hour transcript takes ~20 ms)."""
    counts = script_counts(text)
    total = sum(counts.values())
    return frozenset(s for s, n in counts.items() if n >= 20 or n >= 0.01 * total)
