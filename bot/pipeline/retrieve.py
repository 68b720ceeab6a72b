"""Question → passages: FTS5 BM25 over briefs and article chunks, scoped to what the conversation may see.

Kept apart from answer writing so any backend (extractive or a model) answers from the same numbered
passages. The MATCH expression is built from our own tokenisation, never from the user's text: each
content word becomes a quoted term and the terms are OR-ed, so FTS syntax in a question (`"`, `*`,
`NEAR`, `-`, `:`, `(`, `AND`/`OR`/`NOT`, `^`) is just text and can never raise. Stopwords are dropped and
the number of terms is capped so a 5,000-character question costs the same as a short one.

Hybrid ranking. The lexical side reads as a person would: BM25 over briefs and chunks (the MATCH also
holds the question's aliases and synonyms, `lexicon.match_words`) finds candidate articles, which are
ranked on the question's concepts (`relevance.score_sentences`); every chunk of the best TOP_BRIEFS is
then scored sentence by sentence with the same scorer the extractive answer uses, so the passage
holding the answer comes first. The dense side, when the caller passes a question
vector: the nearest chunks by cosine (`store.nearest_chunks`). The two rankings are fused by
reciprocal-rank fusion (`rrf.fuse`): a passage ranked well by either side comes first, and one ranked
well by both comes before either.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from bot.pipeline.lexicon import match_words
from bot.pipeline.models import Passage
from bot.pipeline.relevance import Item, score_sentences
from bot.pipeline.rrf import fuse
from bot.pipeline.terms import STOPWORDS, content_terms, stem, stems, words

__all__ = ["STOPWORDS", "content_terms", "stem", "stems", "words", "retrieve", "match_expression", "plan_query"]

MAX_TERMS = 12
MAX_MATCH_TERMS = MAX_TERMS  # question words, then their aliases and synonyms while room is left
PER_TABLE = 10  # candidates read from each FTS table before re-ranking
DENSE_K = 20  # nearest chunks read by the dense side
MAX_PER_BRIEF = 3  # passages per brief, so one long article does not crowd out the others
TOP_BRIEFS = 3  # briefs whose every chunk is read and scored in the second stage
ARTICLE_WEIGHT = 1.0  # how much the article's first-stage score adds to each of its passages
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
    rare = [t for t in terms if 0 < counts.get(t, 0) <= COMMON_SHARE * total]  # a word in no chunk finds nothing
    if rare:
        return _or_terms(rare), True
    return _or_terms(terms), False


def retrieve(store, question: str, team: str, channel: str | None, limit: int = 8,
             dense: tuple[str, list[float]] | None = None, dense_weight: float = 1.0) -> list[Passage]:
    """The best passages for `question` among the briefs visible in (team, channel), best first.

    `dense` — (embedding model, the question's vector), when an embedder is configured — adds the
    dense ranking (`embeddings.question_vector`), weighted in the fusion by `dense_weight`
    (`embeddings.fusion_weight`: 0 lets it only fill places the words leave empty).
    """
    terms = content_terms(question, MAX_TERMS)
    lexical: list[tuple[str, Passage]] = []
    if terms:
        # Aliases and synonyms widen the MATCH on a store of ordinary size; on a very large one they would
        # make BM25 score many more rows, so there the question's own words find the candidates and the
        # synonyms count only in the re-ranking (`relevance`).
        match, ranked = plan_query(store, terms)
        if store.term_frequencies([])[1] < PRUNE_FROM:
            match = _or_terms(match_words(terms, MAX_MATCH_TERMS))
        if match is not None:
            lexical = _lexical(store, question, match, ranked, team, channel)
    nearest: list[tuple[str, Passage]] = []
    if dense is not None:
        model, vector = dense
        for row in store.nearest_chunks(vector, team, channel, DENSE_K, model=model):
            nearest.append((f"c{row['chunk_id']}", _passage(_lines(row["text"]), row)))
    if not lexical and not nearest:
        return []
    by_key = {key: passage for key, passage in [*nearest, *lexical]}
    order = fuse([[k for k, _ in lexical], [k for k, _ in nearest]], weights=(1.0, dense_weight))
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
    """Two stages, as a reader would: find the articles (BM25 candidates scored on the question's
    concepts), then the passage inside them (every chunk of the best TOP_BRIEFS briefs, scored with the
    same sentence scorer). Returns (key, passage), best first."""
    found: list[tuple[str, Passage]] = []
    for row in store.search_briefs(match, team, channel, PER_TABLE, ranked=ranked):
        found.append((f"b{row['brief_id']}", _passage(_brief_text(row), row)))
    summaries = dict(found)
    for row in store.search_chunks(match, team, channel, PER_TABLE, ranked=ranked):
        if row["brief_id"]:
            found.append((f"c{row['chunk_id']}", _passage(_lines(row["text"]), row)))
    if not found:
        return []
    best_of_brief: dict[str, float] = {}
    for s in score_sentences(question, [Item(k, p.brief_id, p.title, p.text) for k, p in found], split=False):
        best_of_brief[s.group] = max(best_of_brief.get(s.group, 0.0), s.score + (1.0 if s.eligible else 0.0))
    first_seen = list(dict.fromkeys(p.brief_id for _, p in found))
    top = sorted(first_seen, key=lambda b: -best_of_brief.get(b, 0.0))[:TOP_BRIEFS]
    pool = [(k, p) for k, p in summaries.items() if p.brief_id in top]
    for row in store.chunks_of_briefs(top, team, channel):
        pool.append((f"c{row['chunk_id']}", _passage(_lines(row["text"]), row)))
    passages = dict(pool)
    best: dict[str, float] = {}
    for s in score_sentences(question, [Item(k, p.brief_id, p.title, p.text) for k, p in pool]):
        best[s.key] = max(best.get(s.key, 0.0), s.score + (1.0 if s.eligible else 0.0))
    # A passage's own score is relative to its article (the best sentence of a barely related article can
    # score as high as the answer itself), so the article's first-stage score counts too.
    brief_rank = {b: i for i, b in enumerate(top)}
    keys = sorted(passages, key=lambda k: (-(best.get(k, 0.0) + ARTICLE_WEIGHT * best_of_brief.get(passages[k].brief_id, 0.0)),
                                           brief_rank[passages[k].brief_id]))
    return [(k, passages[k]) for k in keys]


def _lines(text: str) -> str:
    """Chunk text with spaces tidied. A line break stays (so the line is its own sentence) where a line
    ends a statement or a listing ("... for $39.99" before "Save $31 ..."); a hard-wrapped line ending
    in a lower-case word or a comma is joined to the next, unless the next is a list item ("- Sign up ...")."""
    lines = [" ".join(line.split()) for line in (text or "").splitlines() if line.strip()]
    out = lines[:1]
    for line in lines[1:]:
        prev = out[-1]
        ends_statement = prev[-1] in ".!?:;\"”’)»" or (
            (not prev[-1].islower() or _title_case(prev)) and prev[-1] not in ",-–—"
            and (line[0].isupper() or line[0].isdigit()))
        if ends_statement or _LIST_ITEM.match(line):
            out.append(line)
        else:
            out[-1] = f"{prev} {line}"
    return "\n".join(out)


_LIST_ITEM = re.compile(r"[-–—•*·▪]\s|\d{1,2}[.)]\s")  # a bullet or "1." opens an item of its own


def _title_case(line: str) -> bool:
    """A headline or link text ("16-inch MacBook Pro Now Available"): most words capitalised."""
    words_ = line.split()
    return len(words_) >= 3 and sum(w[:1].isupper() or w[:1].isdigit() for w in words_) >= 0.7 * len(words_)


def _brief_text(row: dict) -> str:
    return " ".join([row["tldr"], *_json_list(row["key_points"])]).strip()


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
