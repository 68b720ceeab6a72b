"""The embedded answer: the best 1–3 sentences of the retrieved passages, each cited, or an honest "no".

No model: every sentence of every passage is scored by how much of the question it covers (three
quarters) and how much its passage covers (one quarter), each question term weighted by its rarity
among the candidate sentences (a term no sentence contains weighs most, so
a question about something the briefs never mention scores low everywhere). Sentences below
ANSWER_THRESHOLD are never shown: an unrelated passage is worse than `NO_ANSWER`.

Citation numbers are the passage numbers the backend was given (1-based), the same numbering the OpenAI
backend sees, so "[2]" always points at the passage the sentence was taken from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot.pipeline.citations import cite, sources_block
from bot.pipeline.institutions import ALIASES
from bot.pipeline.models import NO_ANSWER, Answer, Passage
from bot.pipeline.retrieve import MAX_TERMS, STOPWORDS, content_terms, stem, stems, words
from bot.pipeline.sentences import split_sentences

ANSWER_THRESHOLD = 0.5  # weighted share of the question's terms a sentence must cover
PASSAGE_SHARE = 0.25  # how much the sentence's whole passage counts towards its score
RELATIVE_CUTOFF = 0.7  # later sentences must score at least this share of the best one
MAX_SENTENCES = 3
MIN_WORDS = 4
MAX_SENTENCE_CHARS = 400


@dataclass(frozen=True)
class _Scored:
    score: float
    passage: int  # 1-based
    order: int
    text: str
    stems: frozenset[str]


def extractive_answer(question: str, passages: list[Passage], backend: str = "embedded") -> Answer:
    q_stems = [stem(t) for t in content_terms(question, MAX_TERMS)]
    q_stems = list(dict.fromkeys(q_stems))
    if not q_stems or not passages:
        return Answer(NO_ANSWER, [], backend)
    candidates = _sentences(passages)
    if not candidates:
        return Answer(NO_ANSWER, [], backend)
    weights = _weights(q_stems, [c[2] for c in candidates])
    total = sum(weights.values())
    passage_stems: dict[int, set[str]] = {}
    for n, _, s in candidates:
        passage_stems.setdefault(n, set()).update(s)
    scored = []
    for order, (n, text, s) in enumerate(candidates):
        own = sum(w for t, w in weights.items() if t in s) / total
        around = sum(w for t, w in weights.items() if t in passage_stems[n]) / total
        scored.append(_Scored((1 - PASSAGE_SHARE) * own + PASSAGE_SHARE * around, n, order, text, s))
    scored.sort(key=lambda c: (-c.score, c.order))
    best = scored[0].score
    if best < ANSWER_THRESHOLD:
        return Answer(NO_ANSWER, [], backend)
    chosen: list[_Scored] = []
    for c in scored:
        if len(chosen) >= MAX_SENTENCES or c.score < max(ANSWER_THRESHOLD, RELATIVE_CUTOFF * best):
            break
        if any(_similar(c.stems, other.stems) for other in chosen):
            continue
        chosen.append(c)
    return render(chosen_pairs=[(c.text, c.passage) for c in chosen], passages=passages, backend=backend)


def render(chosen_pairs: list[tuple[str, int]], passages: list[Passage], backend: str) -> Answer:
    """Sentences each followed by `[n]`, then the cited sources; citations list only the passages used."""
    body = " ".join(f"{text} [{n}]" for text, n in chosen_pairs)
    citations = cite(passages, sorted({n for _, n in chosen_pairs}))
    return Answer(body + "\n\n" + sources_block(citations), citations, backend)


def _sentences(passages: list[Passage]) -> list[tuple[int, str, frozenset[str]]]:
    out = []
    for n, passage in enumerate(passages, start=1):
        for sentence in split_sentences(passage.text):
            text = sentence.text.strip()
            if len(text.split()) < MIN_WORDS or len(text) > MAX_SENTENCE_CHARS:
                continue
            out.append((n, text, frozenset(stems(text) | _alias_stems(text))))
    return out


def _alias_stems(text: str) -> set[str]:
    """Both names of an institution the sentence names: "Bank of Japan" also counts as "BoJ" and the
    reverse, so "When is the BoJ decision?" finds "The Bank of Japan will announce its decision…"."""
    lowered = f" {' '.join(words(text))} "
    out: set[str] = set()
    for short, long in ALIASES.items():
        if f" {long} " in lowered or f" {short} " in lowered:
            out.add(stem(short))
            out |= {stem(w) for w in long.split() if w not in STOPWORDS}
    return out


def _weights(q_stems: list[str], sentence_stems: list[frozenset[str]]) -> dict[str, float]:
    """IDF of each question term over the candidate sentences.

    A term found nowhere weighs as much as one found in a single sentence: enough that a question about
    something absent ("banana prices in Japan" against Japan-only briefs) falls below the threshold, yet
    one off-vocabulary verb ("decide" against "decision") does not sink an otherwise covered question.
    """
    n = len(sentence_stems)
    return {t: math.log(1 + n / (0.5 + max(1, sum(t in s for s in sentence_stems)))) for t in q_stems}


def _similar(a: frozenset[str], b: frozenset[str]) -> bool:
    if not a or not b:
        return False
    return len(a & b) / len(a | b) > 0.6
