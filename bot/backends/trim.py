"""Fit a long article into the model's input budget, keeping what a brief needs most.

What is kept, in order of priority: the lead (the first real paragraph, and anything above it), then
paragraphs that carry dates (the events a week-ahead digest is built from), then the rest in reading
order. Kept paragraphs stay in their original order; a "[…]" line marks each gap.

Token counts are estimated at ~4 characters per token (slightly pessimistic for English news, which is the
safe side for a budget). An exact count would need tiktoken, which downloads its encoding file on first use;
nothing here downloads anything at run time, and a budget needs only a safe bound, so briefbot does without.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from bot.pipeline.sentences import paragraphs
from bot.pipeline.timex import find_times

CHARS_PER_TOKEN = 4
GAP = "[…]"
LEAD_MIN_WORDS = 20  # a shorter first paragraph is a dek or byline: the lead is the next one too


class TokenCounter:
    """Estimates a text's tokens for one model (~4 characters a token) and cuts text to a token budget."""

    method = f"estimate (~{CHARS_PER_TOKEN} chars/token)"

    def count(self, text: str) -> int:
        return math.ceil(len(text) / CHARS_PER_TOKEN)

    def truncate(self, text: str, tokens: int) -> str:
        """The longest prefix of `text` within `tokens`, cut at a word boundary when possible."""
        cut = text[: max(tokens, 0) * CHARS_PER_TOKEN]
        if len(cut) < len(text) and " " in cut[len(cut) // 2 :]:
            cut = cut[: cut.rfind(" ")]
        return cut.rstrip()


@functools.cache
def counter_for(model: str) -> TokenCounter:
    """The counter for `model` (one estimate for every model today; the seam for an exact one later)."""
    return TokenCounter()


@dataclass(frozen=True)
class Trimmed:
    text: str
    tokens: int
    original_tokens: int
    dropped_paragraphs: int

    @property
    def trimmed(self) -> bool:
        return self.dropped_paragraphs > 0 or self.tokens < self.original_tokens


def _has_date(paragraph: str, ref) -> bool:
    for mention in find_times(paragraph, ref):
        value = mention.value
        if value[:4].isdigit() and len(value) >= 7:  # a day, week or month, not "2025" or PRESENT_REF
            return True
    return False


def trim_article(text: str, budget: int, counter: TokenCounter, ref) -> Trimmed:
    """`text` cut to at most `budget` tokens: lead first, then dated paragraphs, then the rest."""
    total = counter.count(text)
    if total <= budget:
        return Trimmed(text=text, tokens=total, original_tokens=total, dropped_paragraphs=0)
    paras = [p.strip() for _, p in paragraphs(text) if p.strip()]
    sizes = [counter.count(p) + 1 for p in paras]  # +1 for the blank line between paragraphs
    lead_end = 0
    while lead_end < len(paras) - 1 and len(paras[lead_end].split()) < LEAD_MIN_WORDS:
        lead_end += 1
    lead = list(range(lead_end + 1))
    dated = [i for i in range(lead_end + 1, len(paras)) if _has_date(paras[i], ref)]
    rest = [i for i in range(lead_end + 1, len(paras)) if i not in set(dated)]
    gap_cost = counter.count(GAP) + 1
    kept: set[int] = set()
    used = 0
    for i in lead + dated + rest:
        cost = sizes[i] + gap_cost  # room for one gap marker per kept paragraph, at worst
        if used + cost <= budget:
            kept.add(i)
            used += cost
    if not kept:  # even the lead is over budget: keep as much of it as fits
        cut = counter.truncate(paras[0], budget - gap_cost)
        return Trimmed(text=f"{cut}\n\n{GAP}", tokens=counter.count(cut) + gap_cost, original_tokens=total,
                       dropped_paragraphs=len(paras) - 1)
    pieces: list[str] = []
    for i, para in enumerate(paras):
        if i in kept:
            pieces.append(para)
        elif not pieces or pieces[-1] != GAP:
            pieces.append(GAP)
    out = "\n\n".join(pieces)
    return Trimmed(text=out, tokens=counter.count(out), original_tokens=total,
                   dropped_paragraphs=len(paras) - len(kept))
