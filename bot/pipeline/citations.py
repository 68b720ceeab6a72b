"""Citations from numbered passages, written once for every answer route.

Citation numbers are the 1-based passage numbers a backend was given, so "[2]" in an embedded answer, a
model answer or an event answer always points at the same passage, and the "Sources:" list names them
the same way everywhere.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bot.pipeline.lexicon import concepts
from bot.pipeline.models import SOURCES_HEAD, Answer, Citation, Passage
from bot.pipeline.sentences import split_sentences


def cite(passages: list[Passage], numbers: list[int], quotes: dict[int, str] | None = None) -> list[Citation]:
    """One citation per passage number (1-based), in the order given; `quotes` gives, per number, the
    sentence quoted from that passage (the supporting passage shown under the answer)."""
    quotes = quotes or {}
    return [
        Citation(n=n, brief=passages[n - 1].brief_id, title=passages[n - 1].title, url=passages[n - 1].url,
                 passage=quotes.get(n, ""))
        for n in numbers
    ]


def with_sources(body: str, citations: list[Citation]) -> str:
    """An answer's text: its body, then the "Sources:" list, one line per citation (`Answer.body` takes
    the body back)."""
    lines = []
    for c in citations:
        parts = [c.title or "(untitled)"]
        if c.url:
            parts.append(c.url)
        lines.append(f"[{c.n}] " + " — ".join(parts) + f" ({c.brief})")
    return body + SOURCES_HEAD + "\n".join(lines)


_CITED = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")


def _cited_numbers(m: re.Match) -> list[int]:
    """The numbers of one citation mark: "[2]" or "[1, 3]"."""
    return [int(x) for x in re.split(r"\s*[,;]\s*", m.group(1))]


def supporting_sentences(answer_text: str, passages: list[Passage], numbers: list[int]) -> dict[int, str]:
    """For a written answer (a model's), each cited passage's sentence that best supports what cites it:
    the one sharing the most concepts with the answer's sentences that carry that citation."""
    claims: dict[int, set[str]] = {}
    for part in re.split(r"(?<=\])\s+|(?<=[.!?])\s+", answer_text or ""):
        for m in _CITED.finditer(part):
            for n in _cited_numbers(m):
                claims.setdefault(n, set()).update(concepts(_CITED.sub("", part)))
    out: dict[int, str] = {}
    for n in numbers:
        sentences = [s.text.strip() for s in split_sentences(passages[n - 1].text)] or [passages[n - 1].text]
        want = claims.get(n, set())
        out[n] = max(sentences, key=lambda s: (len(concepts(s) & want), -sentences.index(s)))
    return out


def renumbered(answer: Answer) -> Answer:
    """The same answer with its citations numbered 1, 2, 3… in the order the text first cites them.

    Backends cite the passage numbers they were given, so an answer from passages 1 and 4 would say
    "[1] … [4]" over a list of two sources; a reader expects "[1] … [2]". A "Sources:" block at the end is
    written again in the new order."""
    if not answer.citations:
        return answer
    body, has_block = answer.body, SOURCES_HEAD in answer.answer
    known = {c.n for c in answer.citations}
    order: list[int] = []
    for m in _CITED.finditer(body):
        for n in _cited_numbers(m):
            if n in known and n not in order:
                order.append(n)
    order += [c.n for c in answer.citations if c.n not in order]
    new = {old: i + 1 for i, old in enumerate(order)}
    if all(old == n for old, n in new.items()):
        return answer

    def swap(m: re.Match) -> str:
        numbers = _cited_numbers(m)
        if not all(n in new for n in numbers):
            return m.group(0)
        return "[" + ", ".join(str(new[n]) for n in numbers) + "]"

    citations = sorted((replace(c, n=new[c.n]) for c in answer.citations), key=lambda c: c.n)
    text = _CITED.sub(swap, body)
    return replace(answer, answer=with_sources(text, citations) if has_block else text, citations=citations)
