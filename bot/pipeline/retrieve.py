"""Question → passages: FTS5 BM25 over briefs and article chunks, scoped to what the conversation may see.

Kept apart from answer writing so any backend (extractive or a model) answers from the same numbered
passages. The MATCH expression is built from our own tokenisation, never from the user's text: each
content word becomes a quoted term and the terms are OR-ed, so FTS syntax in a question (`"`, `*`,
`NEAR`, `-`, `:`, `(`, `AND`/`OR`/`NOT`, `^`) is just text and can never raise. Stopwords are dropped and
the number of terms is capped so a 5,000-character question costs the same as a short one.

Hybrid ranking. The lexical side: BM25 over briefs and chunks (the MATCH also holds the question's
aliases and synonyms, `lexicon.match_words`), re-ranked by the IDF-weighted share of the question's
concepts a passage holds and its article holds (title and the other matched passages), with a bonus
when a sentence holds the kind of answer asked for. The dense side, when the caller passes a question
vector: the nearest chunks by cosine (`store.nearest_chunks`). The two rankings are fused by
reciprocal-rank fusion (`rrf.fuse`): a passage ranked well by either side comes first, and one ranked
well by both comes before either.
"""

from __future__ import annotations

import datetime as dt
import json
import math

from bot.pipeline.lexicon import answer_type, concepts, holds_answer_type, match_words, question_concepts
from bot.pipeline.models import Passage
from bot.pipeline.rrf import fuse
from bot.pipeline.sentences import split_sentences
from bot.pipeline.terms import STOPWORDS, content_terms, stem, stems, words

__all__ = ["STOPWORDS", "content_terms", "stem", "stems", "words", "retrieve", "match_expression", "plan_query"]

MAX_TERMS = 12
MAX_MATCH_TERMS = 24  # question words plus their aliases and synonyms in the MATCH
PER_TABLE = 30  # candidates read from each FTS table before re-ranking
DENSE_K = 30  # nearest chunks read by the dense side
MAX_PER_BRIEF = 3  # passages per brief, so one long article does not crowd out the others
OWN_SHARE, AROUND_SHARE, TYPE_BONUS = 0.6, 0.4, 0.15
PRUNE_FROM = 20_000  # chunks
COMMON_SHARE = 0.10  # a word in more than this share of chunks is dropped from MATCH when rarer ones exist

def match_expression(question: str, max_terms: int = MAX_TERMS) -> str | None:
    """`"term1" OR "term2" ...` from the question's content words, or None when it has none."""
    return _or_terms(content_terms(question, max_terms))


def _or_terms(terms: list[str]) -> str | None:
    if not terms:
        return None
    return " OR ".join(f'"{t}"' for t in terms)


def plan_query(store, terms: list[str]) -> tuple[str | None, bool]:
    """(MATCH expression, ranked).

    On a large index (PRUNE_FROM chunks or more), words found in more than COMMON_SHARE of the chunks
    are left out when rarer words remain: they would make BM25 score most of the index and rank nothing.
    When every word is that common the search is unranked and returns the newest matches. A small index
    keeps every word: there BM25 is cheap and a common word still helps ranking.
    """
    counts, total = store.term_frequencies(terms)
    if total < PRUNE_FROM:
        return _or_terms(terms), True
    rare = [t for t in terms if counts.get(t, 0) <= COMMON_SHARE * total]
    if rare:
        return _or_terms(rare), True
    return _or_terms(terms), False


def retrieve(store, question: str, team: str, channel: str | None, limit: int = 8,
             query_vector=None) -> list[Passage]:
    """The best passages for `question` among the briefs visible in (team, channel), best first.

    `query_vector` (the question's embedding, when an embedder is configured) adds the dense ranking.
    """
    terms = content_terms(question, MAX_TERMS)
    lexical: list[tuple[str, Passage]] = []
    if terms:
        match, ranked = plan_query(store, match_words(terms, MAX_MATCH_TERMS))
        if match is not None:
            lexical = _lexical(store, question, match, ranked, team, channel)
    dense: list[tuple[str, Passage]] = []
    if query_vector is not None:
        for row in store.nearest_chunks(query_vector, team, channel, DENSE_K):
            dense.append((f"c{row['chunk_id']}", _passage(" ".join(row["text"].split()), row)))
    if not lexical and not dense:
        return []
    by_key = {key: passage for key, passage in [*dense, *lexical]}
    order = fuse([[k for k, _ in lexical], [k for k, _ in dense]])
    chosen: list[Passage] = []
    per_brief: dict[str, int] = {}
    seen_text: set[str] = set()
    for key in order:
        passage = by_key[key]
        if passage.text in seen_text or per_brief.get(passage.brief_id, 0) >= MAX_PER_BRIEF:
            continue
        seen_text.add(passage.text)
        per_brief[passage.brief_id] = per_brief.get(passage.brief_id, 0) + 1
        chosen.append(passage)
        if len(chosen) >= limit:
            break
    return chosen


def _lexical(store, question: str, match: str, ranked: bool, team: str, channel: str | None
             ) -> list[tuple[str, Passage]]:
    """BM25 candidates re-ranked on the question's concepts, as (key, passage), best first."""
    candidates: list[tuple[str, int, Passage]] = []
    for rank, row in enumerate(store.search_briefs(match, team, channel, PER_TABLE, ranked=ranked)):
        points = _json_list(row["key_points"])
        text = " ".join([row["tldr"], *points]).strip()
        candidates.append((f"b{row['brief_id']}", rank, _passage(text, row)))
    for rank, row in enumerate(store.search_chunks(match, team, channel, PER_TABLE, ranked=ranked)):
        if not row["brief_id"]:
            continue
        candidates.append((f"c{row['chunk_id']}", rank, _passage(" ".join(row["text"].split()), row)))
    if not candidates:
        return []
    q = question_concepts(question)
    kind = answer_type(question)
    held = [concepts(p.text) for _, _, p in candidates]
    n = len(held)
    weights = {t: math.log(1 + n / (0.5 + max(1, sum(t in h for h in held)))) for t in q}
    total = sum(weights.values()) or 1.0
    around: dict[str, set[str]] = {}
    for (_, _, p), h in zip(candidates, held, strict=True):
        around.setdefault(p.brief_id, set(concepts(p.title))).update(h)
    scored = []
    for (key, rank, p), h in zip(candidates, held, strict=True):
        own = sum(w for t, w in weights.items() if t in h) / total
        wide = sum(w for t, w in weights.items() if t in around[p.brief_id]) / total
        bonus = TYPE_BONUS if kind and _typed(p.text, kind, question, q) else 0.0
        scored.append(((-(OWN_SHARE * own + AROUND_SHARE * wide + bonus), rank, _neg(p.published.isoformat()
                                                                                      if p.published else "")),
                       key, p))
    scored.sort(key=lambda item: item[0])
    return [(key, p) for _, key, p in scored]


def _typed(text: str, kind: str, question: str, q: list[str]) -> bool:
    """Whether one sentence of `text` both shares a concept with the question and holds the answer type."""
    return any(holds_answer_type(s.text, kind, question) and concepts(s.text) & set(q)
               for s in split_sentences(text))


def _neg(iso: str) -> tuple:
    """Sort newer first inside an ascending sort."""
    return tuple(-ord(ch) for ch in iso)


def _passage(text: str, row: dict) -> Passage:
    published = None
    if row.get("published"):
        try:
            published = dt.date.fromisoformat(row["published"][:10])
        except ValueError:
            published = None
    return Passage(
        text=text,
        brief_id=row["brief_id"],
        title=row.get("title") or "",
        url=row.get("url"),
        score=-float(row.get("bm25") or 0.0),
        published=published,
    )


def _json_list(value) -> list[str]:
    if isinstance(value, list):
        return value
    try:
        data = json.loads(value or "[]")
    except ValueError:
        return []
    return [str(x) for x in data] if isinstance(data, list) else []
