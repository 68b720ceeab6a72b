"""Question → passages: FTS5 BM25 over briefs and article chunks, scoped to what the conversation may see.

Kept apart from answer writing so any backend (extractive or a model) answers from the same numbered
passages. The MATCH expression is built from our own tokenisation, never from the user's text: each
content word becomes a quoted term and the terms are OR-ed, so FTS syntax in a question (`"`, `*`,
`NEAR`, `-`, `:`, `(`, `AND`/`OR`/`NOT`, `^`) is just text and can never raise. Stopwords are dropped and
the number of terms is capped so a 5,000-character question costs the same as a short one.

Ranking: BM25 within briefs and within chunks; the two lists are merged by how much of the question a
passage covers (IDF-free term coverage on light stems), then BM25 rank, then recency.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from bot.pipeline.models import Passage

MAX_TERMS = 12
PER_TABLE = 12  # candidates read from each FTS table before merging
MAX_PER_BRIEF = 2  # passages per brief, so one long article does not crowd out the others
PRUNE_FROM = 20_000  # chunks
COMMON_SHARE = 0.10  # a word in more than this share of chunks is dropped from MATCH when rarer ones exist

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are aren as at be because been before being
    below between both but by can cannot could couldn did didn do does doesn doing don down during each
    few for from further had hadn has hasn have having he her here hers herself him himself his how
    i if in into is isn it its itself just let me more most my myself no nor not now of off on once only
    or other ought our ours ourselves out over own same shall she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up very was wasn
    we were weren what when where which while who whom why will with would you your yours yourself
    yourselves s t d ll m re ve near
    much many tell say said says know think anything something thing things news latest happen happened happening
    going get got give us please any whats what's hows who's where's when's brief briefs article articles
    regarding re lately recently update updates""".split()
)

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def words(text: str) -> list[str]:
    """Lower-cased word tokens (letters and digits of any script); punctuation and FTS operators vanish."""
    return [w.lower() for w in _TOKEN.findall(text or "")]


def content_terms(text: str, limit: int | None = None) -> list[str]:
    """Distinct non-stopword tokens in order of appearance, at most `limit`."""
    seen: list[str] = []
    for w in words(text):
        if w in STOPWORDS or (len(w) < 2 and not w.isdigit()) or w in seen:
            continue
        seen.append(w)
        if limit is not None and len(seen) >= limit:
            break
    return seen


def stem(word: str) -> str:
    """A light suffix stripper so "rates"/"rate", "raised"/"raise" and "decision"/"decide" compare equal."""
    if len(word) <= 3:
        return word
    for suffix, repl in (("ision", "id"), ("ation", "at"), ("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""), ("ly", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not (suffix == "s" and word.endswith("ss")):
            word = word[: -len(suffix)] + repl
            break
    return word.rstrip("e") if len(word) > 3 else word


def stems(text: str) -> set[str]:
    return {stem(w) for w in words(text) if w not in STOPWORDS}


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


def coverage(question_stems: set[str], text: str) -> float:
    """Share of the question's content stems found in `text`."""
    if not question_stems:
        return 0.0
    return len(question_stems & stems(text)) / len(question_stems)


def retrieve(store, question: str, team: str, channel: str | None, limit: int = 6) -> list[Passage]:
    """The best passages for `question` among the briefs visible in (team, channel), best first."""
    terms = content_terms(question, MAX_TERMS)
    if not terms:
        return []
    match, ranked = plan_query(store, terms)
    if match is None:
        return []
    q_stems = {stem(t) for t in terms}
    candidates: list[tuple[tuple, Passage]] = []
    for rank, row in enumerate(store.search_briefs(match, team, channel, PER_TABLE, ranked=ranked)):
        points = _json_list(row["key_points"])
        text = " ".join([row["tldr"], *points]).strip()
        candidates.append((_key(q_stems, text, rank, row), _passage(text, row)))
    for rank, row in enumerate(store.search_chunks(match, team, channel, PER_TABLE, ranked=ranked)):
        if not row["brief_id"]:
            continue
        text = " ".join(row["text"].split())
        candidates.append((_key(q_stems, text, rank, row), _passage(text, row)))
    candidates.sort(key=lambda item: item[0])
    chosen: list[Passage] = []
    per_brief: dict[str, int] = {}
    seen_text: set[str] = set()
    for _, passage in candidates:
        if passage.text in seen_text or per_brief.get(passage.brief_id, 0) >= MAX_PER_BRIEF:
            continue
        seen_text.add(passage.text)
        per_brief[passage.brief_id] = per_brief.get(passage.brief_id, 0) + 1
        chosen.append(passage)
        if len(chosen) >= limit:
            break
    return chosen


def _key(q_stems: set[str], text: str, rank: int, row: dict) -> tuple:
    recency = row.get("published") or ""
    return (-round(coverage(q_stems, text), 2), rank, _neg(recency))


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
