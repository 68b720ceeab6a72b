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

import math
import re
from dataclasses import dataclass

from bot.pipeline.lexicon import answer_type, concepts, holds_answer_type
from bot.pipeline.models import NO_ANSWER, Answer, Citation, Passage
from bot.pipeline.reldates import annotate_relative_days
from bot.pipeline.retrieve import question_concepts
from bot.pipeline.sentences import split_sentences

OWN_SHARE = 0.6  # how much the sentence itself counts towards its score ...
AROUND_SHARE = 0.4  # ... and how much its article (title and every passage given from it)
TYPE_BONUS = 0.15  # a sentence holding the kind of answer asked for (a number for "how many")
MIN_AROUND = 0.5  # weighted share of the question's concepts the article must hold
MIN_AROUND_SINGLE = 0.65  # ... when the sentence shares a single concept with the question
RELATIVE_CUTOFF = 0.85  # a sentence from a second source must score this share of the best one
MAX_SENTENCES = 3
MIN_WORDS = 4
MAX_SENTENCE_CHARS = 400
_COMPARE = re.compile(r"\b(?:compare[ds]?|comparison|between|versus|vs\.?|differ(?:ence|ent|s)?|changed?|"
                      r"(?:the\s+)?(?:one|meeting|decision|report)\s+before)\b", re.IGNORECASE)


@dataclass(frozen=True)
class _Scored:
    score: float
    passage: int  # 1-based
    order: int
    text: str
    concepts: frozenset[str]
    brief: str


def extractive_answer(question: str, passages: list[Passage], backend: str = "embedded") -> Answer:
    """The sentence that answers first, then at most one more per other source; or NO_ANSWER.

    Each sentence is scored by the IDF-weighted share of the question's concepts it holds (OWN_SHARE)
    and that its article holds (AROUND_SHARE: the title and every passage of the same brief), so a
    long question whose context words ("the WSJ piece on Stadia") sit elsewhere in the article still
    finds the one sentence with the fact. A question asking for a number or a date is answered only by
    a sentence holding one the question did not state. Refusal needs no threshold tuning per question:
    the article must hold at least half of the question's weighted concepts and the sentence at least
    two of them (or one, when the article holds most of the rest).
    """
    q = question_concepts(question)
    if not q or not passages:
        return Answer(NO_ANSWER, [], backend)
    candidates = _sentences(passages)
    if not candidates:
        return Answer(NO_ANSWER, [], backend)
    kind = answer_type(question)
    weights = _weights(q, [c[2] for c in candidates])
    total = sum(weights.values())
    around: dict[str, set[str]] = {}
    for n, passage in enumerate(passages, start=1):
        around.setdefault(passage.brief_id, set()).update(concepts(passage.text) | concepts(passage.title))
    scored = []
    for order, (n, text, s) in enumerate(candidates):
        brief = passages[n - 1].brief_id
        shared = [t for t in q if t in s]
        own = sum(weights[t] for t in shared) / total
        wide = sum(w for t, w in weights.items() if t in around[brief]) / total
        typed = holds_answer_type(text, kind, question)
        if kind in ("number", "date") and not typed:
            continue
        if wide < MIN_AROUND or not shared or (len(shared) < 2 <= len(q) and wide < MIN_AROUND_SINGLE):
            continue
        score = OWN_SHARE * own + AROUND_SHARE * wide + (TYPE_BONUS if kind and typed else 0.0)
        scored.append(_Scored(score, n, order, text, s, brief))
    if not scored:
        return Answer(NO_ANSWER, [], backend)
    scored.sort(key=lambda c: (-c.score, c.order))
    chosen = [scored[0]]
    compare = bool(_COMPARE.search(question))
    for c in scored[1:]:
        if len(chosen) >= (2 if compare else MAX_SENTENCES):
            break
        if any(c.brief == other.brief for other in chosen):
            continue  # one sentence per source
        if compare or c.score >= RELATIVE_CUTOFF * scored[0].score:
            chosen.append(c)
    return render(chosen_pairs=[(c.text, c.passage) for c in chosen], passages=passages, backend=backend)


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
    citations = [
        Citation(n=n, brief=passages[n - 1].brief_id, title=passages[n - 1].title, url=passages[n - 1].url,
                 passage=first[n])
        for n in sorted(first)
    ]
    return Answer(body + "\n\n" + sources_block(citations), citations, backend)


def sources_block(citations: list[Citation]) -> str:
    lines = ["Sources:"]
    for c in citations:
        parts = [c.title or "(untitled)"]
        if c.url:
            parts.append(c.url)
        lines.append(f"[{c.n}] " + " — ".join(parts) + f" ({c.brief})")
    return "\n".join(lines)


def _sentences(passages: list[Passage]) -> list[tuple[int, str, frozenset[str]]]:
    out = []
    for n, passage in enumerate(passages, start=1):
        for sentence in split_sentences(passage.text):
            text = sentence.text.strip()
            if len(text.split()) < MIN_WORDS or len(text) > MAX_SENTENCE_CHARS:
                continue
            out.append((n, text, concepts(text)))
    return out


def _weights(q: list[str], sentence_concepts: list[frozenset[str]]) -> dict[str, float]:
    """IDF of each question concept over the candidate sentences.

    A concept found nowhere weighs as much as one found in a single sentence: enough that a question about
    something absent ("banana prices in Japan" against Japan-only briefs) falls short, yet one
    off-vocabulary word does not sink an otherwise covered question.
    """
    n = len(sentence_concepts)
    return {t: math.log(1 + n / (0.5 + max(1, sum(t in s for s in sentence_concepts)))) for t in q}
