"""Sentence splitting shared by every stage (summaries, time expressions, events, answers).

A small rule-based splitter rather than pysbd: pysbd's cost grows faster than linearly with paragraph
length (a 25k-word paragraph took ~7 s) and it does not split lower-cased, tokenised text at all, while
the summarizer must handle 50k-word texts in well under a second. The rules cover what news text needs:
titles and initials ("Sen.", "J. Powell"), dotted abbreviations ("U.S.", "a.m."), decimals ("3.5%"),
closing quotes and brackets after the stop, questions inside quotes ('"Why?" he asked'), ellipses,
tokenised text (" . ") and CJK stops. Paragraphs are split first (any newline), so headings and list
items never glue onto the next sentence, and character offsets into the original text are kept so later
stages can point back at their evidence.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int  # offset of the first character in the source text
    end: int  # offset one past the last character
    paragraph: int  # index of the paragraph the sentence belongs to


# A stop, then closing quotes/brackets (also PTB-style '' and a spaced closing quote in tokenised text).
_STOP = re.compile(r"(?:\.{2,}|…|[.!?]+)(?:[\"'”’»)\]]|\s''|\s”)*|[。！？]+[」』”’)）]*")
_CJK_STOPS = frozenset("。！？")
_NEXT_WORD = re.compile(r"\s*([\"'“‘«(\[]*)(\S*)")

# Never end a sentence: titles and reference abbreviations that are followed by a name or a number.
_TITLES = frozenset(
    """mr mrs ms dr prof sen sens rep reps gov gen lt col capt cpt sgt cmdr adm maj rev hon pres supt
    st mt ft messrs mme mlle vs v cf approx est dept univ assn jan feb mar apr jun jul aug sep sept oct
    nov dec fig figs vol vols pp art sec ch al""".split()
)
# End a sentence only when the next word clearly starts one ("... based in the U.S. The company said").
_SOFT = frozenset("inc ltd co corp llc plc bros jr sr etc u.s u.k u.n e.u a.m p.m".split())
_NUMBERED = frozenset("no nos".split())  # "No. 1" but "He said no. Then ..."
_STARTERS = frozenset(
    """The A An It Its He She They We I You His Her Their Our My This That These Those There Here But And
    Yet So Still However Meanwhile In On At For From As After Before When While If Some Many Most Other
    Analysts Officials Investors Shares Stocks Markets Prices""".split()
)
_LINE_END = re.compile(r"[.!?…:;。！？\"'”’»)\]]\s*$")
_LIST_MARKER = re.compile(r"^\(?(?:\d{1,3}|[A-Za-z]|[ivxIVX]{1,4})[.)]$")
_DOTTED = re.compile(r"^(?:[A-Za-z]\.){1,}[A-Za-z]$")  # "U.S" / "a.m" once the final stop is removed


def paragraphs(text: str) -> list[tuple[int, str]]:
    """Non-empty paragraphs with their start offsets; a single newline also separates lines.

    Exception: a hard-wrapped sentence ("... the bank will\nraise rates.") continues on the next line
    when the line does not end like a sentence and the next one, directly below, starts in lower case.
    """
    out: list[tuple[int, str]] = []
    prev_end = -2
    for m in re.finditer(r"[^\n]+", text):
        chunk = m.group(0)
        if not chunk.strip():
            continue
        if (
            out
            and m.start() == prev_end + 1
            and chunk.lstrip()[:1].islower()
            and not _LINE_END.search(out[-1][1])
        ):
            start = out[-1][0]
            out[-1] = (start, text[start : m.end()])
        else:
            out.append((m.start(), chunk))
        prev_end = m.end()
    return out


_ASCII_UPPER = string.ascii_uppercase.encode()
_ASCII_LETTERS = string.ascii_letters.encode()


def is_cased(text: str) -> bool:
    """True when the text uses capitals; lower-cased text cannot use "next word is lower case" as a cue.

    ASCII text (most English news) is counted with bytes.translate, ~100x faster than a per-character
    loop; the counts are the same because for ASCII, isupper/isalpha are exactly A-Z and A-Za-z.
    """
    sample = text[:20000]
    if sample.isascii():
        raw = sample.encode("ascii")
        upper = len(raw) - len(raw.translate(None, _ASCII_UPPER))
        alpha = len(raw) - len(raw.translate(None, _ASCII_LETTERS))
    else:
        upper = sum(map(str.isupper, sample))
        alpha = sum(map(str.isalpha, sample))
    return upper > 0 and upper * 200 >= alpha


def _ends_sentence(para: str, stop: re.Match, cased: bool) -> bool:
    """Decide whether the stop at `stop` ends a sentence, from the word before it and the word after."""
    mark = stop.group(0)
    if mark[0] in _CJK_STOPS:
        return True
    end = stop.end()
    if end < len(para) and not para[end].isspace():
        return False  # "3.5%", "U.S.-made", "example.com"
    quote, nxt = _NEXT_WORD.match(para, end).groups()
    if not nxt and not quote:
        return True  # end of the paragraph
    first = (nxt or quote)[0]
    lower_next = first.islower()
    ellipsis = mark.startswith("..") or mark.startswith("…")
    if ellipsis:
        return cased and not lower_next and first.isalpha()
    if cased and lower_next:
        return False  # '"Why?" he asked', "approx. five", "e.g. the"
    if mark[0] in "!?":
        return True
    cut = stop.start()
    space = max(para.rfind(ch, 0, cut) for ch in " \t\n\u00a0")
    before = para[space + 1 : cut].lstrip("\"'“‘«([")
    if not before:
        return True  # tokenised text: "... the end . next"
    key = before.lower()
    if key in _TITLES:
        return False
    if key in _NUMBERED:
        return not nxt[:1].isdigit()
    if len(before) == 1 and before.isupper():
        return False  # an initial: "J. Powell"
    if key in _SOFT or _DOTTED.match(before):
        return nxt in _STARTERS or nxt.rstrip(",") in _STARTERS
    return True


def _split_paragraph(para: str, cased: bool) -> list[tuple[int, int]]:
    spans = []
    begin = 0
    for stop in _STOP.finditer(para):
        if _LIST_MARKER.match(para[begin : stop.end()].strip()):
            continue  # "1. Rates ..." / "a) ..." is a list marker, not a sentence
        if _ends_sentence(para, stop, cased):
            spans.append((begin, stop.end()))
            begin = stop.end()
    spans.append((begin, len(para)))
    return spans


def split_sentences(text: str) -> list[Sentence]:
    """Split `text` into sentences with offsets. Whitespace around each sentence is trimmed.

    One brief splits the same article text in summarize, find_entities and extract_events (and the
    title-prefixed text again), so the result is cached by text; callers get their own list to keep.
    """
    return list(_split_cached(text))


@lru_cache(maxsize=16)
def _split_cached(text: str) -> tuple[Sentence, ...]:
    result: list[Sentence] = []
    cased = is_cased(text)
    for p_index, (p_start, para) in enumerate(paragraphs(text)):
        for begin, end in _split_paragraph(para, cased):
            piece = para[begin:end]
            stripped = piece.strip()
            if not stripped:
                continue
            start = p_start + begin + (len(piece) - len(piece.lstrip()))
            result.append(Sentence(stripped, start, start + len(stripped), p_index))
    return tuple(result)
