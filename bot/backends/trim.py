"""Fit a long article into the model's input budget, keeping what a brief needs most.

What is kept, in order of priority: the lead (the first real paragraph, and anything above it), then
paragraphs that carry dates (the events a week-ahead digest is built from), then the rest in reading
order. Kept paragraphs stay in their original order; a "[…]" line marks each gap.

Token counts: tiktoken for the models it knows, but only when its BPE file is already in tiktoken's local
cache. tiktoken downloads that file on first use otherwise, and this project never downloads anything at
run time, so without the cached file we estimate ~4 characters per token (slightly pessimistic for
English news, which is the safe side for a budget).
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
import tempfile
from dataclasses import dataclass

from bot.pipeline.sentences import paragraphs
from bot.pipeline.timex import find_times

CHARS_PER_TOKEN = 4
GAP = "[…]"
LEAD_MIN_WORDS = 20  # a shorter first paragraph is a dek or byline: the lead is the next one too

# The BPE files of the encodings current OpenAI models use, as tiktoken names and checks them.
_BPE_FILES = {
    "cl100k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
    "o200k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
}


class TokenCounter:
    """Counts tokens for one model: exactly with a locally cached encoding, else by estimate."""

    def __init__(self, encoding=None):
        self.encoding = encoding
        self.method = f"tiktoken:{encoding.name}" if encoding is not None else f"estimate (~{CHARS_PER_TOKEN} chars/token)"

    def count(self, text: str) -> int:
        if self.encoding is not None:
            return len(self.encoding.encode(text, disallowed_special=()))
        return math.ceil(len(text) / CHARS_PER_TOKEN)

    def truncate(self, text: str, tokens: int) -> str:
        """The longest prefix of `text` within `tokens`, cut at a word boundary when possible."""
        if self.encoding is not None:
            cut = self.encoding.decode(self.encoding.encode(text, disallowed_special=())[: max(tokens, 0)])
        else:
            cut = text[: max(tokens, 0) * CHARS_PER_TOKEN]
        if len(cut) < len(text) and " " in cut[len(cut) // 2 :]:
            cut = cut[: cut.rfind(" ")]
        return cut.rstrip()


def tiktoken_cache_file(encoding_name: str) -> str | None:
    """Where tiktoken would keep this encoding's BPE file (None when caching is disabled or unknown)."""
    if encoding_name not in _BPE_FILES:
        return None
    cache_dir = os.environ.get("TIKTOKEN_CACHE_DIR")
    if cache_dir is None:
        cache_dir = os.environ.get("DATA_GYM_CACHE_DIR")
    if cache_dir is None:
        cache_dir = os.path.join(tempfile.gettempdir(), "data-gym-cache")
    if cache_dir == "":
        return None
    url = _BPE_FILES[encoding_name][0]
    return os.path.join(cache_dir, hashlib.sha1(url.encode()).hexdigest())


def cached_encoding(model: str):
    """tiktoken's encoding for `model` if it can load without the network, else None."""
    try:
        import tiktoken
        from tiktoken.model import encoding_name_for_model

        name = encoding_name_for_model(model)
    except (ImportError, KeyError):
        return None
    path = tiktoken_cache_file(name)
    if path is None or not os.path.isfile(path):
        return None
    with open(path, "rb") as fh:  # a corrupt cached file would make tiktoken fetch it again: check first
        if hashlib.sha256(fh.read()).hexdigest() != _BPE_FILES[name][1]:
            return None
    try:
        return tiktoken.get_encoding(name)
    except Exception:  # noqa: BLE001 - any failure means "no exact counter", never a crash
        return None


@functools.cache
def counter_for(model: str) -> TokenCounter:
    return TokenCounter(cached_encoding(model))


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
