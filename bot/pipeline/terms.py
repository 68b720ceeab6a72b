"""Words of a question or passage: tokens, stopwords and a light stemmer shared by retrieval, answers
and storylines, so "rates"/"rate" compare equal everywhere and FTS syntax in user text is just text."""

from __future__ import annotations

import re

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
    regarding re lately recently update updates again behind must might""".split()
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
