"""Citations from numbered passages, written once for every answer route.

Citation numbers are the 1-based passage numbers a backend was given, so "[2]" in an embedded answer, a
model answer or an event answer always points at the same passage, and the "Sources:" block lists them
the same way everywhere.
"""

from __future__ import annotations

from bot.pipeline.models import Citation, Passage


def cite(passages: list[Passage], numbers: list[int]) -> list[Citation]:
    """One citation per passage number (1-based), in the order given."""
    return [
        Citation(n=n, brief=passages[n - 1].brief_id, title=passages[n - 1].title, url=passages[n - 1].url)
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
