"""The embedded answer: the sentence that answers first, each sentence cited, or an honest "no".

No model: every sentence of every passage is scored on concepts (`lexicon.concepts`: stems, aliases,
synonyms, numbers) shared with the question, weighted by rarity, in the sentence and in its article;
a question asking for a number or a date (`lexicon.answer_type`) is answered only by a sentence that
holds one. An unrelated passage is worse than `NO_ANSWER`, so sentences without enough of the question
are never shown.

Citation numbers are the passage numbers the backend was given (1-based), the same numbering the OpenAI
backend sees, so "[2]" always points at the passage the sentence was taken from.
"""

from __future__ import annotations

import re

from bot.pipeline.citations import cite, with_sources
from bot.pipeline.models import NO_ANSWER, Answer, Passage
from bot.pipeline.reldates import annotate_relative_days
from bot.pipeline.relevance import Item, score_sentences

RELATIVE_CUTOFF = 0.85  # a sentence from a second source must score this share of the best one
MAX_SENTENCES = 3
_COMPARE = re.compile(r"\b(?:compare[ds]?|comparison|between|versus|vs\.?|differ(?:ence|ent|s)?|changed?|"
                      r"(?:the\s+)?(?:one|meeting|decision|report)\s+before)\b", re.IGNORECASE)


def extractive_answer(question: str, passages: list[Passage], backend: str = "embedded") -> Answer:
    """The sentence that answers first, then at most one more per other source; or NO_ANSWER.

    Sentences are scored by `relevance.score_sentences` (concepts shared with the question, in the
    sentence and in its article; the kind of answer asked for); only eligible ones are ever shown. A
    question comparing two things ("what changed between ...") gets the best sentence of each of two
    sources.
    """
    items = [Item(n, p.brief_id, p.title, p.text) for n, p in enumerate(passages, start=1)]
    scored = [s for s in score_sentences(question, items) if s.eligible]
    if not scored:
        return Answer(NO_ANSWER, [], backend)
    scored.sort(key=lambda c: (-c.score, c.order))
    chosen = [scored[0]]
    compare = bool(_COMPARE.search(question))
    for c in scored[1:]:
        if len(chosen) >= (2 if compare else MAX_SENTENCES):
            break
        if any(c.group == other.group for other in chosen):
            continue  # one sentence per source
        if compare or c.score >= RELATIVE_CUTOFF * scored[0].score:
            chosen.append(c)
    return render(chosen_pairs=[(c.text, c.key) for c in chosen], passages=passages, backend=backend)


def render(chosen_pairs: list[tuple[str, int]], passages: list[Passage], backend: str) -> Answer:
    """Sentences each followed by `[n]`, then the cited sources; citations list only the passages used.

    A relative day in a quoted sentence gets its date from the passage's publication date, and each
    citation carries the sentence it supports (the first one taken from that passage).
    """
    quoted = [(annotate_relative_days(text, passages[n - 1].published), n) for text, n in chosen_pairs]
    body = " ".join(f"{text} [{n}]" for text, n in quoted)
    first: dict[int, str] = {}
    for text, n in quoted:
        first.setdefault(n, text)
    citations = cite(passages, sorted(first), quotes=first)
    return Answer(with_sources(body, citations), citations, backend)
