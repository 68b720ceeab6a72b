"""How well each sentence of some passages answers a question: one scorer for retrieval and answers.

Shared so the passages retrieval ranks first are the ones the extractive answer would quote, and the
answer's refusal rule is the same one retrieval can check.

A sentence scores on the question's concepts (`lexicon.concepts`: stems, aliases, synonyms, numbers):
- `own`: the concepts it holds, each weighted by rarity among all candidate sentences and by how well
  it tells its article's sentences apart (the article's subject, in most of its sentences, says which
  article; a concept in one sentence points at the fact);
- `wide`: the IDF-weighted share of the question its article holds (title and every candidate text
  of the same brief), so a long question's context words ("the WSJ piece on Stadia") count where they
  sit;
- a bonus when it holds the kind of answer asked for (`lexicon.answer_type`), and a larger one when it
  holds the precise kind written as news writes it (`answer_kinds`: "how old" -> "the 62-year-old",
  "what time" -> "7:30 p.m.", "how many spectators" -> "12,000 in attendance"); a number or date
  question is `eligible` only for a sentence holding one the question did not state;
- a sentence that opens by pointing back ("The 21-year-old ...", "She ...", "His ...") also holds the
  names the question gives when the sentence just before it named them: news gives a person's age,
  role or sentence in the sentence after the one that names them;
- when the question gives names and some article holds one of them, a sentence of an article holding
  none of them is not eligible: "Murray's wedding" is not answered from another couple's wedding.
Eligibility (what may be shown or cited): the article holds at least half of the question's weighted
concepts and the sentence two of them, or one when the article holds most of the rest.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from bot.pipeline.answer_kinds import FOCUSED, NONE, holds_specific, question_topic, specific_kind
from bot.pipeline.lexicon import answer_type, concepts, holds_answer_type, name_concepts, question_concepts
from bot.pipeline.sentences import split_sentences

OWN_SHARE = 0.6
AROUND_SHARE = 0.4
TYPE_BONUS = 0.15
TOPIC_BONUS = 0.5  # the sentence holds what the question's closing "about ..." phrase names
SPECIFIC_BONUS = 0.4  # the precise kind asked for, over the broad one
FOCUS_BONUS = 0.2  # ... written next to what the question counts or measures
CARRY_BACK = 2  # sentences back a pointing-back sentence may take the question's names from
MIN_AROUND = 0.5
MIN_AROUND_SINGLE = 0.65
MIN_WORDS = 3
NAME_OWN = 0.4  # a name the question gives says which article; the fact is in the other words
LOCAL_POWER = 2.0
MAX_SENTENCE_CHARS = 400


@dataclass(frozen=True)
class Item:
    """One text to score: `key` is the caller's (a passage number, a chunk key), `group` its brief."""

    key: object
    group: str
    title: str
    text: str


@dataclass(frozen=True)
class ScoredSentence:
    score: float
    eligible: bool
    key: object
    group: str
    order: int
    text: str


def score_sentences(question: str, items: list[Item], *, split: bool = True) -> list[ScoredSentence]:
    """Every sentence of `items` (in order), scored; [] when the question has no concepts.

    `split=False` scores each item whole, as one sentence: the cheap first look retrieval takes at
    many candidates to find the articles worth reading closely.
    """
    q = question_concepts(question)
    if not q:
        return []
    names = name_concepts(question)
    candidates = []
    for item in items:
        recent: list[frozenset[str]] = []
        for text in (_sentences_of(item.text) if split else [item.text]):
            held = concepts(text)
            if split and names and _POINTS_BACK.match(text):
                held = held | frozenset(c for prev in recent[-CARRY_BACK:] for c in prev & names)
            recent.append(held)
            if split and (len(text.split()) < MIN_WORDS or len(text) > MAX_SENTENCE_CHARS):
                continue
            candidates.append((item, text, held))
    if not candidates:
        return []
    kind = answer_type(question)
    precise = specific_kind(question)
    topic = question_topic(question)
    n = len(candidates)
    weights = {t: math.log(1 + n / (0.5 + max(1, sum(t in c[2] for c in candidates)))) for t in q}
    total = sum(weights.values())
    around: dict[str, set[str]] = {}
    by_group: dict[str, list[frozenset[str]]] = {}
    for item in items:
        around.setdefault(item.group, set()).update(concepts(item.title))
    for item, _, s in candidates:
        around[item.group].update(s)
        by_group.setdefault(item.group, []).append(s)
    local = {g: {t: math.log(1 + len(sets) / (0.5 + df)) ** LOCAL_POWER * (NAME_OWN if t in names else 1.0)
                 for t in q if (df := sum(t in s for s in sets))}
             for g, sets in by_group.items()}
    room = {g: sum(weights[t] * w for t, w in lw.items()) or 1.0 for g, lw in local.items()}
    wide_of = {g: sum(w for t, w in weights.items() if t in seen) / total for g, seen in around.items()}
    # The names a question gives say which article: when some article holds one, one holding none can't answer.
    named = {g for g, seen in around.items() if names & seen}
    out = []
    for order, (item, text, s) in enumerate(candidates):
        shared = [t for t in q if t in s]
        lw = local[item.group]
        # Finding the article (whole passages): the question's share it holds. Finding the fact inside one
        # (sentences): concepts that tell the article's sentences apart count most.
        own = (sum(weights[t] * lw[t] for t in shared) / room[item.group] if split
               else sum(weights[t] for t in shared) / total)
        wide = wide_of[item.group]
        exact = holds_specific(text, precise, question) if split and shared and precise else NONE
        typed = bool(exact) or (bool(shared) and _typed(text, kind, question))  # only a sentence sharing a concept can answer
        eligible = (typed or kind not in ("number", "date")) and wide >= MIN_AROUND and bool(shared) and not (
            len(shared) < 2 <= len(q) and wide < MIN_AROUND_SINGLE) and (not named or item.group in named)
        score = (OWN_SHARE * own + AROUND_SHARE * wide + (TYPE_BONUS if kind and typed else 0.0)
                 + (SPECIFIC_BONUS if exact else 0.0) + (FOCUS_BONUS if exact == FOCUSED else 0.0)
                 + (TOPIC_BONUS if split and topic and topic <= s else 0.0))
        out.append(ScoredSentence(score, eligible, item.key, item.group, order, text))
    return out


# A sentence that opens by pointing back at someone just named: "The 62-year-old ...", "She ...". (Taking
# the names for any sentence that merely mentions "his" or "her" helped one set and hurt two.)
_POINTS_BACK = re.compile(r"^\W*(?:(?:he|she|they|his|her|their|it|its|this|that|these|those)\b|the\s+\w)", re.I)


@lru_cache(maxsize=4096)
def _sentences_of(text: str) -> tuple[str, ...]:
    """Sentences of a passage, cached: the same chunks come back question after question."""
    return tuple(s.text.strip() for s in split_sentences(text))


@lru_cache(maxsize=50_000)
def _typed(text: str, kind: str | None, question: str) -> bool:
    return holds_answer_type(text, kind, question)

