"""Citations from numbered passages, written once for every answer route.

Citation numbers are the 1-based passage numbers a backend was given, so "[2]" in an embedded answer, a
model answer or an event answer always points at the same passage, and the "Sources:" block lists them
the same way everywhere.
"""

from __future__ import annotations

import re

from bot.pipeline.lexicon import concepts
from bot.pipeline.models import Citation, Passage
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


def sources_block(citations: list[Citation]) -> str:
    lines = ["Sources:"]
    for c in citations:
        parts = [c.title or "(untitled)"]
        if c.url:
            parts.append(c.url)
        lines.append(f"[{c.n}] " + " — ".join(parts) + f" ({c.brief})")
    return "\n".join(lines)


_CITED = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")


def supporting_sentences(answer_text: str, passages: list[Passage], numbers: list[int]) -> dict[int, str]:
    """For a written answer (a model's), each cited passage's sentence that best supports what cites it:
    the one sharing the most concepts with the answer's sentences that carry that citation."""
    claims: dict[int, set[str]] = {}
    for part in re.split(r"(?<=\])\s+|(?<=[.!?])\s+", answer_text or ""):
        for m in _CITED.finditer(part):
            for n in re.split(r"\s*[,;]\s*", m.group(1)):
                claims.setdefault(int(n), set()).update(concepts(_CITED.sub("", part)))
    out: dict[int, str] = {}
    for n in numbers:
        sentences = [s.text.strip() for s in split_sentences(passages[n - 1].text)] or [passages[n - 1].text]
        want = claims.get(n, set())
        out[n] = max(sentences, key=lambda s: (len(concepts(s) & want), -sentences.index(s)))
    return out
